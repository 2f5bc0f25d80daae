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
check "markdown script: its heading on stdout" has_line "$TMP/md" '### hotpath: `basic::main`'
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

# hp.rows given the report instead of a section: a clear error at the
# script's own line
printf 'local hp = require "hotpath"\nreturn function(r)\n  for row in hp.rows(r) do end\nend\n' >"$TMP/rows.lua"
"$H" report --script "$TMP/rows.lua" "$TMP/r.json" >/dev/null 2>"$TMP/rerr"
check "hp.rows(report): exit 1" [ $? -eq 1 ]
check "hp.rows(report): says what it wanted, at the script's line" has_line "$TMP/rerr" \
	"[hotpath] $TMP/rows.lua: error: $TMP/rows.lua:3: hp.rows: expected a section (hp.section(report, \"functions\") or an element of report.sections), got a report"

# report --script honours the caps' variables, as a profiled program does
printf 'return function(r)\n  while true do end\nend\n' >"$TMP/loop.lua"
HOTPATH_REPORT_SCRIPT_INSTRUCTIONS=1000000 "$H" report --script "$TMP/loop.lua" "$TMP/r.json" >/dev/null 2>"$TMP/lerr"
check "report --script: HOTPATH_REPORT_SCRIPT_INSTRUCTIONS caps it" has_line "$TMP/lerr" \
	"[hotpath] $TMP/loop.lua: stopped: $TMP/loop.lua:2: more than 1000000 instructions (report.script_instructions)"
printf 'return function(r)\n  local t = {}\n  for i = 1, 1e8 do t[i] = ("x"):rep(64) .. i end\nend\n' >"$TMP/huge.lua"
HOTPATH_REPORT_SCRIPT_MEMORY_MB=4 "$H" report --script "$TMP/huge.lua" "$TMP/r.json" >/dev/null 2>"$TMP/merr"
check "report --script: HOTPATH_REPORT_SCRIPT_MEMORY_MB caps it" has_re "$TMP/merr" \
	"^\\[hotpath\\] $TMP/huge.lua: stopped: .*more than 4 MiB of memory \\(report.script_memory_mb\\)"

# docs/lua.md's first command, from the build tree
(cd "$top_srcdir" && HOTPATH_SCRIPT_PATH=scripts HOTPATH_SCRIPTS=markdown "$top_builddir/examples/basic") \
	>/dev/null 2>"$TMP/md"
check "docs/lua.md's first command: the markdown table" has_re "$TMP/md" '^\| Function +\| Calls'
check "docs/lua.md's first command: no warning" [ "$(grep -c '^\[hotpath\]' "$TMP/md")" = 1 ]

finish
