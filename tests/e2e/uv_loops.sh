#!/bin/sh
# SPDX-License-Identifier: MIT
# uv_loops.sh - examples/uv_loop's libuv loop as a user reads it: the
# uv_loops and uv_handles sections in JSON and the table; skipped when
# libuv was not found at configure time.
. "$top_srcdir/tests/e2e/lib.sh"
U="$top_builddir/examples/uv_loop"
[ -x "$U" ] || { echo "1..0 # SKIP libuv not found at configure time (Debian: libuv1-dev)"; exit 77; }

L='.sections[] | select(.id == "uv_loops") | .rows[] | select(.name == "main")'
HOTPATH_FORMAT=json "$U" 40 >"$TMP/out" 2>"$TMP/json"
check "exits 0, its own stdout" eq "$(cat "$TMP/out")" "uv_loop: 42 callbacks"
check "one loop, main" eq "$(jq -c '[.sections[] | select(.id == "uv_loops") | .rows[].name]' "$TMP/json")" '["main"]'
check "at least one iteration per callback (42)" jqt "$TMP/json" "[$L | .iterations >= 42][0]"
check "handles when the watch ended" eq "$(jq -r "$L | [.handles, .requests, .by_type] | @tsv" "$TMP/json")" \
	"$(printf '4\t0\tpipe 1, timer 2, signal 1')"
check "uv_handles: a row per type" eq \
	"$(jq -c '[.sections[] | select(.id == "uv_handles") | .rows[] | [.type, .active]]' "$TMP/json")" \
	'[["pipe",1],["timer",2],["signal",1]]'
check "the 200 ms block shows as lag (150 ms or more) and as an iteration" jqt "$TMP/json" \
	"[$L | .lag_max >= 150000000 and .max >= 200000000][0]"
check "idle: most of the 5 ms waits, under the wall time" jqt "$TMP/json" \
	"[$L | .idle > 0 and .idle_percent > 0 and .idle_percent < 100][0]"

HOTPATH_FORMAT=table "$U" 5 >/dev/null 2>"$TMP/table"
check "table: libuv loops and libuv handles" eq "$(grep -cE '^libuv (loops|handles):$' "$TMP/table")" 2

HOTPATH_COLLECTORS_UV_ENABLED=0 HOTPATH_FORMAT=json "$U" 5 >/dev/null 2>"$TMP/off.json"
check "collectors.uv off: no uv sections" jqt "$TMP/off.json" '[.sections[].id | select(startswith("uv_"))] == []'
finish
