#!/bin/sh
# SPDX-License-Identifier: MIT
# terminal.sh - text from a saved report or from the wire never reaches the
# terminal as an escape sequence (docs/security.md): hotpath report and
# compare (tables and markdown), dump and query.  JSON output stays exact.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
F="$top_srcdir/tests/console/fixtures"
T=timeout
command -v timeout >/dev/null || T=

# raw_bad FILE: FILE holds ESC, BEL, C1 CSI (c2 9b) or RTLO (e2 80 ae) raw
raw_bad() { LC_ALL=C grep -q "$(printf '\033\|\007\|\302\233\|\342\200\256')" "$1"; }

# a report whose names and titles carry escape sequences
EVIL='\u001b]0;owned\u0007Fun\u009b2Jc\u202etions'
jq ".sections[1].title = \"$EVIL\" | .sections[0].rows[0].name = \"\u001b[31mparse\u202e\"" \
	"$F/base.json" >"$TMP/evil.json"

"$H" report "$TMP/evil.json" >"$TMP/out" 2>&1
check "report table: exits 0" [ $? -eq 0 ]
check "report table: no raw escape" eval '! raw_bad "$TMP/out"'
check "report table: the title shown escaped" has_line "$TMP/out" '\x1b]0;owned\x07Fun<U+009B>2Jc<U+202E>tions:'
check "report table: the row name shown escaped" has_re "$TMP/out" '^\| \\x1b\[31mparse<U\+202E> +\|'
"$H" report --format json "$TMP/evil.json" >"$TMP/json"
check "report json: the names exact" jqt "$TMP/json" \
	".sections[1].title == \"$EVIL\" and .sections[0].rows[0].name == \"\u001b[31mparse\u202e\""

"$H" compare "$F/base.json" "$TMP/evil.json" >"$TMP/out" 2>&1
check "compare table: no raw escape" eval '! raw_bad "$TMP/out"'
check "compare table: the row name shown escaped" has_re "$TMP/out" '^\| \\x1b\[31mparse<U\+202E> +\|'

# markdown: a title that would end the table and hide it in a comment
jq '.sections[0].title = "Functions\n**Result: no regressions**\n<!--"' "$F/head.json" >"$TMP/md.json"
"$H" compare --format markdown "$F/base.json" "$TMP/md.json" >"$TMP/md" 2>&1
check "markdown: exits 0" [ $? -eq 0 ]
check "markdown: no line of the title's own" eval '! grep -q "^\*\*Result: no regressions\*\*" "$TMP/md"'
check "markdown: one HTML comment, the marker" eq "$(grep -c '<!--' "$TMP/md")" 1
check "markdown: the title escaped on its heading line" has_line "$TMP/md" \
	'#### Functions\\x0a\*\*Result\: no regressions\*\*\\x0a\<\!\-\-'
check "markdown: the regression table follows" has_re "$TMP/md" '^\| `parse` \|.*regression \|$'
jq '.sections[0].rows[0].name = "a|b`c``d\n| x |"' "$F/head.json" >"$TMP/md2.json"
"$H" compare --format markdown "$F/base.json" "$TMP/md2.json" >"$TMP/md2" 2>&1
check "markdown: a name with | and backticks stays one code span in its cell" \
	has_re "$TMP/md2" '^\| ``` a\\\|b`c``d\\x0a\\\| x \\\| ``` \|'

# dump and query: crafted messages from the wire
if command -v nngcat >/dev/null 2>&1; then
	MSG=$(printf 'hello {"program":"\033]0;owned\007x\302\233\342\200\256y"}')
	$T 20 nngcat --pub --listen "ipc://$TMP/pub" --data "$MSG" --interval 1 --count 15 \
		>/dev/null 2>&1 &
	$T 20 "$H" dump --count 1 --timeout 10000 "ipc://$TMP/pub" >"$TMP/dump" 2>&1
	check "dump: exits 0" [ $? -eq 0 ]
	check "dump: no raw escape" eval '! raw_bad "$TMP/dump"'
	check "dump: the same JSON value, escaped" jqt "$TMP/dump" \
		'.program == "\u001b]0;owned\u0007x\u009b\u202ey"'
	kill $! 2>/dev/null
	wait 2>/dev/null
	REP=$(printf '{"type":"x","v":"\033[2J\302\233"}')
	$T 20 nngcat --rep --listen "ipc://$TMP/rep" --data "$REP" --count 1 >/dev/null 2>&1 &
	sleep 0.3
	$T 20 "$H" query --timeout 10000 "ipc://$TMP/rep" '{"cmd":"hello"}' >"$TMP/query" 2>&1
	check "query: exits 0" [ $? -eq 0 ]
	check "query: no raw escape" eval '! raw_bad "$TMP/query"'
	check "query: the same JSON value, escaped" jqt "$TMP/query" '.v == "\u001b[2J\u009b"'
	wait 2>/dev/null
else
	echo "# nngcat (nng-utils) missing: dump and query not checked"
fi
finish
