/* SPDX-License-Identifier: MIT */
/*
 * channels.h - channel probes (channels.c).
 */
#ifndef HPI_CHANNELS_H
#define HPI_CHANNELS_H



/* Non-zero while the channels plugin keeps message logs: probe formatters
 * run only then. */
extern int hpi_channel_logs; /* the number of plugins that want text */

#endif
