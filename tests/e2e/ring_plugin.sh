#!/bin/sh
# SPDX-License-Identifier: MIT
# ring_plugin.sh - a row's recent log (hp_ring, include/hotpath/plugin.h)
# in an external plugin compiled with only include/ on the include path:
# its log has exactly the columns it declared, and the calls it keeps are
# the built-in timing plugin's last ones (both see the same events in the
# same order), newest first; an option shows fewer than it keeps, and a
# capacity of 0 keeps none and writes no log.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
B="$top_builddir/examples/basic"

cat >"$TMP/lastcalls.c" <<'EOF'
/* lastcalls.c - each site's calls and its last ones as the row's log. */
#include <hotpath/plugin.h>

typedef struct call { uint64_t dur, tid; } call;
typedef struct site { hp_ring log; uint64_t calls; } site;
typedef struct lastcalls {
	const hp_host *h;
	site *by_site;
	size_t nsites, keep, show;
} lastcalls;

static const hp_option lc_options[] = {
	{ .key = "keep", .type = HP_OPT_INT, .min = 0, .max = 1000, .dflt = "8" },
	{ .key = "show", .type = HP_OPT_INT, .min = 0, .max = 1000, .dflt = "0" },
	{ .key = NULL },
};
static const hp_ring_col lc_cols[] = {
	{ "duration", "Duration", HP_UNIT_NS }, { "tid", "Thread", HP_UNIT_COUNT },
	{ NULL, NULL, HP_UNIT_COUNT },
};

static int lc_init(const hp_host *h, const hp_options *o, void **state, char **cause)
{
	lastcalls *lc = calloc(1, sizeof(*lc));
	(void)cause;
	if (lc == NULL)
		return HP_ENOMEM;
	lc->h = h;
	lc->keep = (size_t)h->option_int(o, "keep", 0);
	lc->show = (size_t)h->option_int(o, "show", 0);
	*state = lc;
	return 0;
}

static void lc_event(void *state, const hp_event *ev)
{
	lastcalls *lc = state;
	site *s;
	call *c;
	if (!hp_plugin_grow(&lc->by_site, &lc->nsites, sizeof(site), ev->site))
		return;
	s = &lc->by_site[ev->site];
	if (s->calls++ == 0 && hp_ring_init(&s->log, lc->keep, sizeof(call)) != 0)
		return;
	if ((c = HP_RING_PUSH(&s->log, call)) != NULL)
		*c = (call){ ev->dur_ns, ev->tid };
}

static void lc_cells(const hp_host *h, hp_section *log, size_t r, const void *rec, void *u)
{
	const call *c = rec;
	(void)u;
	h->cell_int(log, r, 0, (int64_t)c->dur);
	h->cell_int(log, r, 1, (int64_t)c->tid);
}

static int lc_snapshot(void *state, hp_snapshot *snap)
{
	lastcalls *lc = state;
	const hp_host *h = lc->h;
	hp_section *sec = h->section_add(snap, "lastcalls", "Last calls");
	if (sec == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	for (uint32_t i = 0; i < lc->nsites; i++) {
		const site *s = &lc->by_site[i];
		size_t r;
		if (s->calls == 0 || h->site(i) == NULL)
			continue;
		r = h->row_add(sec);
		h->cell_text(sec, r, 0, h->site(i)->label);
		h->cell_int(sec, r, 1, (int64_t)s->calls);
		hp_ring_log(h, sec, r, &s->log, sizeof(call), lc_cols, HP_RING_NEWEST, lc->show,
			    lc_cells, NULL);
	}
	return 0;
}

static void lc_fini(void *state)
{
	lastcalls *lc = state;
	for (size_t i = 0; i < lc->nsites; i++)
		hp_ring_free(&lc->by_site[i].log);
	free(lc->by_site);
	free(lc);
}

static const hp_plugin_ops lc_ops = { .abi = HP_PLUGIN_ABI, .size = sizeof(hp_plugin_ops),
	.name = "lastcalls", .events = HP_EV_BIT(HP_EV_SCOPE), .init = lc_init,
	.on_event = lc_event, .snapshot = lc_snapshot, .fini = lc_fini, .options = lc_options };
HP_PLUGIN_EXPORT const hp_plugin_ops *hp_plugin_entry(void) { return &lc_ops; }
EOF
$CC -std=c11 -Wall -Wextra -Werror -shared -fPIC -I"$top_srcdir/include" \
	-o "$TMP/lastcalls.so" "$TMP/lastcalls.c" ${SAN_CFLAGS:-} 2>"$TMP/cc"
check "compiles with only include/, no warnings" [ $? -eq 0 ] && [ ! -s "$TMP/cc" ]
cat "$TMP/cc" >&2

# run OPTIONS: basic's JSON report with lastcalls loaded, OPTIONS its options
run() {
	printf 'plugins:\n  load: [%s]\n  options:\n    lastcalls: { %s }\n' \
		"$TMP/lastcalls.so" "$1" >"$TMP/hotpath.yaml"
	HOTPATH_CONFIG="$TMP/hotpath.yaml" HOTPATH_FORMAT=json "$B" >/dev/null 2>"$TMP/json"
}
F=basic::sync_function
OURS="[.sections[] | select(.id == \"lastcalls\") | .rows[] | select(.name == \"$F\")][0]"
THEIRS="[.sections[] | select(.id == \"functions\") | .rows[] | select(.name == \"$F\")][0]"

run "keep: 8"
check "its section: every call of $F" jqt "$TMP/json" "$OURS.calls == 100"
check "the log's columns exactly as declared" jqt "$TMP/json" \
	'[.sections[] | select(.id == "lastcalls")][0].log_columns == [{"key":"duration","title":"Duration","unit":"ns"},{"key":"tid","title":"Thread","unit":"count"}]'
check "the last 8 calls" jqt "$TMP/json" "($OURS.log | length) == 8"
check "each log row has the two cells, in order" jqt "$TMP/json" \
	"[$OURS.log[] | keys_unsorted] | unique == [[\"duration\",\"tid\"]]"
check "the timing plugin's last 8 calls, newest first" jqt "$TMP/json" \
	"$OURS.log == [$THEIRS.log[0:8][] | {duration, tid}]"

run "keep: 8, show: 3"
check "show 3 of 8: the newest 3" jqt "$TMP/json" \
	"$OURS.log == [$THEIRS.log[0:3][] | {duration, tid}]"

run "keep: 200"
check "a ring longer than the calls: all 100, newest first" jqt "$TMP/json" \
	"($OURS.log | length) == 100 and ($OURS.log[0:50] == [$THEIRS.log[] | {duration, tid}])"

run "keep: 0"
check "keep 0: the row, no log" jqt "$TMP/json" "$OURS.calls == 100 and ($OURS | has(\"log\") | not)"

finish
