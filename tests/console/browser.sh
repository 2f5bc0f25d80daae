#!/bin/sh
# SPDX-License-Identifier: MIT
# browser.sh - the HTML report and the SVG flame graph in a real browser
# (Debian's headless chromium): the page's scripts run, the DOM they leave
# has the function names, the flame graph's frames nested as the call
# paths are, a table sorted by the column the address asks for, search and
# zoom done; a real trace's timeline drawn, windowed from the address; a
# hostile report cannot inject markup or end a script early;
# a screenshot is taken.  SKIPs (77) when chromium is not installed.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
F="$top_srcdir/tests/console/fixtures"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: chromium is not installed (apt-get install chromium)"
	exit 77
fi

# dom URL OUT: the DOM of the page once its scripts ran
dom() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$TMP/profile" --dump-dom "$1" >"$2" 2>"$TMP/chromium.err"
}

"$H" report --format html "$F/stacks.json" >"$TMP/r.html"
check "html: written" [ -s "$TMP/r.html" ]
check "html: nothing fetched (no src=, no http(s) link, no @import/url())" \
	eq "$(grep -cE 'src=|href="https?:|@import|url\(' "$TMP/r.html")" 0

dom "file://$TMP/r.html#sort=functions.calls" "$TMP/dom"
D="$TMP/dom"
check "html: the browser ran the page's script" has_re "$D" '<body data-ready="1">'
for f in main::main main::run_one parser::parse parser::parse_expr lexer::next eval::eval worker::loop; do
	check "html: $f in the functions table" has_re "$D" "<tr><td>$f</td>"
done
# the functions table's names, top to bottom
names() {
	sed -n '/data-id="functions"/,/<\/tbody>/p' "$1" | sed 's/<tr>/\n<tr>/g' |
		sed -n 's/^<tr><td>\([^<]*\)<\/td>.*/\1/p' | tr '\n' ' '
}
check "html: #sort=functions.calls sorts by calls, largest first (ties keep their order)" \
	eq "$(names "$D")" "lexer::next parser::parse_expr main::run_one parser::parse eval::eval main::main worker::loop "
check "html: the sorted column's title says so" \
	has_re "$D" '<th class="n" data-num="1" data-k="calls"[^>]*aria-sort="descending">Calls</th>'
dom "file://$TMP/r.html#sort=functions.name" "$TMP/dom2"
check "html: #sort=functions.name sorts by name, A to Z" \
	eq "$(names "$TMP/dom2")" "eval::eval lexer::next main::main main::run_one parser::parse parser::parse_expr worker::loop "
dom "file://$TMP/r.html" "$TMP/dom3"
check "html: unsorted, the report's own order" \
	eq "$(names "$TMP/dom3")" "main::main main::run_one parser::parse parser::parse_expr eval::eval worker::loop lexer::next "

# the first flame graph's frame called $2 at depth $3 in DOM $1: x y width
geom() {
	sed -n '/<svg/,/<\/svg>/p' "$1" | sed -n "s/.*data-n=\"$2\" data-d=\"$3\".*<rect x=\"\([0-9.]*\)\" y=\"\([0-9]*\)\" width=\"\([0-9.]*\)\".*/\1 \2 \3/p" | head -n 1
}
nested() {
	awk -v p="$1" -v e="$2" 'BEGIN { split(p, a, " "); split(e, b, " ");
		exit !(b[1] >= a[1] && b[1] + b[3] <= a[1] + a[3] + 0.01 && b[2] == a[2] - 16) }'
}
P=$(geom "$D" 'parser::parse' 3)
E=$(geom "$D" 'parser::parse_expr' 4)
check "html: the flame graph's frames are in the DOM" [ -n "$P" ] && [ -n "$E" ]
check "html: parse_expr's frame inside parse's x-range, one level above" nested "$P" "$E"
check "html: 12 frames in the first flame graph, 4 in the CPU one" \
	eq "$(grep -c '^<g class="f[ "]' "$D")" 16
check "html: threads' CPU bars" has_re "$D" 'class="bar" style="display:block;width:100.00%"'
check "html: a hostile label is text, not markup" \
	has_re "$D" "<td>main::main;main::run_one;eval::&lt;b&gt;&amp;\"x\" y'z&lt;/script&gt;</td>"

# ---- a hostile report: markup and </script> in every string it has
sed -e 's|"caller": "calc::main"|"caller": "</script><script>document.title=\\"pwned\\"</script><img src=x onerror=alert(1)>"|' \
	-e 's|"title": "Functions"|"title": "<i>Functions</i></script>"|' \
	-e 's|"title": "Calls",|"title": "Calls<!--",|' \
	"$F/stacks.json" >"$TMP/evil.json"
"$H" report --format html "$TMP/evil.json" >"$TMP/evil.html"
dom "file://$TMP/evil.html" "$TMP/evil.dom"
check "hostile: the script still ran to its end" has_re "$TMP/evil.dom" '<body data-ready="1">'
check "hostile: the title is the escaped text" \
	has_re "$TMP/evil.dom" '<title>hotpath: &lt;/script&gt;&lt;script&gt;document.title="pwned"&lt;/script&gt;&lt;img src=x onerror=alert\(1\)&gt;</title>'
check "hostile: no element came from the report" eq "$(grep -cE '<img|<i>|<!--' "$TMP/evil.dom")" 0

# ---- the standalone SVG: search and zoom from its address
"$H" report --format svg "$F/stacks.json" >"$TMP/flame.svg"
dom "file://$TMP/flame.svg#search=PARSE&zoom=parser::parse" "$TMP/svg.dom"
S="$TMP/svg.dom"
check "svg: the browser ran its script" has_re "$S" 'data-ready="1"'
check "svg: search (any case) matches parse and parse_expr: 54000 of 84450 ns, nested once" \
	has_re "$S" 'data-matched="0\.639432"'
check "svg: the matched share is shown" has_re "$S" '>Matched: 63\.94% \(54\.00µs\)</text>'
check "svg: three frames marked" eq "$(grep -c '<g class="f hit"' "$S")" 3
check "svg: zoomed into parse" has_re "$S" 'data-zoom="parser::parse"'
check "svg: parse spreads over the whole width" \
	eq "$(sed -n 's/.*data-n="parser::parse" data-d="3".*<rect x="\([0-9.]*\)" y="[0-9]*" width="\([0-9.]*\)".*/\1 \2/p' "$S")" "10.00 1180.00"
check "svg: its ancestors stay, full width and faded" \
	eq "$(grep -c '<g class="f anc"[^>]*>.*width="1180.00"' "$S")" 3
check "svg: eval, outside parse, is hidden" \
	has_re "$S" 'data-n="eval::eval" data-d="3"[^>]*style="display: none;"'
check "svg: lexer::next re-cut to its wider frame" has_re "$S" '>lexer::next</text>'
P=$(geom "$S" 'parser::parse' 3)
E=$(geom "$S" 'parser::parse_expr' 4)
check "svg: zoomed, parse_expr still inside parse, one level above" nested "$P" "$E"

# ---- the timeline of a real trace: examples/nested's two threads
HOTPATH_TRACE=1 HOTPATH_TRACE_OUTPUT="$TMP/nested.trace.json" HOTPATH_FORMAT=json \
	HOTPATH_OUTPUT="$TMP/nested.json" "$top_builddir/examples/nested" >/dev/null 2>&1
"$H" report --format html "$TMP/nested.json" >"$TMP/tl.html"
dom "file://$TMP/tl.html" "$TMP/tl.dom"
T="$TMP/tl.dom"
TL='.sections[] | select(.id == "timeline")'
check "timeline: the page's script ran" has_re "$T" '<body data-ready="1">'
check "timeline: in the page's links" has_re "$T" '<a href="#timeline">Timeline</a>'
check "timeline: its rows are drawn, not listed as a table" \
	eq "$(grep -c 'data-id="timeline"' "$T")" 0
check "timeline: all 60 spans drawn" has_re "$T" '<canvas [^>]*data-spans="60" data-drawn="60"'
check "timeline: one track per thread, 30 spans each" eq \
	"$(sed -n 's/.*<ul class="tl-threads">\(.*\)<\/ul>.*/\1/p' "$T" | sed 's/<li>/\n/g' | sed -n 's/^nested (thread [0-9]*): \([0-9]*\) spans<\/li>$/\1/p' | tr '\n' ' ')" "30 30 "
# the address's window: the first microsecond; drawn = the spans crossing it
t0=$(jq "[$TL | .rows[].start] | min" "$TMP/nested.json")
want=$(jq "[$TL | .rows[] | select(.start <= $t0 + 1000 and .start + .duration >= $t0)] | length" "$TMP/nested.json")
dom "file://$TMP/tl.html#timeline=0-1000" "$TMP/tl2.dom"
check "timeline: #timeline=0-1000 shows the first microsecond: $want spans cross it" \
	has_re "$TMP/tl2.dom" "<canvas [^>]*data-spans=\"60\" data-drawn=\"$want\" data-view=\"0-1000\""
# a hostile span name: markup and </script> stay text in the data
sed 's|"name":"nested::inner"|"name":"</script><img src=x onerror=alert(1)>"|g; s|"name": "nested::inner"|"name": "</script><img src=x onerror=alert(1)>"|g' \
	"$TMP/nested.json" >"$TMP/tl-evil.json"
"$H" report --format html "$TMP/tl-evil.json" >"$TMP/tl-evil.html"
dom "file://$TMP/tl-evil.html" "$TMP/tl-evil.dom"
check "timeline, hostile: the name is in the data, escaped" \
	has_re "$TMP/tl-evil.html" '"\\u003c/script\\u003e\\u003cimg src=x onerror=alert\(1\)\\u003e"'
check "timeline, hostile: the script still ran, the spans drawn" \
	has_re "$TMP/tl-evil.dom" '<canvas [^>]*data-spans="60" data-drawn="60"'
check "timeline, hostile: no element came from the report" eq "$(grep -c '<img' "$TMP/tl-evil.dom")" 0

# ---- a screenshot at 1280x800 and on a phone's width
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
	--user-data-dir="$TMP/profile" --window-size=1280,800 --screenshot="$TMP/shot.png" \
	"file://$TMP/r.html" >/dev/null 2>&1
check "screenshot: a PNG" eq "$(od -An -c -N4 "$TMP/shot.png" 2>/dev/null | tr -d ' ')" '211PNG'
check "html: a viewport for phones" has_re "$TMP/r.html" '<meta name="viewport" content="width=device-width, initial-scale=1">'

finish
