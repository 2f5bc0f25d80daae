/* SPDX-License-Identifier: MIT */
/*
 * err.c - text and name of an hp_err code, both made from HP_ERR_MAP so the
 * enum and its strings cannot drift apart.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "hpi.h"

/* Human-readable text of err; "unknown error" for codes not in the map. */
const char *hp_strerror(int err)
{
	switch (err) {
#define ERR_TEXT(name, val, text) \
	case val:                 \
		return text;
		HP_ERR_MAP(ERR_TEXT)
#undef ERR_TEXT
	}
	return "unknown error";
}

/* Enum name of err ("HP_EINVAL"); "HP_E?" for codes not in the map. */
const char *hp_err_name(int err)
{
	switch (err) {
#define ERR_NAME(name, val, text) \
	case val:                 \
		return "HP_" #name;
		HP_ERR_MAP(ERR_NAME)
#undef ERR_NAME
	}
	return "HP_E?";
}
