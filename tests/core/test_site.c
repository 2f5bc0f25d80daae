/* SPDX-License-Identifier: MIT */
/*
 * test_site.c - the site registry: the labels a report shows, ids handed
 * out once per site, and no id lost or shared when threads race.
 *
 * Ids are process-wide; in fork mode (the default) every test starts at 1.
 * Under CK_FORK=no, ids continue from the previous test, so the tests count
 * from hpi_site_count() rather than from 1.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "registry.h"

static bool forked; /* each test runs in a fresh process */

/* hpi_default_label, compared and freed. */
static void label_is(const char *file, const char *func, const char *want)
{
	char *got = hpi_default_label(file, func);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(default_label_is_stem_and_function)
{
	label_is("src/dir/basic.c", "sync_function", "basic::sync_function");
	label_is("basic.c", "f", "basic::f");
	label_is("/abs/path/worker.cpp", "run", "worker::run");
	label_is("src/a.b.c", "f", "a.b::f");       /* only the last extension goes */
	label_is("src/dir.d/noext", "f", "noext::f"); /* a dot in a folder is no extension */
	label_is("Makefile", "f", "Makefile::f");
}
END_TEST

START_TEST(default_label_dotfiles_and_null)
{
	label_is(".hidden", "f", ".hidden::f");     /* the leading dot is the name */
	label_is(".hidden.c", "f", ".hidden::f");
	label_is("src/.hidden.c", "f", ".hidden::f");
	label_is(NULL, "f", "?::f");
	label_is("src/basic.c", NULL, "basic::?");
	label_is(NULL, NULL, "?::?");
}
END_TEST

/* Ids are 1, 2, 3... in order of first use, each site registered once. */
START_TEST(ids_are_consecutive_and_given_once)
{
	hp_site a = {NULL, "src/a.c", 1, HP_SITE_FUNCTION, 0};
	hp_site b = {NULL, "src/b.c", 2, HP_SITE_FUNCTION, 0};
	hp_site c = {"cee", "src/c.c", 3, HP_SITE_BLOCK, 0};
	uint32_t base = hpi_site_count();

	if (forked)
		ck_assert_uint_eq(base, 1);
	ck_assert_uint_eq(hp__site_register(&a, "fa"), base);
	ck_assert_uint_eq(hp__site_register(&b, "fb"), base + 1);
	ck_assert_uint_eq(hp__site_register(&c, "fc"), base + 2);
	ck_assert_uint_eq(a.id, base);
	ck_assert_uint_eq(b.id, base + 1);
	ck_assert_uint_eq(c.id, base + 2);
	ck_assert_uint_eq(hpi_site_count(), base + 3);
	/* again: the same id, nothing new */
	ck_assert_uint_eq(hp__site_register(&a, "fa"), base);
	ck_assert_uint_eq(hp__site_register(&b, "other"), base + 1);
	ck_assert_uint_eq(hpi_site_count(), base + 3);
	ck_assert_str_eq(hpi_site_get(b.id)->func, "fb");
}
END_TEST

/* hpi_site_get returns what the site said; labels and functions are copies. */
START_TEST(site_info_is_what_was_registered)
{
	char label[] = "my label :: kept  verbatim";
	char func[] = "sync_function";
	hp_site named = {label, "src/dir/named.c", 77, HP_SITE_BLOCK, 0};
	hp_site plain = {NULL, "src/dir/basic.c", 42, HP_SITE_FUNCTION, 0};
	hp_site bare = {NULL, NULL, 0, HP_SITE_FUNCTION, 0};
	const hp_site_info *i;

	ck_assert_uint_ne(hp__site_register(&named, func), 0);
	ck_assert_uint_ne(hp__site_register(&plain, func), 0);
	ck_assert_uint_ne(hp__site_register(&bare, NULL), 0);
	memset(label, 'x', sizeof(label) - 1);
	memset(func, 'y', sizeof(func) - 1);

	ck_assert_ptr_nonnull(i = hpi_site_get(named.id));
	ck_assert_str_eq(i->label, "my label :: kept  verbatim");
	ck_assert_str_eq(i->file, "src/dir/named.c");
	ck_assert_str_eq(i->func, "sync_function");
	ck_assert_int_eq(i->line, 77);
	ck_assert_int_eq(i->kind, HP_SITE_BLOCK);

	ck_assert_ptr_nonnull(i = hpi_site_get(plain.id));
	ck_assert_str_eq(i->label, "basic::sync_function");
	ck_assert_str_eq(i->file, "src/dir/basic.c");
	ck_assert_str_eq(i->func, "sync_function");
	ck_assert_int_eq(i->line, 42);
	ck_assert_int_eq(i->kind, HP_SITE_FUNCTION);

	ck_assert_ptr_nonnull(i = hpi_site_get(bare.id));
	ck_assert_str_eq(i->label, "?::?");
	ck_assert_str_eq(i->file, "?");
	ck_assert_ptr_null(i->func);
	ck_assert_int_eq(i->line, 0);
	/* the host table hands plugins the same record */
	ck_assert_ptr_eq(hpi_host()->site(plain.id), hpi_site_get(plain.id));
}
END_TEST

START_TEST(unknown_ids_are_null)
{
	hp_site a = {"a", "a.c", 1, HP_SITE_FUNCTION, 0};
	uint32_t id = hp__site_register(&a, "f");

	ck_assert_uint_ne(id, 0);
	ck_assert_ptr_null(hpi_site_get(0));
	ck_assert_ptr_null(hpi_site_get(hpi_site_count()));     /* next, not given yet */
	ck_assert_ptr_null(hpi_site_get(hpi_site_count() + 1));
	ck_assert_ptr_null(hpi_site_get(hpi_site_count() + 5000)); /* far past the last id */
	ck_assert_ptr_null(hpi_site_get(1u << 22));            /* past the last page */
	ck_assert_ptr_null(hpi_site_get(UINT32_MAX));
	ck_assert_ptr_null(hpi_host()->site(0));
	ck_assert_ptr_nonnull(hpi_site_get(id));
}
END_TEST

#define NTHREADS 8
#define PER_THREAD 1000
#define NSHARED 64

static hp_site *own_sites;             /* NTHREADS * PER_THREAD, one per thread */
static hp_site shared_sites[NSHARED];  /* every thread registers all of them */
static pthread_barrier_t start_line;

static void *register_many(void *arg)
{
	size_t t = (size_t)arg;

	pthread_barrier_wait(&start_line);
	for (size_t i = 0; i < PER_THREAD; i++) {
		hp__site_register(&own_sites[t * PER_THREAD + i], "worker");
		if (i % (PER_THREAD / NSHARED) == 0 && i / (PER_THREAD / NSHARED) < NSHARED)
			hp__site_register(&shared_sites[(i / (PER_THREAD / NSHARED) + t) % NSHARED],
					  "shared");
	}
	for (size_t k = 0; k < NSHARED; k++)
		hp__site_register(&shared_sites[k], "shared");
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* 8 threads register 1000 sites each (crossing the 1024-site pages) while
 * racing on 64 shared ones: every site gets one id, no two the same, and
 * the ids are exactly base .. base + 8063. */
START_TEST(threads_get_distinct_ids_none_lost)
{
	const size_t nown = NTHREADS * PER_THREAD, total = nown + NSHARED;
	pthread_t th[NTHREADS];
	uint32_t *ids = malloc(total * sizeof(*ids));
	uint32_t base = hpi_site_count();

	ck_assert_ptr_nonnull(ids);
	ck_assert_ptr_nonnull(own_sites = calloc(nown, sizeof(*own_sites)));
	for (size_t i = 0; i < nown; i++) {
		own_sites[i].file = "src/race.c";
		own_sites[i].line = (int)i + 1;
		own_sites[i].kind = HP_SITE_FUNCTION;
	}
	for (size_t k = 0; k < NSHARED; k++) {
		memset(&shared_sites[k], 0, sizeof(shared_sites[k]));
		shared_sites[k].label = "shared";
		shared_sites[k].file = "src/shared.c";
		shared_sites[k].line = -(int)k - 1;
		shared_sites[k].kind = HP_SITE_BLOCK;
	}
	ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, NTHREADS), 0);
	for (size_t t = 0; t < NTHREADS; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, register_many, (void *)t), 0);
	for (size_t t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&start_line);

	ck_assert_uint_eq(hpi_site_count(), base + total);
	for (size_t i = 0; i < nown; i++) {
		const hp_site_info *info = hpi_site_get(own_sites[i].id);

		ck_assert_ptr_nonnull(info);
		ck_assert_int_eq(info->line, (int)i + 1);
		ck_assert_str_eq(info->label, "race::worker");
		ids[i] = own_sites[i].id;
	}
	for (size_t k = 0; k < NSHARED; k++) {
		const hp_site_info *info = hpi_site_get(shared_sites[k].id);

		ck_assert_ptr_nonnull(info);
		ck_assert_int_eq(info->line, -(int)k - 1);
		ids[nown + k] = shared_sites[k].id;
	}
	qsort(ids, total, sizeof(*ids), cmp_u32);
	for (size_t i = 0; i < total; i++)
		ck_assert_uint_eq(ids[i], base + i);
	free(ids);
	free(own_sites);
	own_sites = NULL;
}
END_TEST

static Suite *site_suite(void)
{
	Suite *s = suite_create("site");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, default_label_is_stem_and_function);
	tcase_add_test(tc, default_label_dotfiles_and_null);
	tcase_add_test(tc, ids_are_consecutive_and_given_once);
	tcase_add_test(tc, site_info_is_what_was_registered);
	tcase_add_test(tc, unknown_ids_are_null);
	tcase_add_test(tc, threads_get_distinct_ids_none_lost);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(site_suite());
	int failed;

	forked = srunner_fork_status(sr) == CK_FORK;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
