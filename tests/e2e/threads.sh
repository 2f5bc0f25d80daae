#!/bin/sh
# SPDX-License-Identifier: MIT
# threads.sh - 8 threads x 1,000,000 measured calls: the report counts
# every one of them (or says how many were dropped), and the threads, all
# gone by report time, keep their data.
. "$top_srcdir/tests/e2e/lib.sh"
T="$top_builddir/examples/threads"

HOTPATH_FORMAT=json "$T" 8 1000000 >"$TMP/out" 2>"$TMP/json"
check "exits 0" [ $? -eq 0 ]
check "stdout is the program's own" eq "$(wc -l <"$TMP/out" | tr -d ' ')" 1
F='.sections[] | select(.id == "functions") | .rows[]'
calls=$(jq "[$F | select(.name == \"threads::mix\") | .calls][0]" "$TMP/json")
dropped=$(jq '.dropped' "$TMP/json")
check "calls + dropped = 8000000" eq "$((calls + dropped))" 8000000
check "nothing dropped" eq "$dropped" 0
check "8 worker blocks" jqt "$TMP/json" "[$F | select(.name == \"threads::worker\") | .calls][0] == 8"
check "the worker log names all 8 threads" jqt "$TMP/json" \
	"[$F | select(.name == \"threads::worker\") | .log[].tid] | unique | length == 8"

finish
