#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts.sh - Lua reporters in a profiled program, as a user runs them:
# examples/basic with HOTPATH_SCRIPTS and hotpath.yaml's report.scripts.
# The built-in table and the script's output both print; a failing or
# runaway script says so on stderr and changes neither the report nor the
# program's exit status.
. "$top_srcdir/tests/e2e/lib.sh"
B="$top_builddir/examples/basic"
FIX="$top_srcdir/tests/lua/fixtures"
HOTPATH_SCRIPT_PATH="$top_srcdir/scripts"
export HOTPATH_SCRIPT_PATH
# The fixtures run from a short folder, so that messages name them as a user
# who runs them by name reads them (Lua shortens long paths).
cp "$FIX"/*.lua "$TMP"/
cd "$TMP" || exit 1

HOTPATH_SCRIPTS=markdown "$B" >"$TMP/out" 2>"$TMP/err"
check "markdown: exits 0" [ $? -eq 0 ]
check "markdown: nothing on stdout" [ ! -s "$TMP/out" ]
check "markdown: the built-in table first" has_re "$TMP/err" '^\| basic::sync_function +\| 100 +\|'
check "markdown: then the script's heading" has_line "$TMP/err" '### hotpath: `basic::main`'
check "markdown: and its table" has_re "$TMP/err" '^\| `basic::sync_function` \| 100 \| [0-9.]+(ns|µs|ms) \|'
check "markdown: after the table" [ "$(grep -n '^| basic::sync_function ' "$TMP/err" | cut -d: -f1)" -lt \
	"$(grep -n '^### hotpath' "$TMP/err" | cut -d: -f1)" ]

HOTPATH_REPORT_OUTPUT=stdout HOTPATH_SCRIPTS=markdown "$B" >"$TMP/out" 2>"$TMP/err"
check "report.output stdout: print goes there too" has_line "$TMP/out" '### hotpath: `basic::main`'

# A script that fails at run time: one message, the traceback, exit status kept.
HOTPATH_SCRIPTS=runtime.lua "$B" >"$TMP/out" 2>"$TMP/err"
check "runtime error: exits 0" [ $? -eq 0 ]
check "runtime error: the table still prints" has_re "$TMP/err" '^\| custom_block +\| 100 +\|'
check "runtime error: the message" has_line "$TMP/err" \
	"[hotpath] runtime.lua: error: runtime.lua:3: attempt to perform arithmetic on a nil value (field 'missing')"
check "runtime error: the traceback" has_line "$TMP/err" "[hotpath]   runtime.lua:7: in function <runtime.lua:6>"

HOTPATH_SCRIPTS=nosuch.lua,markdown "$B" >"$TMP/out" 2>"$TMP/err"
check "missing script: exits 0" [ $? -eq 0 ]
check "missing script: says so" has_re "$TMP/err" '^\[hotpath\] nosuch.lua: not found: searched as given, in .* and in \$HOTPATH_SCRIPT_PATH$'
check "missing script: the next one still runs" has_line "$TMP/err" '### hotpath: `basic::main`'

HOTPATH_SCRIPTS=loop.lua HOTPATH_REPORT_SCRIPT_INSTRUCTIONS=100000 "$B" 2>"$TMP/err"
check "runaway script: exits 0" [ $? -eq 0 ]
check "runaway script: stopped" has_line "$TMP/err" \
	"[hotpath] loop.lua: stopped: loop.lua:3: more than 100000 instructions (report.script_instructions)"

HOTPATH_SCRIPTS=huge.lua HOTPATH_REPORT_SCRIPT_MEMORY_MB=8 "$B" 2>"$TMP/err"
check "huge allocation: exits 0" [ $? -eq 0 ]
check "huge allocation: stopped" has_line "$TMP/err" \
	"[hotpath] huge.lua: stopped: huge.lua:3: more than 8 MiB of memory (report.script_memory_mb)"

# hotpath.yaml: scripts with options; a budget that fails, CSV files, JSON.
cat >"$TMP/hotpath.yaml" <<EOY
report:
  scripts:
    - path: budget
      options:
        percentile: p99
        budgets: { "basic::sync_function": 1ns, custom_block: 10s }
    - { path: csv.lua, options: { dir: "$TMP" } }
    - { path: json_file, options: { path: "$TMP/r.json", pretty: true } }
    - path: log
      options: { path: "$TMP/r.log", fields: { env: ci } }
EOY
HOTPATH_CONFIG="$TMP/hotpath.yaml" "$B" >"$TMP/out" 2>"$TMP/err"
check "budget failed: exit status unchanged" [ $? -eq 0 ]
check "budget failed: the table still prints" has_re "$TMP/err" '^\| Function +\| Calls +\| Avg +\| P99 +\|'
check "budget failed: one [hotpath] line" has_line "$TMP/err" "[hotpath] budget: failed: 1 of 2 budgets failed (p99)"
check "budget failed: the function" has_re "$TMP/err" '^\[hotpath\]   basic::sync_function: p99 [0-9.]+(µs|ms) is over its budget of 1ns$'
check "csv: functions.csv header" eq "$(head -1 "$TMP/functions.csv")" "name,calls,avg,min,max,p99,total,percent_total,self_total,self_avg,percent_self,file,line,hist"
check "csv: three functions" eq "$(grep -c '^basic::\|^custom_block' "$TMP/functions.csv")" 3
check "json_file: a report" jqt "$TMP/r.json" '.type == "hotpath_report" and .percentiles == [99]'
check "json_file: pretty" has_line "$TMP/r.json" '  "type": "hotpath_report",'
check "log: one line per function" eq "$(grep -c '^msg=hotpath env=ci caller=basic::main section=functions name=' "$TMP/r.log")" 3

cat >"$TMP/hotpath.yaml" <<EOY
report:
  scripts:
    - { path: budget, options: { budgets: { "basic::sync_function": 10s } } }
EOY
HOTPATH_CONFIG="$TMP/hotpath.yaml" "$B" 2>"$TMP/err"
check "budget met: one line" has_line "$TMP/err" "budget: all 1 budgets met (p99)"

# Without the built-in format the script is the whole report.
HOTPATH_FORMAT=none HOTPATH_SCRIPTS=fail.lua "$B" 2>"$TMP/err"
check "failure only: exit 0" [ $? -eq 0 ]
check "failure only: exactly its lines" eq "$(cat "$TMP/err")" "[hotpath] fail.lua: failed: 2 checks failed
[hotpath]   first: too slow"

# A program with an exit status and stdout of its own keeps both, whatever
# its scripts do.
cat >"$TMP/prog.c" <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include <hotpath.h>
static int twice(int x)
{
	HP_MEASURE();
	return 2 * x;
}
int main(void)
{
	HP_MAIN();
	printf("result %d\n", twice(21));
	return 3;
}
EOC
LIB="$top_builddir/.libs"
${CC:-cc} -DHOTPATH -I"$top_srcdir/include" "$TMP/prog.c" -o "$TMP/prog" -L"$LIB" -lhotpath \
	-Wl,-rpath,"$LIB" ${SAN_CFLAGS:-}
for s in fail.lua runtime.lua syntax.lua loop.lua huge.lua nosuch.lua; do
	HOTPATH_SCRIPTS=$s HOTPATH_REPORT_SCRIPT_INSTRUCTIONS=100000 \
		HOTPATH_REPORT_SCRIPT_MEMORY_MB=8 "$TMP/prog" >"$TMP/out" 2>"$TMP/err"
	check "$s: the program's exit status (3) stays" [ $? -eq 3 ]
	check "$s: the program's stdout stays" eq "$(cat "$TMP/out")" "result 42"
	check "$s: the report still prints" has_re "$TMP/err" '^\| prog::twice +\| 1 +\|'
	check "$s: one [hotpath] $s line" eq "$(grep -c "^\[hotpath\] $s: " "$TMP/err")" 1
done

finish
