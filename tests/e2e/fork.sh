#!/bin/sh
# SPDX-License-Identifier: MIT
# fork.sh - report.fork: child on examples/prefork: the parent and each of
# its 4 workers write a report of their own with exact counts; with the
# default (off) only the parent reports.
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
P="$top_builddir/examples/prefork"
F='.sections[] | select(.id == "functions") | .rows[]'

# calls FILE NAME: calls of NAME in FILE's functions section (null if none)
calls() { jq "[$F | select(.name == \"$2\") | .calls][0]" "$1"; }

HOTPATH_FORK=child HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/r.json" "$P" 4 250 \
	>"$TMP/out" 2>"$TMP/err"
check "prefork exits 0" [ $? -eq 0 ]
# (LeakSanitizer in a fork child lists the parent's threads as running:
# its "not suspended" notes are its own, any leak it finds still counts)
check "nothing on stderr" eq "$(grep -vE '^==[0-9]+==Running thread [0-9]+ was not suspended\. False leaks are possible\.$' "$TMP/err")" ""
check "4 workers said how many jobs they handled" \
	eq "$(grep -c '^worker [0-9]* handled 250 jobs' "$TMP/out")" 4
check "the parent dispatched 1000 jobs" eq "$(calls "$TMP/r.json" prefork::dispatch)" 1000
check "the parent handled none" eq "$(calls "$TMP/r.json" prefork::handle)" null
n=0
for pid in $(sed -n 's/^worker \([0-9]*\) handled.*/\1/p' "$TMP/out"); do
	f="$TMP/r.$pid.json"
	n=$((n + 1))
	check "worker $n: report r.$pid.json" [ -f "$f" ]
	check "worker $n: its own pid" eq "$(jq '.pid' "$f")" "$pid"
	check "worker $n: 250 handle calls" eq "$(calls "$f" prefork::handle)" 250
	check "worker $n: 1 worker block" eq "$(calls "$f" prefork::worker)" 1
	check "worker $n: none of the parent's calls" eq "$(calls "$f" prefork::dispatch)" null
	check "worker $n: nothing dropped" eq "$(jq '.dropped' "$f")" 0
	check "worker $n: the same caller as the parent" eq "$(jq -r '.caller' "$f")" prefork::main
done
check "5 reports in all" eq "$(ls "$TMP"/r*.json | wc -l | tr -d ' ')" 5

# tables on stderr: five summaries, the parent's last
HOTPATH_FORK=child "$P" 2 10 >/dev/null 2>"$TMP/err2"
check "table: 3 summaries on stderr" \
	eq "$(grep -c '^\[hotpath\] Performance summary from prefork::main' "$TMP/err2")" 3

# the default: the workers report nothing
rm -f "$TMP"/r*.json
HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/r.json" "$P" 4 20 >/dev/null 2>"$TMP/err3"
check "off: only the parent's report" eq "$(ls "$TMP"/r*.json | wc -l | tr -d ' ')" 1
check "off: 80 dispatches" eq "$(calls "$TMP/r.json" prefork::dispatch)" 80

HOTPATH_FORK=sometimes "$P" 1 1 >/dev/null 2>"$TMP/err4"
check "a bad value is named" has_line "$TMP/err4" \
	'[hotpath] HOTPATH_FORK: expected off or child, got "sometimes"; using off'

finish
