#!/bin/sh
# SPDX-License-Identifier: MIT
# compare.sh - `hotpath compare` on fixed reports (tests/console/fixtures):
# every marker (regression, improvement, unchanged, new, removed, under
# --min-calls, under --min-percent-total), every format, every exit code,
# and each kind of bad input named with what is wrong.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
F="$top_srcdir/tests/console/fixtures"
cd "$F" || exit 1   # files are named in the output as given: base.json

run() {
	"$H" compare "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}
# row NAME: the table line of NAME in the Functions box.
row() { grep -m1 "^| $1 " "$TMP/out"; }

# ---- the table, without noise filters
run base.json head.json
T="$TMP/out"
check "exits 0 although there are regressions" eq "$rc" 0
check "nothing on stderr" [ ! -s "$TMP/err" ]
check "first line names the files" has_line "$T" "hotpath compare: base.json → head.json"
check "total time before → after" has_line "$T" "Total time: 2.00ms → 2.50ms (+25.0%)"
check "what decides" has_line "$T" "Threshold: 20% on Functions: avg, p99, total; Allocations: bytes"
check "no Ignored line without filters" [ "$(grep -c '^Ignored:' "$T")" = 0 ]
check "regression: avg and total +30%; p99 +20% is not beyond 20%" eq "$(row parse)" \
	"| parse        | 1000           | 1.00µs → 1.30µs (+30.0%)  | 2.00µs → 2.40µs (+20.0%)  | 1.00ms → 1.30ms (+30.0%)     | 50.00% → 52.00% (+4.0%)  | regression  |"
check "improvement" eq "$(row render)" \
	"| render       | 500            | 2.00µs → 1.00µs (-50.0%)  | 4.00µs → 2.00µs (-50.0%)  | 1.00ms → 500.00µs (-50.0%)   | 50.00% → 20.00% (-60.0%) | improvement |"
check "unchanged: +10% is within the threshold; equal values shown once" eq "$(row io)" \
	"| io           | 100            | 5.00µs → 5.50µs (+10.0%)  | 9.00µs                    | 500.00µs → 550.00µs (+10.0%) | 25.00% → 22.00% (-12.0%) | unchanged   |"
check "new row" eq "$(row cache_lookup)" \
	"| cache_lookup | 2000           | 50ns                      | 100ns                     | 100.00µs                     | 4.00%                    | new         |"
check "removed row, after head's rows" eq "$(grep '^| [a-z]' "$T" | sed -n 7p)" \
	"| init         | 1              | 100.00µs                  | 100.00µs                  | 100.00µs                     | 5.00%                    | removed     |"
check "few calls: a regression without --min-calls" has_re "$T" '^\| rare +\| 3 → 4 \(\+33\.3%\) .*\| regression +\|$'
check "small share: a regression without --min-percent-total" has_re "$T" '^\| tiny .*\| regression +\|$'
check "bytes decide in other sections" has_line "$T" "| parse | 10 → 40 (+300.0%) | 1.00KiB → 4.00KiB (+300.0%) | regression |"
check "summary line" has_line "$T" "Result: 4 regressions, 1 improvement, 2 unchanged, 1 new, 1 removed"

# ---- noise filters: the whole output, byte for byte
run --min-calls 10 --min-percent-total 1 base.json head.json
check "filters: table as expected" cmp -s "$TMP/out" expected-compare.txt
check "filters: the Ignored line" has_line "$TMP/out" "Ignored: rows under 10 calls or under 1% of total time in both reports"
check "under --min-calls" has_re "$TMP/out" '^\| rare .*\| ignored: calls < 10 +\|$'
check "under --min-percent-total" has_re "$TMP/out" '^\| tiny .*\| ignored: % total < 1% \|$'
check "filters: summary" has_line "$TMP/out" "Result: 2 regressions, 1 improvement, 2 unchanged, 1 new, 1 removed, 2 ignored"
run --min-calls 4 base.json head.json
check "--min-calls: a row over it in one report counts" has_re "$TMP/out" '^\| rare .*\| regression +\|$'
run --min-percent-total 0.9 base.json head.json
check "--min-percent-total: a row over it in one report counts" has_re "$TMP/out" '^\| tiny .*\| ignored: % total < 0.9% \|$'

# ---- threshold
run --threshold 19.5 base.json head.json
check "--threshold 19.5: p99 +20% is beyond it" has_line "$TMP/out" "Threshold: 19.5% on Functions: avg, p99, total; Allocations: bytes"
run --threshold 1000 base.json head.json
check "--threshold 1000: nothing passes it" has_line "$TMP/out" "Result: no regressions, 7 unchanged, 1 new, 1 removed"

# ---- exit codes
run --fail-on-regression base.json head.json
check "--fail-on-regression with regressions: exits 1" eq "$rc" 1
check "--fail-on-regression: the output is still written" has_line "$TMP/out" "Result: 4 regressions, 1 improvement, 2 unchanged, 1 new, 1 removed"
check "--fail-on-regression: says why on stderr" eq "$(cat "$TMP/err")" "hotpath: 4 regressions beyond the 20% threshold"
run --fail-on-regression --threshold 1000 base.json head.json
check "--fail-on-regression without regressions: exits 0" eq "$rc" 0
run --fail-on-regression head.json base.json
check "head → base: the improvement becomes the regression" has_re "$TMP/out" '^\| render .*\| regression +\|$'
check "head → base: new becomes removed" has_re "$TMP/out" '^\| cache_lookup .*\| removed +\|$'
check "head → base: removed becomes new" has_re "$TMP/out" '^\| init .*\| new +\|$'
run --fail-on-regression base.json base.json
check "a report against itself: exits 0" eq "$rc" 0
check "a report against itself: all unchanged" has_line "$TMP/out" "Result: no regressions, 8 unchanged"

# ---- markdown: the PR comment, byte for byte
run --format markdown --min-calls 10 --min-percent-total 1 base.json head.json
M="$TMP/out"
check "markdown: as expected" cmp -s "$M" expected-compare.md
check "markdown: the marker the CI finds its comment by" eq "$(head -n1 "$M")" "<!-- hotpath-compare -->"
check "markdown: headline" has_line "$M" "### 🔴 hotpath: 2 regressions, 1 improvement, 2 unchanged, 1 new, 1 removed, 2 ignored"
check "markdown: a regression row, deciding changes in bold" has_line "$M" \
	"| \`parse\` | 1000 | 1.00µs → 1.30µs (**+30.0%**) | 2.00µs → 2.40µs (+20.0%) | 1.00ms → 1.30ms (**+30.0%**) | 50.00% → 52.00% (+4.0%) | 🔴 regression |"
check "markdown: ignored rows have nothing in bold" has_line "$M" \
	"| \`rare\` | 3 → 4 (+33.3%) | 1.00µs → 5.00µs (+400.0%) | 1.10µs → 6.00µs (+445.5%) | 3.00µs → 20.00µs (+566.7%) | 0.15% → 0.80% (+433.3%) | ignored: calls < 10 |"
check "markdown: raw data folded" has_line "$M" "<summary>Raw data</summary>"
check "markdown: raw data has exact ns, min and max too" has_line "$M" "| \`parse\` | max | 9000 | 9900 | +10.00% |"
check "markdown: raw data of a new row" has_line "$M" "| \`cache_lookup\` | avg | - | 50 | - |"
check "markdown: ends with the details block" eq "$(tail -n1 "$M")" "</details>"
run -f markdown --threshold 1000 base.json base.json
check "markdown: headline without regressions" has_line "$TMP/out" "### ✅ hotpath: no regressions, 8 unchanged"

# ---- json
run --format json base.json head.json
J="$TMP/out"
check "json: one line" eq "$(wc -l <"$J")" 1
check "json: type, version, files, threshold" jqt "$J" '.type == "hotpath_compare" and .version == 1 and .base == "base.json" and .head == "head.json" and .threshold == 20'
check "json: summary" jqt "$J" '.summary == {"regression":4,"improvement":1,"new":1,"removed":1,"unchanged":2,"ignored_calls":0,"ignored_percent_total":0}'
check "json: elapsed" jqt "$J" '.elapsed_ns == {"before":2000000,"after":2500000,"change":25}'
check "json: deciding columns" jqt "$J" '[.sections[] | .decides] == [["avg","p99","total"],["bytes"]]'
check "json: statuses in order" jqt "$J" '[.sections[0].rows[] | .key + ":" + .status] == ["parse:regression","render:improvement","io:unchanged","cache_lookup:new","rare:regression","tiny:regression","init:removed"]'
check "json: exact values and marks" jqt "$J" '.sections[0].rows[0].columns.avg == {"before":1000,"after":1300,"change":30,"mark":"worse"}'
check "json: every numeric column, min and max too" jqt "$J" '[.sections[0].rows[0].columns | keys_unsorted[]] == ["calls","avg","min","max","p99","total","percent_total"]'
check "json: new row has no before" jqt "$J" '.sections[0].rows[3].columns.total == {"before":null,"after":100000,"change":null}'
run -f json --min-calls 10 base.json head.json
check "json: ignored rows carry no marks" jqt "$J" '.sections[0].rows[4] | .status == "ignored_calls" and ([.columns[] | has("mark")] | any | not)'

# ---- a report cut by report.limit
run cut.json head.json
check "cut base: says rows may show as new" has_line "$TMP/out" "(cut.json holds 2 of 6 rows: a row past its report.limit shows as new)"
run head.json cut.json
check "cut head: says rows may show as removed" has_line "$TMP/out" "(cut.json holds 2 of 6 rows: a row past its report.limit shows as removed)"

# ---- --all-columns and -o
run --all-columns base.json head.json
check "--all-columns: min and max shown" has_re "$TMP/out" '^\| Function +\| Calls +\| Avg +\| Min +\| Max +\| P99 +\| Total +\| % Total +\| Status +\|$'
run -o "$TMP/c.md" -f markdown base.json head.json
check "-o: nothing on stdout" [ ! -s "$TMP/out" ]
check "-o: the file has it" has_line "$TMP/c.md" "<!-- hotpath-compare -->"

# ---- bad input: exit 2, the file and what is wrong
# bad DESC MESSAGE ARGS...
bad() {
	desc=$1 msg=$2
	shift 2
	run "$@"
	check "$desc: exits 2" eq "$rc" 2
	check "$desc: says what is wrong" eq "$(cat "$TMP/err")" "$msg"
	check "$desc: nothing on stdout" [ ! -s "$TMP/out" ]
}
bad "not JSON" "hotpath: not-json.json:1:4: invalid JSON: '[' or '{' expected near 'this'" not-json.json head.json
bad "truncated head" "hotpath: truncated.json:1:245: truncated JSON: premature end of input near '\"functio'" base.json truncated.json
bad "empty" "hotpath: empty.json: empty file (not a hotpath report)" empty.json head.json
bad "not a report" "hotpath: not-report.json: not a hotpath report (no \"type\": \"hotpath_report\")" base.json not-report.json
bad "another type" "hotpath: other-type.json: not a hotpath report (\"type\" is \"hotpath_compare\", not \"hotpath_report\")" other-type.json head.json
bad "an array" "hotpath: array.json: not a hotpath report (the top level is an array, not an object)" base.json array.json
bad "version 2" "hotpath: version2.json: report format version 2 is not supported (this hotpath reads version 1)" version2.json head.json
bad "wrong type" "hotpath: wrong-type.json: .sections[0].rows[2].calls: expected an integer (unit count), got a string" base.json wrong-type.json
bad "missing file" "hotpath: missing.json: cannot read: No such file or directory" missing.json head.json
bad "both bad: both named" "hotpath: empty.json: empty file (not a hotpath report)
hotpath: version2.json: report format version 2 is not supported (this hotpath reads version 1)" empty.json version2.json

# ---- two real runs of examples/basic compare cleanly
cd "$TMP" || exit 1
for n in 1 2; do HOTPATH_FORMAT=json HOTPATH_LIMIT=0 HOTPATH_OUTPUT="$TMP/run$n.json" "$top_builddir/examples/basic"; done
"$H" compare run1.json run2.json >"$TMP/out" 2>"$TMP/err"
check "two runs of examples/basic: exits 0" eq "$?" 0
check "two runs of examples/basic: every function compared" eq "$(grep -cE '^\| (basic::sync_function|basic::busy_function|custom_block) ' "$TMP/out")" 3
check "two runs of examples/basic: no new or removed rows" [ "$(grep -cE '\| (new|removed) +\|$' "$TMP/out")" = 0 ]
check "two runs of examples/basic: thread ids are not compared (compare.ids)" \
	[ "$(grep -cE '^\| Thread .*\| TID ' "$TMP/out")" = 0 ]
check "two runs of examples/basic: the threads' section says compare.ids" jqt run1.json \
	'[.sections[] | select(.id == "threads") | .meta["compare.ids"]] == ["tid"]'
# a report without compare.ids (an older one): tid, pid and line are identifiers by name
jq 'del(.sections[].meta["compare.ids"])' run1.json >old1.json
jq 'del(.sections[].meta["compare.ids"])' run2.json >old2.json
"$H" compare --all-columns old1.json old2.json >"$TMP/out" 2>"$TMP/err"
check "older reports: no TID or Line column even with --all-columns" \
	[ "$(grep -cE '\| (TID|Line) ' "$TMP/out")" = 0 ]


# ---- several runs per side: the median of each cell, and its spread
cp "$F/base.json" "$F/head.json" "$TMP/"
# base: parse 1.00µs, 1.10µs and one noisy run at 5.00µs (its elapsed 2.1ms);
# b2 has no io row.  head: parse 1.30µs, 1.40µs, 1.20µs
jq -c '.sections[0].rows |= map(if .name == "parse" then .avg = 1100 | .total = 1100000 else . end) | .sections[0].rows |= map(select(.name != "io"))' base.json >b2.json
jq -c '.sections[0].rows |= map(if .name == "parse" then .avg = 5000 | .total = 5000000 else . end) | .elapsed_ns = 2100000' base.json >b3.json
jq -c '.sections[0].rows |= map(if .name == "parse" then .avg = 1400 | .total = 1400000 else . end)' head.json >h2.json
jq -c '.sections[0].rows |= map(if .name == "parse" then .avg = 1200 | .total = 1200000 else . end)' head.json >h3.json
"$H" compare base.json b2.json b3.json -- head.json h2.json h3.json >"$TMP/out" 2>"$TMP/err"
check "runs: exits 0" eq "$?" 0
check "runs: nothing on stderr" [ ! -s "$TMP/err" ]
check "runs: the first line names every file" has_line "$TMP/out" \
	"hotpath compare: median of base.json, b2.json, b3.json → median of head.json, h2.json, h3.json"
check "runs: the total time is the median, with its spread" has_line "$TMP/out" \
	"Total time: 2.00ms ±5.0% → 2.50ms (+25.0%)"
check "runs: what the values are" has_line "$TMP/out" \
	"Runs: 3 base, 3 head; each value is the median of a side's runs, ± how far its farthest run is from it"
check "runs: the noisy run does not decide (median 1.10µs, +18.2%: unchanged)" eq "$(row parse)" \
	"| parse        | 1000           | 1.10µs ±354.5% → 1.30µs ±7.7% (+18.2%) | 2.00µs → 2.40µs (+20.0%)  | 1.10ms ±354.5% → 1.30ms ±7.7% (+18.2%) | 50.00% → 52.00% (+4.0%)  | unchanged   |"
check "runs: runs that agree show no spread" eq "$(row render)" \
	"| render       | 500            | 2.00µs → 1.00µs (-50.0%)               | 4.00µs → 2.00µs (-50.0%)  | 1.00ms → 500.00µs (-50.0%)             | 50.00% → 20.00% (-60.0%) | improvement |"
check "runs: summary" has_line "$TMP/out" "Result: 3 regressions, 1 improvement, 3 unchanged, 1 new, 1 removed"
"$H" compare base.json head.json >"$TMP/one"
check "one report per side: the same row is a regression" has_re "$TMP/one" '^\| parse .*\| regression +\|$'
"$H" compare --base base.json b2.json b3.json --head head.json h2.json --head h3.json >"$TMP/flags"
check "runs: --base and --head (repeatable) give the same" cmp -s "$TMP/out" "$TMP/flags"
"$H" compare -f json base.json b2.json b3.json -- head.json h2.json h3.json >"$TMP/c.json"
check "runs json: base_runs and head_runs" jqt "$TMP/c.json" \
	'.base_runs == ["base.json","b2.json","b3.json"] and .head_runs == ["head.json","h2.json","h3.json"] and .base == "median of base.json, b2.json, b3.json"'
check "runs json: the median, the range, the runs, the spread" jqt "$TMP/c.json" \
	'(.sections[0].rows[] | select(.key == "parse") | .columns.avg) == {"before":1100,"after":1300,"before_min":1000,"before_max":5000,"before_runs":3,"before_spread":354.5455,"after_min":1200,"after_max":1400,"after_runs":3,"after_spread":7.6923,"change":18.1818}'
check "runs json: a row missing from one run is the median of the others" jqt "$TMP/c.json" \
	'(.sections[0].rows[] | select(.key == "io") | .columns.avg | [.before, .before_runs, .after_runs]) == [5000, 2, 3]'
check "runs json: elapsed_ns" jqt "$TMP/c.json" \
	'.elapsed_ns == {"before":2000000,"after":2500000,"before_min":2000000,"before_max":2100000,"before_runs":3,"before_spread":5,"after_min":2500000,"after_max":2500000,"after_runs":3,"after_spread":0,"change":25}'
"$H" compare -f json --base base.json b2.json --head head.json >"$TMP/c2.json"
check "runs: two runs: the mean of the two" jqt "$TMP/c2.json" \
	'(.sections[0].rows[] | select(.key == "parse") | .columns.avg | [.before, .after, .before_spread]) == [1050, 1300, 4.7619] and (.head_runs == null)'
"$H" compare -f markdown base.json b2.json b3.json -- head.json h2.json h3.json >"$TMP/c.md"
check "runs markdown: the files" has_line "$TMP/c.md" \
	'- Base: median of `base.json`, `b2.json`, `b3.json`; head: median of `head.json`, `h2.json`, `h3.json`'
check "runs markdown: raw data with each range" has_line "$TMP/c.md" \
	'| `parse` | avg | 1100 (1000–5000) | 1300 (1200–1400) | +18.18% |'
# usage: which files go where
usage() {
	desc=$1 msg=$2
	shift 2
	"$H" compare "$@" >"$TMP/out" 2>"$TMP/err"
	check "$desc: exits 2" eq "$?" 2
	check "$desc: says why" eq "$(head -n 1 "$TMP/err")" "hotpath compare: $msg"
}
usage "nothing after --" "expected BASE reports before -- and HEAD reports after it, got 1 and 0" base.json --
usage "nothing before --" "expected BASE reports before -- and HEAD reports after it, got 0 and 1" -- head.json
usage "three files without --" "expected two report files, BASE.json and HEAD.json, got 3 (several per side: BASE... -- HEAD...)" base.json b2.json head.json
usage "--base without --head" "no report for --head" --base base.json b2.json
usage "a file of no side" "with --base and --head, every file follows one of them ('x.json' does not)" --base base.json --head head.json -- x.json
"$H" compare base.json b2.json -- missing.json head.json >"$TMP/out" 2>"$TMP/err"
check "runs: a bad file among them: exits 2" eq "$?" 2
check "runs: a bad file among them: named" eq "$(cat "$TMP/err")" "hotpath: missing.json: cannot read: No such file or directory"

finish
