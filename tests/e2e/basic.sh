#!/bin/sh
# SPDX-License-Identifier: MIT
# basic.sh - examples/basic's report as a user reads it: the table on
# stderr, JSON and pretty JSON, a file, the row limit.
. "$top_srcdir/tests/e2e/lib.sh"
B="$top_builddir/examples/basic"

"$B" >"$TMP/out" 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
check "nothing on stdout" [ ! -s "$TMP/out" ]
check "header line" has_re "$TMP/err" '^\[hotpath\] Performance summary from basic::main \(Total time: [0-9.]+(ns|µs|ms|s)\):$'
check "column titles" has_re "$TMP/err" '^\| Function +\| Calls +\| Avg +\| P99 +\| Total +\| % Total +\| Self +\| % Self +\|$'
check "sync_function row" has_re "$TMP/err" '^\| basic::sync_function +\| 100 +\| [0-9.]+(ns|µs|ms) +\| [0-9.]+(ns|µs|ms) +\| [0-9.]+(ns|µs|ms|s) +\| [0-9.]+% +\| [0-9.]+(ns|µs|ms|s) +\| [0-9.]+% +\|$'
check "busy_function row" has_re "$TMP/err" '^\| basic::busy_function +\| 100 +\|'
check "custom_block row" has_re "$TMP/err" '^\| custom_block +\| 100 +\|'
# the functions table: from the top to the first blank line
functions() { sed '/^$/q' "$1"; }
check "exactly 3 rows" eq "$(functions "$TMP/err" | grep -c "^| [a-z]")" 3
check "sorted by total: sync before busy" eq \
	"$(functions "$TMP/err" | grep -oE 'basic::(sync|busy)_function' | tr '\n' ' ')" "basic::sync_function basic::busy_function "

HOTPATH_FORMAT=json "$B" >"$TMP/out" 2>"$TMP/json"
J="$TMP/json"
check "json: nothing on stdout" [ ! -s "$TMP/out" ]
check "json: type and version" jqt "$J" '.type == "hotpath_report" and .version == 1'
check "json: caller and program" jqt "$J" '.caller == "basic::main" and .program == "basic"'
check "json: percentiles" jqt "$J" '.percentiles == [99]'
check "json: dropped is 0" jqt "$J" '.dropped == 0'
F='.sections[] | select(.id == "functions")'
check "json: three functions, 100 calls each" jqt "$J" "[$F | .rows[] | .calls] == [100,100,100]"
check "json: names" jqt "$J" "[$F | .rows[].name] | sort == [\"basic::busy_function\",\"basic::sync_function\",\"custom_block\"]"
check "json: keys of a row" jqt "$J" "[$F | .rows[0] | keys_unsorted[]] == [\"name\",\"calls\",\"avg\",\"min\",\"max\",\"p99\",\"total\",\"percent_total\",\"self_total\",\"self_avg\",\"percent_self\",\"file\",\"line\",\"hist\",\"log\"]"
check "json: integers in ns" jqt "$J" "all($F | .rows[]; (.avg|type) == \"number\" and .avg == (.avg|floor) and .total == (.total|floor))"
check "json: min <= avg <= max, min <= p99 <= max" jqt "$J" "all($F | .rows[]; .min <= .avg and .avg <= .max and .min <= .p99 and .p99 <= .max)"
check "json: avg is total / calls" jqt "$J" "all($F | .rows[]; .avg == ((.total / .calls) | floor))"
check "json: sorted by total" jqt "$J" "[$F | .rows[].total] == ([$F | .rows[].total] | sort | reverse)"
check "json: percent_total is total / elapsed" jqt "$J" ". as \$r | all($F | .rows[]; ((.percent_total - 100 * .total / \$r.elapsed_ns) | fabs) < 0.01)"
check "json: 50 recent calls per function" jqt "$J" "all($F | .rows[]; (.log | length) == 50)"
check "json: log entries carry duration, tid, time" jqt "$J" "$F | .rows[0].log[0] | keys == [\"duration\",\"tid\",\"time\"]"
check "json: total_rows" jqt "$J" "$F | .total_rows == 3"

HOTPATH_FORMAT=json-pretty "$B" 2>"$TMP/pretty" >/dev/null
check "pretty json parses to the same shape" jqt "$TMP/pretty" '.type == "hotpath_report" and (.sections[0].rows | length) == 3'
check "pretty json is indented" has_re "$TMP/pretty" '^  "type": "hotpath_report",$'

HOTPATH_OUTPUT="$TMP/report.txt" "$B" 2>"$TMP/err2"
check "output to a file: stderr is quiet" [ ! -s "$TMP/err2" ]
check "output to a file: the table is there" has_re "$TMP/report.txt" '^\| custom_block +\| 100 +\|'

HOTPATH_LIMIT=1 "$B" 2>"$TMP/lim"
check "limit 1 shows one row" eq "$(functions "$TMP/lim" | grep -c "^| [a-z]")" 1
check "limit says what it hid" has_line "$TMP/lim" "(1 of 3 rows; report.limit: 0 shows all)"

HOTPATH_REPORT_PERCENTILES="0,50,100" HOTPATH_FORMAT=json "$B" 2>"$TMP/p" >/dev/null
check "p0 is the exact min and p100 the exact max" jqt "$TMP/p" "all($F | .rows[]; .p0 == .min and .p100 == .max and .p50 >= .min and .p50 <= .max)"

finish
