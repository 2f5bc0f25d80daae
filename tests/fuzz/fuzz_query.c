/* SPDX-License-Identifier: MIT */
/*
 * fuzz_query.c - the query handler (wire.c) on any bytes: every input
 * must get one JSON object back, and nothing may crash or leak.  Built two
 * ways: with libFuzzer (`make fuzz`, clang -fsanitize=fuzzer,address) and,
 * in `make check`, with the replay driver below (HP_FUZZ_REPLAY), which
 * feeds it every file of tests/fuzz/corpus.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A snapshot with a section, rows and a row log, made once. */
static hp_snapshot *fuzz_fixture(void)
{
	static hp_snapshot *s;
	hp_section *sec, *log;

	if (s != NULL)
		return s;
	s = hpi_snapshot_new();
	sec = hpi_section_add(s, "functions", "Functions");
	hpi_column_add(sec, "name", "Function", HP_UNIT_TEXT);
	hpi_column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "basic::main");
	hpi_cell_int(sec, 0, 1, 3);
	log = hpi_row_log(sec, 0);
	hpi_column_add(log, "duration", "Duration", HP_UNIT_NS);
	hpi_row_add(log);
	hpi_cell_int(log, 0, 0, 17);
	sec = hpi_section_add(s, "threads", "Threads");
	hpi_column_add(sec, "thread", "Thread", HP_UNIT_TEXT);
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "main");
	return s;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const hpi_publish_info in = {.program = "fuzz", .caller = "fuzz::main",
					    .host = "h", .endpoint = "ipc:///x", .pid = 1};
	hpi_buf out;

	hpi_buf_init(&out);
	hpi_query_answer(&out, fuzz_fixture(), &in, (const char *)data, size);
	if (out.data == NULL || out.len < 2 || out.data[0] != '{' ||
	    out.data[out.len - 1] != '}' || strlen(out.data) != out.len)
		abort(); /* every request gets one JSON object, no NUL inside */
	hpi_buf_fini(&out);
	return 0;
}

#ifdef HP_FUZZ_REPLAY
/* Feeds every file of the corpus folder (argv[1], else the source tree's). */
int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : HP_SRCDIR "/tests/fuzz/corpus";
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		perror(dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096], buf[65536];
		FILE *f;
		size_t len;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput((const unsigned char *)buf, len);
		n++;
	}
	closedir(d);
	printf("fuzz_query: %d inputs replayed\n", n);
	hpi_snapshot_free(fuzz_fixture());
	return n > 0 ? 0 : 1;
}
#endif
