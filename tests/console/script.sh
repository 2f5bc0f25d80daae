#!/bin/sh
# SPDX-License-Identifier: MIT
# script.sh - `hotpath report --script`: a Lua reporter on a saved report,
# and budget.lua's verdict in the exit status.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
export HOTPATH_SCRIPT_PATH="$top_srcdir/scripts"

HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/r.json" "$top_builddir/examples/basic"
check "a saved report to work on" jqt "$TMP/r.json" '.type == "hotpath_report"'

"$H" report --script markdown "$TMP/r.json" >"$TMP/md" 2>"$TMP/err"
check "markdown script: exit 0" [ $? -eq 0 ]
check "markdown script: its heading on stdout" has_line "$TMP/md" "### hotpath: basic::main"
check "markdown script: no table unless asked" eq "$(grep -c '^+--' "$TMP/md")" 0
check "markdown script: stderr quiet" [ ! -s "$TMP/err" ]

"$H" report --format table --script markdown "$TMP/r.json" >"$TMP/both" 2>/dev/null
check "--format and --script: both" has_re "$TMP/both" '^\| basic::sync_function +\| 100 +\|'

"$H" report --script budget --options '{"percentile":"p99","budgets":{"basic::sync_function":"1us"}}' \
	"$TMP/r.json" >/dev/null 2>"$TMP/berr"
check "budget over: exit 1" [ $? -eq 1 ]
check "budget over: says which" has_re "$TMP/berr" '^\[hotpath\]   basic::sync_function: p99 [0-9.]+(µs|ms) is over its budget of 1\.00µs$'

"$H" report --script budget --options '{"percentile":"p99","budgets":{"basic::sync_function":"100s"}}' \
	"$TMP/r.json" >"$TMP/bok" 2>&1
check "budget met: exit 0" [ $? -eq 0 ]
check "budget met: says so" has_line "$TMP/bok" "budget: all 1 budgets met (p99)"

"$H" report --script nosuch.lua "$TMP/r.json" >/dev/null 2>"$TMP/nerr"
check "missing script: exit 1" [ $? -eq 1 ]
check "missing script: named" has_re "$TMP/nerr" '^\[hotpath\] nosuch\.lua: '

finish
