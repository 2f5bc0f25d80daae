#!/bin/sh
# SPDX-License-Identifier: MIT
# config.sh - bad input in hotpath.yaml and HOTPATH_* each gets one
# [hotpath] line naming file:line:column and the key, and the program runs
# on with the defaults (or, with strict: true, unprofiled).
. "$top_srcdir/tests/e2e/lib.sh"
B="$top_builddir/examples/basic"
Y="$TMP/hotpath.yaml"
export HOTPATH_CONFIG="$Y"
BAD="$top_builddir/tests/e2e/.libs/badabi.so"

# run_with YAML: runs basic with that config; stderr in $TMP/err.
run_with() {
	printf '%s\n' "$1" >"$Y"
	"$B" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}
warnings() { grep -c '^\[hotpath\] [^P]' "$TMP/err"; }
reported() { has_re "$TMP/err" '^\| basic::sync_function +\| 100 +\|'; }

run_with "report:
  limit: many"
check "wrong type: exact message" has_line "$TMP/err" "[hotpath] $Y:2:10: report.limit: expected a non-negative integer, got \"many\"; using 15"
check "wrong type: one line" eq "$(warnings)" 1
check "wrong type: program runs and reports" [ "$rc" -eq 0 ] && reported
check "wrong type: nothing on stdout" [ ! -s "$TMP/out" ]

run_with "report:
  formt: json"
check "unknown key: exact message" has_line "$TMP/err" "[hotpath] $Y:2:3: report.formt: unknown key, ignored"
check "unknown key: still a table" reported

run_with "report:
  percentiles: [50, 150]"
check "percentile out of range: exact message" has_line "$TMP/err" "[hotpath] $Y:2:21: report.percentiles[1]: 150 is outside 0..100; using [95]"
# basic's HP_MAIN asks for P99 itself, which goes over the file's (broken) list
check "percentile out of range: the program's own P99 stays" has_re "$TMP/err" '^\| Function +\| Calls +\| Avg +\| P99 +\|'

run_with "report:
  limit: [1
collectors: {}"
check "malformed YAML: exact message" has_line "$TMP/err" "[hotpath] $Y:3:11: syntax error: did not find expected ',' or ']'; using built-in defaults"
check "malformed YAML: one line, report still printed" [ "$(warnings)" -eq 1 ] && reported

run_with "report:
  format: xml"
check "bad enum: exact message" has_line "$TMP/err" "[hotpath] $Y:2:11: report.format: expected table, json, json-pretty, html or none, got \"xml\"; using table"

run_with "plugins:
  path: [$TMP]
  load: [nosuch]"
check "missing plugin: names the yaml position and the search path" \
	has_re "$TMP/err" "^\[hotpath\] $Y:3:10: plugins.load\[0\]: cannot load plugin \"nosuch\": no nosuch.so in $TMP, /"
check "missing plugin: program runs on" [ "$rc" -eq 0 ] && reported

run_with "plugins:
  load: [$BAD]"
check "wrong ABI: exact message" has_line "$TMP/err" "[hotpath] $Y:2:10: plugins.load[0]: plugin \"$BAD\" not loaded: built for plugin ABI 99, this hotpath speaks 1"
check "wrong ABI: program runs on" [ "$rc" -eq 0 ] && reported

run_with "report: { limit: 2 }"
HOTPATH_LIMIT=abc "$B" 2>"$TMP/err"
check "bad environment value: exact message" has_line "$TMP/err" "[hotpath] HOTPATH_LIMIT: expected a non-negative integer, got \"abc\"; using 2"
HOTPATH_LIMIT=1 "$B" 2>"$TMP/err"
check "environment wins over the file" has_line "$TMP/err" "(1 of 3 rows; report.limit: 0 shows all)"

run_with "strict: true
report:
  limit: -3"
check "strict: the problem is named" has_line "$TMP/err" "[hotpath] $Y:3:10: report.limit: expected a non-negative integer, got \"-3\"; using 15"
check "strict: profiling not started" has_line "$TMP/err" "[hotpath] strict: the configuration has errors; profiling not started"
check "strict: no report, program unharmed" [ "$rc" -eq 0 ] && ! reported

HOTPATH_CONFIG="$TMP/missing.yaml" "$B" 2>"$TMP/err"
check "missing file named by HOTPATH_CONFIG" has_line "$TMP/err" "[hotpath] $TMP/missing.yaml: cannot open: No such file or directory; using built-in defaults"

HOTPATH_CONFIG="$top_srcdir/config/hotpath.yaml" "$B" 2>"$TMP/err"
check "the shipped config/hotpath.yaml loads without a warning" [ "$(warnings)" -eq 0 ] && reported

finish
