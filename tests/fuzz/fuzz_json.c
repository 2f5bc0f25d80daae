/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c - the JSON reader (core/json.c) on any bytes, with each set
 * of flags: a text is read or refused, the values it gives are consistent
 * (every container holds exactly its elements, strings end where they
 * say), a refusal names a byte inside the text, and nothing crashes or
 * leaks.  Built like fuzz_query.c: libFuzzer in `make fuzz`, a replay of
 * tests/fuzz/corpus in `make check`.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Checks the values of container c (and what it holds); the values seen. */
static size_t fuzz_walk(const hpi_jv *c)
{
	size_t seen = 1, n = 0;

	if (c->type == HPI_JSON_STRING && (c->v.s == NULL || strnlen(c->v.s, c->n + 1) > c->n))
		abort();
	if (c->type != HPI_JSON_ARRAY && c->type != HPI_JSON_OBJECT)
		return c->skip == 1 ? 1 : (abort(), 0);
	HPI_JSON_FOREACH(c, v) {
		if ((c->type == HPI_JSON_OBJECT) != (v->key != NULL))
			abort(); /* members have keys, elements none */
		seen += fuzz_walk(v);
		n++;
	}
	if (n != c->n || seen != c->skip)
		abort();
	return seen;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const unsigned flags[] = {
		0, HPI_JSON_TOP_CONTAINER | HPI_JSON_NO_DUP_KEYS, HPI_JSON_LOOSE,
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		hpi_json_err e;
		hpi_json *d = hpi_json_parse((const char *)data, size, flags[i], i == 2 ? 64 : 0, &e);
		char *ctx;

		if (d == NULL) {
			if (e.code == HPI_JSON_OK || e.at > size || e.tok > size ||
			    (ctx = hpi_json_err_context((const char *)data, size, &e)) == NULL)
				abort();
			free(ctx);
			continue;
		}
		if (e.code != HPI_JSON_OK || fuzz_walk(hpi_json_root(d)) == 0)
			abort();
		hpi_json_free(d);
	}
	return 0;
}

#ifdef HP_FUZZ_REPLAY
/* Feeds every file of the corpus folder (argv[1], else the source tree's),
 * and every prefix of each, as a cut message would come. */
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
		for (size_t k = 0; k <= len && k < 4096; k++)
			LLVMFuzzerTestOneInput((const unsigned char *)buf, k);
		LLVMFuzzerTestOneInput((const unsigned char *)buf, len);
		n++;
	}
	closedir(d);
	printf("fuzz_json: %d inputs replayed, with their prefixes\n", n);
	return n > 0 ? 0 : 1;
}
#endif
