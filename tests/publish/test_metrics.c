/* SPDX-License-Identifier: MIT */
/*
 * test_metrics.c - OpenMetrics (docs/metrics.md): the exact text of a
 * snapshot, label escaping, the histogram's cumulative buckets, the text
 * format 0.0.4 a plain scraper gets, the exporter's merge, and the HTTP
 * endpoint answering a real socket with both formats.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "hpi.h"
#include "metrics.h"

/* A snapshot with a lock and a channel, facts with characters to escape. */
static hp_snapshot *fixture(void)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *l = hpi_section_add(s, "locks", "Locks");
	hp_section *p = hpi_section_add(s, "process", "Process");

	hpi_snapshot_meta_set(s, "program", "a\"b\\c\nd");
	hpi_snapshot_meta_set(s, "pid", "7");
	hpi_column_add(l, "name", "Lock", HP_UNIT_TEXT);
	hpi_column_add(l, "acquisitions", "Acquired", HP_UNIT_COUNT);
	hpi_column_add(l, "contended", "Waited", HP_UNIT_COUNT);
	hpi_column_add(l, "wait_p99.9", "Wait P99.9", HP_UNIT_NS);
	hpi_column_add(l, "wait_total", "Wait total", HP_UNIT_NS);
	hpi_row_add(l);
	hpi_cell_text(l, 0, 0, "q");
	hpi_cell_int(l, 0, 1, 5);
	hpi_cell_int(l, 0, 2, 2);
	hpi_cell_int(l, 0, 3, 1500000000);
	hpi_cell_int(l, 0, 4, 12);
	hpi_row_add(l); /* no name: left out */
	hpi_cell_int(l, 1, 1, 9);
	hpi_column_add(p, "rss", "RSS", HP_UNIT_BYTES);
	hpi_column_add(p, "rss_max", "Max RSS", HP_UNIT_BYTES);
	hpi_column_add(p, "threads", "Threads", HP_UNIT_COUNT);
	hpi_row_add(p);
	hpi_cell_int(p, 0, 0, 4096);
	hpi_cell_int(p, 0, 1, 8192);
	hpi_cell_int(p, 0, 2, 3);
	return s;
}

#define L "{program=\"a\\\"b\\\\c\\nd\",pid=\"7\""

static const char fixture_om[] =
	"# TYPE hotpath_process_rss_bytes gauge\n"
	"# UNIT hotpath_process_rss_bytes bytes\n"
	"# HELP hotpath_process_rss_bytes Resident set size of the profiled process.\n"
	"hotpath_process_rss_bytes" L "} 4096\n"
	"# TYPE hotpath_process_rss_max_bytes gauge\n"
	"# UNIT hotpath_process_rss_max_bytes bytes\n"
	"# HELP hotpath_process_rss_max_bytes Largest resident set size of the profiled process so far.\n"
	"hotpath_process_rss_max_bytes" L "} 8192\n"
	"# TYPE hotpath_process_threads gauge\n"
	"# HELP hotpath_process_threads Threads of the profiled process.\n"
	"hotpath_process_threads" L "} 3\n"
	"# TYPE hotpath_lock_acquisitions counter\n"
	"# HELP hotpath_lock_acquisitions Times a lock was taken.\n"
	"hotpath_lock_acquisitions_total" L ",lock=\"q\"} 5\n"
	"# TYPE hotpath_lock_contended counter\n"
	"# HELP hotpath_lock_contended Times a lock was taken after waiting for it.\n"
	"hotpath_lock_contended_total" L ",lock=\"q\"} 2\n"
	"# TYPE hotpath_lock_wait_seconds summary\n"
	"# UNIT hotpath_lock_wait_seconds seconds\n"
	"# HELP hotpath_lock_wait_seconds Time waiting to take a lock.\n"
	"hotpath_lock_wait_seconds" L ",lock=\"q\",quantile=\"0.999\"} 1.5\n"
	"hotpath_lock_wait_seconds_count" L ",lock=\"q\"} 5\n"
	"hotpath_lock_wait_seconds_sum" L ",lock=\"q\"} 0.000000012\n"
	"# EOF\n";

START_TEST(test_render_exact)
{
	hp_snapshot *s = fixture();
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_metrics_render(&b, s, true);
	ck_assert_str_eq(b.data, fixture_om);
	hpi_buf_fini(&b);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_label_escape)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_metrics_label(&b, "x\\y\"z\nw\xff!\xc3\xa9");
	ck_assert_str_eq(b.data, "x\\\\y\\\"z\\nw\xef\xbf\xbd!\xc3\xa9");
	hpi_buf_fini(&b);
}
END_TEST

/* The histogram of a functions section with the "buckets" cell. */
START_TEST(test_histogram)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *f = hpi_section_add(s, "functions", "Functions");
	hpi_hist h;
	uint64_t cum[32];
	static const uint64_t vals[] = {99, 100, 101, 1000, 2600, 20000000000u};
	hpi_buf cell, b;

	hpi_hist_init(&h);
	for (size_t i = 0; i < 6; i++)
		hpi_hist_add(&h, vals[i]);
	ck_assert_uint_ge(hpi_metrics_nbounds, 25);
	hpi_hist_cumulative(&h, hpi_metrics_bounds, hpi_metrics_nbounds, cum);
	ck_assert_uint_eq(cum[0], 2);  /* 100 ns: 99, 100 */
	ck_assert_uint_eq(cum[1], 3);  /* 250 ns */
	ck_assert_uint_eq(cum[3], 4);  /* 1 µs: 1000 exactly (a bucket's lower edge) */
	ck_assert_uint_eq(cum[4], 4);  /* 2.5 µs: 2600 is above */
	ck_assert_uint_eq(cum[5], 5);
	ck_assert_uint_eq(cum[hpi_metrics_nbounds - 1], 5); /* 20 s only in +Inf */
	hpi_buf_init(&cell);
	hpi_buf_i64(&cell, (int64_t)hpi_hist_sum(&h));
	hpi_buf_puts(&cell, " 6");
	for (size_t i = 0; i < hpi_metrics_nbounds; i++) {
		hpi_buf_putc(&cell, ' ');
		hpi_buf_i64(&cell, (int64_t)cum[i]);
	}
	hpi_column_add(f, "name", "Function", HP_UNIT_TEXT);
	hpi_column_add(f, "calls", "Calls", HP_UNIT_COUNT);
	hpi_column_add(f, "total", "Total", HP_UNIT_NS);
	hpi_column_add(f, "buckets", "Buckets", HP_UNIT_TEXT);
	hpi_row_add(f);
	hpi_cell_text(f, 0, 0, "m::f");
	hpi_cell_int(f, 0, 1, 6);
	hpi_cell_int(f, 0, 2, 20000003900);
	hpi_cell_text(f, 0, 3, cell.data);
	hpi_snapshot_meta_set(s, "program", "p");
	hpi_snapshot_meta_set(s, "pid", "1");
	hpi_buf_init(&b);
	hpi_metrics_render(&b, s, false);
	ck_assert_ptr_nonnull(strstr(b.data, "# TYPE hotpath_function_calls counter\n"
					     "# HELP hotpath_function_calls Calls of a measured function.\n"
					     "hotpath_function_calls_total{program=\"p\",pid=\"1\",function=\"m::f\"} 6\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "hotpath_function_seconds_total{program=\"p\",pid=\"1\",function=\"m::f\"} 20.0000039\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "# TYPE hotpath_function_duration_seconds histogram\n"
					     "# UNIT hotpath_function_duration_seconds seconds\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "_bucket{program=\"p\",pid=\"1\",function=\"m::f\",le=\"1e-07\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "_bucket{program=\"p\",pid=\"1\",function=\"m::f\",le=\"1e-06\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "_bucket{program=\"p\",pid=\"1\",function=\"m::f\",le=\"10.0\"} 5\n"
					     "hotpath_function_duration_seconds_bucket{program=\"p\",pid=\"1\",function=\"m::f\",le=\"+Inf\"} 6\n"
					     "hotpath_function_duration_seconds_count{program=\"p\",pid=\"1\",function=\"m::f\"} 6\n"
					     "hotpath_function_duration_seconds_sum{program=\"p\",pid=\"1\",function=\"m::f\"} 20.0000039\n"));
	ck_assert_ptr_null(strstr(b.data, "self_seconds")); /* no self_total column */
	ck_assert_ptr_null(strstr(b.data, "# EOF"));
	hpi_buf_fini(&b);
	hpi_buf_fini(&cell);
	hpi_hist_fini(&h);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_text004)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_metrics_text004(&b, fixture_om, strlen(fixture_om));
	ck_assert_ptr_null(strstr(b.data, "# UNIT"));
	ck_assert_ptr_null(strstr(b.data, "# EOF"));
	ck_assert_ptr_nonnull(strstr(b.data,
		"# TYPE hotpath_lock_acquisitions_total counter\n"
		"# HELP hotpath_lock_acquisitions_total Times a lock was taken.\n"
		"hotpath_lock_acquisitions_total" L ",lock=\"q\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(b.data,
		"# TYPE hotpath_lock_wait_seconds summary\n"
		"# HELP hotpath_lock_wait_seconds Time waiting to take a lock.\n"));
	ck_assert_ptr_nonnull(strstr(b.data,
		"# TYPE hotpath_process_threads gauge\n"
		"# HELP hotpath_process_threads Threads of the profiled process.\n"
		"hotpath_process_threads" L "} 3\n"));
	hpi_buf_fini(&b);
}
END_TEST

START_TEST(test_merge)
{
	const char *a = "# TYPE x counter\n# HELP x X.\nx_total{pid=\"1\"} 1\n"
			"# TYPE y gauge\n# HELP y Y.\ny{pid=\"1\"} 2\n# EOF\n";
	const char *b2 = "# TYPE z gauge\n# HELP z Z.\nz{pid=\"2\"} 9\n"
			 "# TYPE x counter\n# HELP x X.\nx_total{pid=\"2\"} 3\n# EOF\n";
	const char *txt[] = {a, b2};
	size_t len[] = {strlen(a), strlen(b2)};
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_metrics_merge(&b, txt, len, 2);
	ck_assert_str_eq(b.data, "# TYPE x counter\n# HELP x X.\nx_total{pid=\"1\"} 1\nx_total{pid=\"2\"} 3\n"
				 "# TYPE y gauge\n# HELP y Y.\ny{pid=\"1\"} 2\n"
				 "# TYPE z gauge\n# HELP z Z.\nz{pid=\"2\"} 9\n# EOF\n");
	hpi_buf_fini(&b);
	hpi_buf_init(&b);
	hpi_metrics_merge(&b, NULL, NULL, 0);
	ck_assert_str_eq(b.data, "# EOF\n");
	hpi_buf_fini(&b);
}
END_TEST

/* ---- the HTTP endpoint ------------------------------------------------------ */

static volatile int producer_stop;
static int producer_puts;

/* Stands in for the collector: hands a text over when a scrape waits. */
static void *producer(void *arg)
{
	(void)arg;
	while (!producer_stop) {
		if (hpi_mserver_wanted()) {
			hpi_buf b;
			hpi_buf_init(&b);
			hpi_buf_puts(&b, fixture_om);
			/* counted first: the scrape may be answered before put returns */
			__atomic_add_fetch(&producer_puts, 1, __ATOMIC_SEQ_CST);
			hpi_mserver_put(&b);
		}
		usleep(1000);
	}
	return NULL;
}

/* GET path from 127.0.0.1:port with an Accept header (or none); the whole
 * response, headers included, as a new string. */
static char *http_get(int port, const char *path, const char *accept)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	hpi_buf b;
	char req[512], chunk[4096];
	ssize_t n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s"
		 "Connection: close\r\n\r\n", path, accept ? "Accept: " : "", accept ? accept : "",
		 accept ? "\r\n" : "");
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	hpi_buf_init(&b);
	hpi_buf_puts(&b, "");
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		hpi_buf_putn(&b, chunk, (size_t)n);
	close(fd);
	return b.data;
}

START_TEST(test_http)
{
	const char *why = NULL;
	pthread_t t;
	int port;
	char *r, *body;

	ck_assert_int_eq(hpi_mserver_start("http://127.0.0.1:0/metrics", 5000, &why), 0);
	port = hpi_mserver_port();
	ck_assert_int_gt(port, 0);
	ck_assert_int_ne(hpi_mserver_start("http://127.0.0.1:0/metrics", 5000, &why), 0);
	ck_assert_str_eq(why, "this process serves metrics already");
	producer_stop = 0;
	pthread_create(&t, NULL, producer, NULL);

	r = http_get(port, "/metrics", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 200"));
	ck_assert_ptr_nonnull(strstr(r, "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(body = strstr(r, "\r\n\r\n"));
	ck_assert_str_eq(body + 4, fixture_om);
	free(r);

	r = http_get(port, "/metrics", NULL);
	ck_assert_ptr_nonnull(strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(body = strstr(r, "\r\n\r\n"));
	ck_assert_ptr_nonnull(strstr(body, "# TYPE hotpath_lock_contended_total counter\n"));
	ck_assert_ptr_null(strstr(body, "# EOF"));
	free(r);
	ck_assert_int_eq(__atomic_load_n(&producer_puts, __ATOMIC_SEQ_CST), 2); /* one render per scrape */

	r = http_get(port, "/other", NULL);
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 404"));
	free(r);

	producer_stop = 1;
	pthread_join(t, NULL);
	hpi_mserver_stop();
	ck_assert_int_eq(hpi_mserver_port(), 0);
	/* and again, as a second guard would */
	ck_assert_int_eq(hpi_mserver_start("http://127.0.0.1:0/", 200, &why), 0);
	port = hpi_mserver_port();
	r = http_get(port, "/metrics", NULL); /* nobody renders: 503 after 200 ms */
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 503"));
	free(r);
	hpi_mserver_stop();
}
END_TEST

START_TEST(test_http_bad_url)
{
	const char *why = NULL;

	ck_assert_int_ne(hpi_mserver_start("tcp://127.0.0.1:0", 100, &why), 0);
	ck_assert_str_eq(why, "only http:// URLs are served");
	ck_assert_int_ne(hpi_mserver_start("nonsense", 100, &why), 0);
	ck_assert_ptr_nonnull(why);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_render_exact);
	tcase_add_test(tc, test_label_escape);
	tcase_add_test(tc, test_histogram);
	tcase_add_test(tc, test_text004);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_http);
	tcase_add_test(tc, test_http_bad_url);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
