#!/bin/sh
# SPDX-License-Identifier: MIT
# merge.sh - `hotpath merge`: the reports of examples/prefork's four workers
# (report.fork: child) as one: calls, totals and self times add up
# exactly, min and max are the min and max, the percentiles are within the
# histogram's 0.4 % of the exact ones (every call is in the workers' logs,
# so the test knows them), threads are listed per pid; `hotpath report`
# and `compare` read the result; a version-1 report without histograms
# merges with its percentiles left out and says so.
. "$top_srcdir/tests/e2e/lib.sh"

# examples/prefork forks while its collector thread runs: GCC 12's
# AddressSanitizer keeps its allocator's locks across fork(), so a worker
# that allocates can hang on a lock the parent's thread held (seen in CI's
# sanitizer stage); glibc's malloc is fork-safe, and the plain and valgrind
# runs of make check cover this test
if asan_build; then
	echo "1..0 # SKIP AddressSanitizer build: its allocator is not fork-safe"
	exit 77
fi
H="$top_builddir/hotpath"
P="$top_builddir/examples/prefork"
F="$top_srcdir/tests/console/fixtures"
FN='.sections[] | select(.id == "functions") | .rows[]'

run() {
	"$H" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

HOTPATH_FORK=child HOTPATH_FORMAT=json HOTPATH_LIMIT=0 HOTPATH_RECENT_LOGS=1000 \
	HOTPATH_PERCENTILES=50,90,99 HOTPATH_OUTPUT="$TMP/r.json" "$P" 4 300 >/dev/null 2>&1
check "prefork ran" [ -f "$TMP/r.json" ]
set -- "$TMP"/r.*.json
check "four worker reports" eq "$#" 4

run merge -o "$TMP/all.json" "$@"
check "merge exits 0" eq "$rc" 0
check "merge: nothing on stderr" [ ! -s "$TMP/err" ]
check "merge: nothing on stdout with -o" [ ! -s "$TMP/out" ]
A="$TMP/all.json"
check "a hotpath report of version 1" jqt "$A" '.type == "hotpath_report" and .version == 1'
check "processes: 4" jqt "$A" '.processes == "4"'
check "pids: the workers'" eq "$(jq -r '.pids' "$A" | tr ',' '\n' | sort | tr '\n' ' ')" \
	"$(jq -s -r '[.[].pid | tostring] | sort | join(" ")' "$@") "

# sum W EXPR: the sum over the worker reports of EXPR on prefork::handle
sum() {
	e=$1
	shift
	jq -s "[.[] | $FN | select(.name == \"prefork::handle\") | $e] | add" "$@"
}
merged() { jq "[$FN | select(.name == \"prefork::handle\") | $1][0]" "$A"; }
check "calls add up: 1200" eq "$(merged .calls)" 1200
check "total adds up" eq "$(merged .total)" "$(sum .total "$@")"
check "self_total adds up" eq "$(merged .self_total)" "$(sum .self_total "$@")"
check "min is the min" eq "$(merged .min)" "$(jq -s "[.[] | $FN | select(.name == \"prefork::handle\") | .min] | min" "$@")"
check "max is the max" eq "$(merged .max)" "$(jq -s "[.[] | $FN | select(.name == \"prefork::handle\") | .max] | max" "$@")"
check "worker blocks: 4 calls" eq "$(jq "[$FN | select(.name == \"prefork::worker\") | .calls][0]" "$A")" 4
check "the histogram's count is the calls" jqt "$A" \
	"[$FN | select(.name == \"prefork::handle\") | .hist | split(\";\")[1]][0] == \"1200\""
# exact percentiles from every call's duration (the logs hold them all)
for p in 50 90 99; do
	exact=$(jq -s "[.[] | $FN | select(.name == \"prefork::handle\") | .log[].duration] | sort |
		.[((($p * length) / 100) | ceil) - 1]" "$@")
	got=$(merged ".p$p")
	check "p$p $got within 0.4 % of the exact $exact" \
		awk -v g="$got" -v e="$exact" 'BEGIN { d = g - e; if (d < 0) d = -d; exit !(d <= 0.004 * e) }'
done
check "the merged log: the longest log's length, newest first" jqt "$A" \
	"[$FN | select(.name == \"prefork::handle\") | .log] | .[0] | length == 300 and
	 (map(.time) == (map(.time) | sort | reverse))"
check "each log row names its pid" jqt "$A" \
	"[$FN | select(.name == \"prefork::handle\") | .log[].pid] | unique | length >= 1"
check "calls edges add up" jqt "$A" \
	'[.sections[] | select(.id == "calls") | .rows[] | select(.callee == "prefork::handle") | .calls][0] == 1200'
check "threads listed per pid: 4 main threads" jqt "$A" \
	'[.sections[] | select(.id == "threads") | .rows[] | select(.name == "prefork") | .pid] | unique | length == 4'
check "the threads table shows the pid" jqt "$A" \
	'[.sections[] | select(.id == "threads") | .meta["table.columns"]][0] | startswith("pid,")'
check "processes section: one row per report" jqt "$A" \
	'[.sections[] | select(.id == "processes") | .rows[].pid] | length == 4'

# one report merged alone keeps its numbers
run merge "$1"
check "one report: same calls, percentiles, total" jqt "$TMP/out" \
	"[$FN | select(.name == \"prefork::handle\") | [.calls, .p50, .p99, .total, .min, .max]] ==
	 $(jq -c "[$FN | select(.name == \"prefork::handle\") | [.calls, .p50, .p99, .total, .min, .max]]" "$1")"

# merged reports merge again: (a+b)+(c+d) = a+b+c+d
"$H" merge -o "$TMP/ab.json" "$1" "$2" && "$H" merge -o "$TMP/cd.json" "$3" "$4"
run merge "$TMP/ab.json" "$TMP/cd.json"
check "nested merge: same calls, total and percentiles" jqt "$TMP/out" \
	"[$FN | [.name, .calls, .total, .p50, .p99, .min, .max]] == $(jq -c "[$FN | [.name, .calls, .total, .p50, .p99, .min, .max]]" "$A")"
check "nested merge: 4 processes listed" jqt "$TMP/out" \
	'[.sections[] | select(.id == "processes") | .rows[].pid] | length == 4'

# hotpath report and compare read it like any report
run report "$A"
check "report reads it" eq "$rc" 0
check "report: the table names prefork::handle with 1200 calls" has_re "$TMP/out" '^\| prefork::handle +\| 1200 '
run report --format json "$A"
check "report --format json: byte for byte" cmp -s "$TMP/out" "$A"
run compare "$A" "$A"
check "compare reads it" eq "$rc" 0
check "compare: nothing changed" has_re "$TMP/out" '^Result: .*unchanged'

# a version-1 report written before histograms: percentiles left out
run merge "$F/base.json" "$F/head.json"
check "old reports: exits 0" eq "$rc" 0
check "old reports: says why percentiles are missing" has_line "$TMP/err" \
	'hotpath: functions: rows without a histogram ("hist"): their percentiles are left out'
check "old reports: calls still add up" jqt "$TMP/out" \
	"[$FN | .calls] | add == ($(jq -s "[.[] | $FN | .calls] | add" "$F/base.json" "$F/head.json"))"

run merge "$F/not-report.json"
check "not a report: exit 2" eq "$rc" 2
check "not a report: named" has_re "$TMP/err" 'not-report.json: not a hotpath report'
run merge
check "no files: exit 2" eq "$rc" 2

finish
