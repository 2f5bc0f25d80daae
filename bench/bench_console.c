/* SPDX-License-Identifier: MIT */
/*
 * bench_console.c - what one frame of `hotpath console` costs with a big
 * section: a functions message of 10,000 rows fed to the model (JSON
 * parse, cell formatting, widths), sorted by a column, and drawn by the
 * real view into an off-screen ncurses terminal (newterm on /dev/null),
 * refresh included.  Targets: at most 50 ms per frame (issue 9), at most
 * 15 ms to decode the message on the reader thread (issue 16; it was 106
 * ms with jansson, whose parse alone of the same bytes took 82 ms; jansson
 * is no longer used).  Beside it, the floor: the JSON parse alone with the
 * library's reader.
 *
 *   bench/bench_console [ROWS [FRAMES]]     (defaults 10000 and 40)
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "json.h"
#include "model.h"
#include "view.h"

/* CLOCK_MONOTONIC in ns. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A functions section message as the publisher sends it, rows rows; the
 * numbers move with frame so every frame is an update. */
static void make_msg(hpi_buf *b, size_t rows, unsigned frame)
{
	hpi_buf_puts(b, "functions {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"functions\","
		     "\"pid\":1,\"seq\":1,\"report\":{\"type\":\"hotpath_report\",\"version\":1,"
		     "\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\",\"columns\":["
		     "{\"key\":\"name\",\"title\":\"Function\",\"unit\":\"text\"},"
		     "{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"
		     "{\"key\":\"avg\",\"title\":\"Avg\",\"unit\":\"ns\"},"
		     "{\"key\":\"min\",\"title\":\"Min\",\"unit\":\"ns\"},"
		     "{\"key\":\"max\",\"title\":\"Max\",\"unit\":\"ns\"},"
		     "{\"key\":\"p50\",\"title\":\"P50\",\"unit\":\"ns\"},"
		     "{\"key\":\"p99\",\"title\":\"P99\",\"unit\":\"ns\"},"
		     "{\"key\":\"total\",\"title\":\"Total\",\"unit\":\"ns\"},"
		     "{\"key\":\"percent_total\",\"title\":\"% Total\",\"unit\":\"percent\"}],");
	hpi_buf_printf(b, "\"total_rows\":%zu,\"rows\":[", rows);
	for (size_t i = 0; i < rows; i++) {
		unsigned long long c = (i * 7919 + frame * 13) % 100000 + 1;

		hpi_buf_printf(b, "%s{\"name\":\"bench::function_%05zu\",\"calls\":%llu,"
			       "\"avg\":%llu,\"min\":%llu,\"max\":%llu,\"p50\":%llu,\"p99\":%llu,"
			       "\"total\":%llu,\"percent_total\":%.4f}", i ? "," : "", i, c,
			       c * 31, c, c * 977, c * 29, c * 300, c * c * 31, 100.0 / (double)rows);
	}
	hpi_buf_puts(b, "]}]}}");
}

/* The JSON parse alone with the library's reader (the floor of the
 * decode), best of rounds, in ms. */
static void bench_parse(const hpi_buf *b, unsigned rounds)
{
	const char *json = memchr(b->data, ' ', b->len) + 1;
	size_t len = b->len - (size_t)(json - b->data);
	double best_h = 1e30;

	for (unsigned i = 0; i < rounds; i++) {
		uint64_t t1 = now_ns(), t2;
		hpi_json *d = hpi_json_parse(json, len, 0, 0, NULL);

		t2 = now_ns();
		if (d == NULL) {
			fprintf(stderr, "bench_console: the reader refused the message\n");
			exit(1);
		}
		hpi_json_free(d);
		if ((double)(t2 - t1) / 1e6 < best_h)
			best_h = (double)(t2 - t1) / 1e6;
	}
	printf("  JSON parse alone, best of %u: hotpath's reader %7.2f ms\n", rounds, best_h);
}

/* Feeds and draws frames, then prints the times per frame. */
int main(int argc, char **argv)
{
	size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	unsigned frames = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 40;
	uint64_t t0, t1, t_decode = 0, t_frame = 0, worst = 0, best_decode = UINT64_MAX;
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	hpi_buf *msgs;
	hpc_model m;
	hpc_view v;
	SCREEN *scr;

	if (rows == 0 || frames == 0 || out == NULL || in == NULL) {
		fprintf(stderr, "usage: bench_console [ROWS [FRAMES]]\n");
		return 2;
	}
	setlocale(LC_ALL, "C.UTF-8");
	if ((scr = newterm("xterm-256color", out, in)) == NULL) {
		fprintf(stderr, "bench_console: no terminal description for xterm-256color\n");
		return 1;
	}
	resizeterm(50, 200);
	hpc_view_init(&v, stdscr);
	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///bench", 0);
	msgs = xcalloc(2, sizeof(*msgs));
	for (unsigned i = 0; i < 2; i++) {
		hpi_buf_init(&msgs[i]);
		make_msg(&msgs[i], rows, i);
	}
	m.details = false;
	for (unsigned f = 0; f <= frames; f++) {
		const hpi_buf *b = &msgs[f % 2];
		hpc_msg *d;
		uint64_t t2;
		int rv;

		t0 = now_ns();
		d = hpc_msg_decode(b->data, b->len, &rv);
		t1 = now_ns();
		if (d == NULL || rv != 0 || hpc_model_apply(&m, 0, d, t1) != 0) {
			fprintf(stderr, "bench_console: the model refused the message\n");
			return 1;
		}
		if (f == 0) {
			hpc_model_sort_next(&m); /* by name */
			hpc_model_sort_next(&m); /* by calls, most first: sorted every frame */
			hpc_model_move(&m, (long)rows / 2);
		}
		hpc_view_draw(&v, &m, t1);
		wnoutrefresh(stdscr);
		doupdate();
		t2 = now_ns();
		if (f == 0)
			continue; /* warm-up */
		t_decode += t1 - t0;
		if (t1 - t0 < best_decode)
			best_decode = t1 - t0;
		t_frame += t2 - t1;
		if (t2 - t1 > worst)
			worst = t2 - t1;
	}
	printf("bench_console: %zu rows, %u frames (a message of %.1f MiB each)\n", rows, frames,
	       (double)msgs[0].len / (1 << 20));
	printf("  frame: apply the rows (sort, selection) and render: %7.2f ms (worst %.2f ms; target <= 50)\n",
	       (double)t_frame / frames / 1e6, (double)worst / 1e6);
	printf("  decode on the reader thread (JSON parse, format):    %7.2f ms per message (best %.2f ms; target <= 15)\n",
	       (double)t_decode / frames / 1e6, (double)best_decode / 1e6);
	printf("  both, one message start to end:                      %7.2f ms\n",
	       (double)(t_decode + t_frame) / frames / 1e6);
	bench_parse(&msgs[0], 10);
	endwin();
	delscreen(scr);
	hpc_model_fini(&m);
	for (unsigned i = 0; i < 2; i++)
		hpi_buf_fini(&msgs[i]);
	free(msgs);
	fclose(out);
	fclose(in);
	return 0;
}
