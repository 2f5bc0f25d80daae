#!/bin/sh
# SPDX-License-Identifier: MIT
# flame.sh - `hotpath report --format folded|svg` on a hand-written report
# (fixtures/stacks.json): the folded stacks byte for byte, the CPU
# sampler's section, the SVG's frames (nesting, names cut to width,
# escapes, nothing fetched from the network), and reports with nothing to
# draw.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
F="$top_srcdir/tests/console/fixtures"

run() {
	"$H" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# ---- folded
run report --format folded "$F/stacks.json"
check "folded: exits 0" eq "$rc" 0
check "folded: byte for byte" cmp -s "$TMP/out" "$F/expected-folded.txt"
check "folded: nothing on stderr" [ ! -s "$TMP/err" ]
run report -f folded -o "$TMP/f.txt" "$F/stacks.json"
check "folded: --output" cmp -s "$TMP/f.txt" "$F/expected-folded.txt"
check "folded: the values add up to the graph's total" \
	eq "$(awk '{ s += $NF } END { print s }' "$TMP/f.txt")" 84450
run report --format folded --stacks cpu "$F/stacks.json"
check "folded --stacks cpu: the sampler's section" eq "$(cat "$TMP/out")" \
"main 2000000
main;compute 30000000
main;compute;sqrt 10000000"
run report --format folded --stacks cpu_stacks "$F/stacks.json"
check "folded --stacks with a section id" eq "$(wc -l <"$TMP/out")" 3

run report --format folded "$F/base.json"
check "no stacks: exits 2" eq "$rc" 2
check "no stacks: says so" eq "$(cat "$TMP/err")" \
	"hotpath: $F/base.json: no section \"stacks\" to draw (a report has one when it was written by a hotpath with the call tree)"
check "no stacks: nothing on stdout" [ ! -s "$TMP/out" ]
run report --format svg --stacks functions "$F/stacks.json"
check "a section without stack/self: exits 2" eq "$rc" 2
check "a section without stack/self: says so" eq "$(cat "$TMP/err")" \
	"hotpath: $F/stacks.json: section \"functions\" has no text column \"stack\" and integer column \"self\""
run report --format flames "$F/stacks.json"
check "unknown format: usage error names the formats" \
	has_re "$TMP/err" "expected table, json, json-pretty, folded, svg or html, got 'flames'"

# ---- svg
run report --format svg "$F/stacks.json"
S="$TMP/out"
check "svg: exits 0" eq "$rc" 0
check "svg: an XML document" eq "$(head -n 1 "$S")" '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
check "svg: 12 frames (all and 11 with time; the path with no self time left out)" \
	eq "$(grep -c '^<g class="f"' "$S")" 12
check "svg: no network (no href, src or url())" eq "$(grep -cE 'href|src=|url\(' "$S")" 0
check "svg: the script is inline" has_re "$S" '^hpFlame\(document.documentElement\);$'
check "svg: names are XML-escaped" \
	has_re "$S" 'data-n="eval::&lt;b&gt;&amp;&quot;x&quot; y&#39;z&lt;/script&gt;"'
check "svg: no raw markup from a label" eq "$(grep -c '<b>' "$S")" 0
check "svg: a control character in a label is a space" has_re "$S" 'data-n="io::read line"'
check "svg: tooltip with time and share" \
	has_re "$S" '<title>parser::parse_expr: 45\.00µs, 53\.29% \(self 40\.00µs, 47\.37%; 30 calls\)</title>'
# parse_expr's recursive call: 5000 ns of 84450 is 69.9 px, 8 characters
check "svg: a name cut to its frame with an ellipsis" has_re "$S" 'data-d="5".*>parser:…</text></g>$'
# x, y and width of the frame called $1 at depth $2
geom() {
	sed -n "s/.*data-n=\"$1\" data-d=\"$2\".*<rect x=\"\([0-9.]*\)\" y=\"\([0-9]*\)\" width=\"\([0-9.]*\)\".*/\1 \2 \3/p" "$S"
}
P=$(geom 'parser::parse' 3)
E=$(geom 'parser::parse_expr' 4)
check "svg: parse and parse_expr drawn" [ -n "$P" ] && [ -n "$E" ]
check "svg: parse_expr inside parse's x-range, one level above" \
	awk -v p="$P" -v e="$E" 'BEGIN { split(p, a, " "); split(e, b, " ");
		exit !(b[1] >= a[1] && b[1] + b[3] <= a[1] + a[3] + 0.01 && b[2] == a[2] - 16) }'
check "svg: parse is 54000 of 84450 ns wide" \
	awk -v p="$P" 'BEGIN { split(p, a, " "); w = 1180 * 54000 / 84450; exit !(a[3] > w - 0.006 && a[3] < w + 0.006) }'
check "svg: same module, same hue (parser::*)" \
	eq "$(sed -n 's/.*data-n="parser::parse\(_expr\)*" data-d="[0-9]".*fill="rgb(\([0-9]*\),[0-9]*,\([0-9]*\))".*/\2 \3/p' "$S" | sort -u | wc -l)" 1
run report --format svg --stacks cpu "$F/stacks.json"
check "svg --stacks cpu: the sampler's frames" eq "$(grep -c '^<g class="f" data-n="\(main\|compute\|sqrt\)"' "$TMP/out")" 3

# ---- html: from a saved report, and written by the program at exit
run report --format html "$F/stacks.json"
check "html: exits 0" eq "$rc" 0
check "html: a page" eq "$(head -n 1 "$TMP/out")" '<!DOCTYPE html>'
check "html: every section as a sortable table" \
	eq "$(grep -o '<table class="sortable" data-id="[a-z_]*"' "$TMP/out" | tr '\n' ' ')" \
	'<table class="sortable" data-id="functions" <table class="sortable" data-id="stacks" <table class="sortable" data-id="calls" <table class="sortable" data-id="cpu_stacks" <table class="sortable" data-id="threads" '
check "html: cells as the table writes them" \
	has_re "$TMP/out" '<td class="n" data-v="45000">45\.00µs</td>'
check "html: both flame graphs inline" eq "$(grep -c '<svg xmlns' "$TMP/out")" 2
B="$top_builddir/examples/basic"
HOTPATH_FORMAT=html HOTPATH_OUTPUT="$TMP/basic.html" "$B" >"$TMP/bout" 2>"$TMP/berr"
check "HOTPATH_FORMAT=html: the program exits 0" eq "$?" 0
check "HOTPATH_FORMAT=html: nothing on stdout or stderr" [ ! -s "$TMP/bout" ] && [ ! -s "$TMP/berr" ]
check "HOTPATH_FORMAT=html: the page names the program" \
	has_line "$TMP/basic.html" '<title>hotpath: basic::main</title>'
check "HOTPATH_FORMAT=html: its functions in a table" \
	has_re "$TMP/basic.html" '^<tr><td>basic::sync_function</td><td class="n" data-v="100">100</td>'
printf 'report:\n  format: HTML\n  output: %s\n' "$TMP/y.html" >"$TMP/h.yaml"
HOTPATH_CONFIG="$TMP/h.yaml" "$B" >/dev/null 2>"$TMP/yerr"
check "report.format: html in hotpath.yaml" has_line "$TMP/y.html" '</html>'
check "report.format: html, no warning" [ ! -s "$TMP/yerr" ]
HOTPATH_TRACE=1 HOTPATH_TRACE_OUTPUT="$TMP/t.json" HOTPATH_FORMAT=html HOTPATH_OUTPUT="$TMP/t.html" \
	"$B" >/dev/null 2>&1
check "html with a trace: a link to the file and its event count" \
	has_line "$TMP/t.html" "<p>A trace of every measured call was written to <a href=\"$TMP/t.json\"><code>$TMP/t.json</code></a> (300 events). Open it in Perfetto (ui.perfetto.dev, &quot;Open trace file&quot;; the file stays on your machine) or in chrome://tracing.</p>"
check "html with a trace: in the page's links" has_line "$TMP/t.html" '<a href="#trace">Trace file</a>'

# ---- examples/auto/calc: the call tree's own stacks, drawn
C="$top_builddir/examples/auto/calc"
HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/calc.json" "$C" >/dev/null 2>&1
run report --format folded "$TMP/calc.json"
check "calc: folded stacks" has_re "$TMP/out" '^main::run_one;parser::parse;parser::parse_expr [0-9]+$'
check "calc: every line is a path and an integer" eq "$(grep -cvE '^[^ ]+ [0-9]+$' "$TMP/out")" 0
check "calc: the values add up to the stacks' self times" \
	eq "$(awk '{ s += $NF } END { print s }' "$TMP/out")" \
	"$(jq '[.sections[] | select(.id == "stacks") | .rows[].self] | add' "$TMP/calc.json")"
run report --format svg "$TMP/calc.json"
S="$TMP/out"
P=$(geom 'parser::parse' 2)
E=$(geom 'parser::parse_expr' 3)
check "calc: parser::parse_expr's frame is under parser::parse: inside its x-range, one level above" \
	awk -v p="$P" -v e="$E" 'BEGIN { split(p, a, " "); split(e, b, " ");
		exit !(a[3] > 0 && b[3] > 0 && b[1] >= a[1] && b[1] + b[3] <= a[1] + a[3] + 0.01 && b[2] == a[2] - 16) }'
HOTPATH_FORMAT=html HOTPATH_OUTPUT="$TMP/calc.html" "$C" >/dev/null 2>&1
check "calc: HOTPATH_FORMAT=html draws the flame graph" has_re "$TMP/calc.html" 'data-n="parser::parse_expr" data-d="3"'
check "calc: the call paths' table starts folded" \
	has_re "$TMP/calc.html" '^<details><summary>[0-9]+ rows</summary>$'

finish
