/* SPDX-License-Identifier: MIT */
/*
 * publish_fixture.h - what the publisher's tests (test_publish.c: queries
 * and the publisher; test_publish_limits.c: its limits and the replies
 * that must not be lost) share (publish_fixture.c).
 */
#ifndef TESTS_PUBLISH_FIXTURE_H
#define TESTS_PUBLISH_FIXTURE_H

#include "hpi.h"

/* A snapshot like the timing plugin's: functions with a log on row 0. */
hp_snapshot *fixture(void);
/* A reply read with the library's JSON reader (an object or an array),
 * or NULL. */
hpi_json *reply_json(const char *r);
/* The integer member key of obj (0 when it is not one). */
long long reply_int(const hpi_jv *obj, const char *key);

#endif
