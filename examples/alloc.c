/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - per-function allocations: a word index built from generated
 * text, with a cache that is never freed (the leak the "Live" column shows).
 *
 *   make examples/alloc
 *   ./hotpath run --alloc -- ./examples/alloc      # unmodified binary
 *   ./examples/alloc_linked                         # -DHOTPATH_ALLOC build
 *
 * Every figure is exact and the same on every run: 200 lines of 12 words.
 */
#include <hotpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct word {
	struct word *next;
	char *text;
	int count;
} word;

#define BUCKETS 64
static word *index_[BUCKETS];
static char *cache[16]; /* kept until exit: live at report time */

static unsigned hash(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % BUCKETS;
}

/* One line of 12 words, malloc'ed. */
static char *make_line(int n)
{
	HP_MEASURE();
	char *line = malloc(12 * 8);
	size_t len = 0;

	for (int i = 0; i < 12; i++)
		len += (size_t)sprintf(line + len, "%sw%03d", i ? " " : "", (n * 7 + i * 13) % 97);
	return line;
}

/* Adds one word; a new word costs a node and a copy of its text. */
static void add_word(const char *w)
{
	HP_MEASURE();
	unsigned h = hash(w);
	word *e;

	for (e = index_[h]; e != NULL; e = e->next)
		if (strcmp(e->text, w) == 0) {
			e->count++;
			return;
		}
	e = malloc(sizeof(*e));
	e->text = strdup(w);
	e->count = 1;
	e->next = index_[h];
	index_[h] = e;
}

/* Splits a line into a scratch copy (freed) and indexes its words. */
static void index_line(const char *line, int n)
{
	HP_MEASURE();
	char *copy = strdup(line), *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		add_word(w);
	free(copy);
	if (n % 13 == 0) /* every 13th line is cached, and never freed */
		cache[n / 13] = strdup(line);
}

static void free_index(void)
{
	HP_MEASURE();
	for (int i = 0; i < BUCKETS; i++)
		while (index_[i] != NULL) {
			word *e = index_[i];
			index_[i] = e->next;
			free(e->text);
			free(e);
		}
}

int main(void)
{
	HP_MAIN(.limit = 10);
	int words = 0;

	for (int n = 0; n < 200; n++) {
		char *line = make_line(n);
		index_line(line, n);
		free(line);
	}
	for (int i = 0; i < BUCKETS; i++)
		for (word *e = index_[i]; e != NULL; e = e->next)
			words++;
	printf("%d distinct words\n", words);
	free_index();
	return 0;
}
