/* SPDX-License-Identifier: MIT */
/*
 * publish_fixture.c - the snapshot and the reply readers of the
 * publisher's tests (publish_fixture.h).
 */
#include <string.h>

#include "publish_fixture.h"

/* A snapshot like the timing plugin's: functions with a log on row 0. */
hp_snapshot *fixture(void)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "functions", "Functions"), *log;

	hpi_column_add(sec, "name", "Function", HP_UNIT_TEXT);
	hpi_column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "basic::main");
	hpi_cell_int(sec, 0, 1, 1);
	hpi_row_add(sec);
	hpi_cell_text(sec, 1, 0, "nolog");
	hpi_cell_int(sec, 1, 1, 7);
	log = hpi_row_log(sec, 0);
	hpi_column_add(log, "duration", "Duration", HP_UNIT_NS);
	hpi_row_add(log);
	hpi_cell_int(log, 0, 0, 1500);
	hpi_section_add(s, "process", "Process");
	return s;
}

/* A reply read with the library's JSON reader (an object or an array),
 * or NULL. */
hpi_json *reply_json(const char *r)
{
	return r != NULL ? hpi_json_parse(r, strlen(r), HPI_JSON_TOP_CONTAINER, 0, NULL) : NULL;
}

/* The integer member key of obj (0 when it is not one). */
long long reply_int(const hpi_jv *obj, const char *key)
{
	const hpi_jv *v = hpi_json_get(obj, key);

	return hpi_json_is(v, HPI_JSON_INT) ? (long long)v->v.i : 0;
}
