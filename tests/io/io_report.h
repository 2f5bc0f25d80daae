/* SPDX-License-Identifier: MIT */
/*
 * io_report.h - reading the io plugin's report in tests/io: the rows of
 * the io section a test asks for (function, kind of descriptor), the
 * io_errors rows as one string, and the io_files rows.  Included by
 * test_io.c and test_io_raw.c only.
 */
#ifndef HP_TESTS_IO_REPORT_H
#define HP_TESTS_IO_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <hotpath.h>

typedef struct iorow {
	char label[64], kind[16];
	int found;
	int64_t calls, read, written, errors;
} iorow;

typedef struct iofile {
	char name[128];
	int64_t calls, read, written;
} iofile;

typedef struct iocap {
	iorow rows[8];
	size_t n;
	iofile files[32]; /* the io_files section */
	size_t nfiles;
	int has_io;
	char errs[512]; /* "function call error count;" for each row of io_errors */
} iocap;

/* Column key of row r of s as an integer, -1 when s has no such column. */
static inline int64_t cell(const hp_section *s, size_t r, const char *key)
{
	for (size_t c = 0; c < hp_section_ncolumns(s); c++)
		if (strcmp(hp_section_column_key(s, c), key) == 0)
			return hp_section_int(s, r, c);
	return -1;
}

/* A reporter's body: fills w's rows asked for with want(), its files and
 * its errors from snap. */
static inline int io_capture(const hp_snapshot *snap, void *data, char **cause)
{
	iocap *w = data;
	const hp_section *s = hp_snapshot_find(snap, "io");
	const hp_section *e = hp_snapshot_find(snap, "io_errors");
	const hp_section *fs = hp_snapshot_find(snap, "io_files");

	(void)cause;
	for (size_t r = 0; fs && r < hp_section_nrows(fs) && w->nfiles < 32; r++) {
		iofile *f = &w->files[w->nfiles++];
		snprintf(f->name, sizeof(f->name), "%s", hp_section_text(fs, r, 0));
		f->calls = cell(fs, r, "calls");
		f->read = cell(fs, r, "read");
		f->written = cell(fs, r, "written");
	}
	w->has_io = s != NULL;
	for (size_t i = 0; i < w->n; i++) {
		iorow *a = &w->rows[i];
		for (size_t r = 0; s && r < hp_section_nrows(s); r++) {
			if (strcmp(hp_section_text(s, r, 0), a->label) != 0 ||
			    strcmp(hp_section_text(s, r, 1), a->kind) != 0)
				continue;
			a->found = 1;
			a->calls = cell(s, r, "calls");
			a->read = cell(s, r, "read");
			a->written = cell(s, r, "written");
			a->errors = cell(s, r, "errors");
		}
	}
	for (size_t r = 0; e && r < hp_section_nrows(e); r++) {
		size_t len = strlen(w->errs);
		snprintf(w->errs + len, sizeof(w->errs) - len, "%s %s %s %lld;",
			 hp_section_text(e, r, 0), hp_section_text(e, r, 1), hp_section_text(e, r, 2),
			 (long long)hp_section_int(e, r, 3));
	}
	return 0;
}

/* Asks for the row of function label (PREFIX::label, or "(no function)")
 * on descriptors of kind. */
static inline void io_want(iocap *w, const char *prefix, const char *label, const char *kind)
{
	iorow *a = &w->rows[w->n++];

	if (label[0] == '(')
		snprintf(a->label, sizeof(a->label), "%s", label);
	else
		snprintf(a->label, sizeof(a->label), "%s::%s", prefix, label);
	snprintf(a->kind, sizeof(a->kind), "%s", kind);
}

static const hp_reporter io_capture_reporter = {"capture", io_capture};

/* A guard whose report fills w (no config, no publishing, no output). */
static inline hp_guard *io_start(iocap *w, const char *name)
{
	hp_guard_builder *b = hp_guard_builder_new(name);

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &io_capture_reporter, w);
	return hp_guard_builder_build(b);
}

/* Row i of w (asked for with want()) has these figures. */
#define ROW_IS(w, i, calls_, read_, written_, errors_)                          \
	do {                                                                    \
		const iorow *r_ = &(w)->rows[i];                                \
		ck_assert_msg(r_->found, "%s on %s: no row", r_->label, r_->kind); \
		ck_assert_int_eq(r_->calls, calls_);                            \
		ck_assert_int_eq(r_->read, read_);                              \
		ck_assert_int_eq(r_->written, written_);                        \
		ck_assert_int_eq(r_->errors, errors_);                          \
	} while (0)

#endif
