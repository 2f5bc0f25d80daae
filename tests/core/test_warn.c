/* SPDX-License-Identifier: MIT */
/*
 * test_warn.c - warnings are one "[hotpath] " line on stderr, never longer
 * than 1 KiB; error codes have text and names.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"

static char sink_line[2048];
static int sink_calls;

/* Test sink: keeps the last line. */
static void sink(const char *line, void *data)
{
	(void)data;
	snprintf(sink_line, sizeof(sink_line), "%s", line);
	sink_calls++;
}

START_TEST(test_sink)
{
	hpi_warn_set_sink(sink, NULL);
	hpi_warn("config: %s at %d:%d", "bad key", 3, 14);
	ck_assert_str_eq(sink_line, "config: bad key at 3:14");
	hpi_warn("two\nlines\n");
	ck_assert_str_eq(sink_line, "two lines");
	ck_assert_int_eq(sink_calls, 2);
	hpi_warn_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_truncate)
{
	char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hpi_warn_set_sink(sink, NULL);
	hpi_warn("%s", big);
	ck_assert_uint_eq(strlen(sink_line), 1024 - 10 - 2);
	ck_assert_str_eq(sink_line + strlen(sink_line) - 4, "a...");
	/* never cut a UTF-8 sequence */
	memset(big, 0, sizeof(big));
	for (int i = 0; i < 2000; i += 2)
		memcpy(big + i, "\xc2\xb5", 2);
	hpi_warn("x%s", big);
	ck_assert_str_eq(sink_line + strlen(sink_line) - 5, "\xc2\xb5...");
	hpi_warn_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_stderr)
{
	int fds[2];
	char buf[4096];
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	dup2(fds[1], 2);
	close(fds[1]);
	errno = 1234;
	hpi_warn("hello %d", 5);
	ck_assert_int_eq(errno, 1234);
	n = read(fds[0], buf, sizeof(buf) - 1);
	ck_assert_int_eq(n, 18);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "[hotpath] hello 5\n");
}
END_TEST

START_TEST(test_asprintf)
{
	char *s = hpi_asprintf("%s::%d", "basic", 7);

	ck_assert_str_eq(s, "basic::7");
	free(s);
	ck_assert_ptr_null(hpi_asprintf(NULL));
}
END_TEST

START_TEST(test_err)
{
	ck_assert_str_eq(hp_strerror(HP_OK), "success");
	ck_assert_str_eq(hp_strerror(HP_EBUSY), "another guard is alive");
	ck_assert_str_eq(hp_strerror(-999), "unknown error");
	ck_assert_str_eq(hp_err_name(HP_EINVAL), "HP_EINVAL");
	ck_assert_str_eq(hp_err_name(HP_OK), "HP_OK");
	ck_assert_str_eq(hp_err_name(HP_ESTATE), "HP_ESTATE");
	ck_assert_str_eq(hp_err_name(5), "HP_E?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("warn");
	TCase *tc = tcase_create("warn");
	SRunner *sr;
	int nf;

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_sink);
	tcase_add_test(tc, test_truncate);
	tcase_add_test(tc, test_stderr);
	tcase_add_test(tc, test_asprintf);
	tcase_add_test(tc, test_err);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
