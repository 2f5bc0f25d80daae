#!/bin/sh
# SPDX-License-Identifier: MIT
# keys.sh - the console keys of issue 20, as a user presses them: / filters
# rows by name, O picks the sort column, < and > scroll hidden columns
# (and the screen says that columns are hidden), w saves the snapshot as a
# JSON report that hotpath report and compare read back (byte for byte),
# the details pane after t shows the new program's log and never the old
# one's, and ? lists every key of docs/console.md.  The real console in
# tmux (tests/console/tmux.sh) watching two examples/live programs on
# ipc:// endpoints of their own; every wait is a bounded polling loop.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/console/tmux.sh"
L="$top_builddir/examples/live"
P1="ipc://$TMP/pub1"
P2="ipc://$TMP/pub2"
a= b=
trap 'kill $a $b 2>/dev/null; tmux_kill; rm -rf "$TMP"' EXIT
HOTPATH_PUB="$P1" HOTPATH_QUERY="ipc://$TMP/q1" HOTPATH_PUBLISH_INTERVAL_MS=50 \
	"$L" 600000 >/dev/null 2>&1 &
a=$!
HOTPATH_PUB="$P2" HOTPATH_QUERY="ipc://$TMP/q2" HOTPATH_PUBLISH_INTERVAL_MS=50 \
	"$L" 600000 >/dev/null 2>&1 &
b=$!
# a log row of the details pane run by the thread (the main thread: the pid)
logrow() { echo "^ +[0-9.]+(ns|µs|ms|s) +$1 +[0-9.]+(ns|µs|ms|s)\$"; }

# ---- / : the filter ------------------------------------------------------------
mkdir "$TMP/save"
cd "$TMP/save" || exit 1   # w saves into the console's directory
start k 100 30 "$P1"
cd "$top_builddir" || exit 1
check "the rows" wait_for k '^ live::crunch +[0-9]+ '
key k / c R u
check "/: what is typed shows on the status line" wait_for k '^/cRu_   filter rows by name: Enter keeps it, Esc clears it$'
check "/: rows follow each key (any case): live::crunch" grep -qE '^ live::crunch +[0-9]+ ' "$SCREEN"
check "/: live::tick is filtered out" [ "$(grep -c '^ live::tick ' "$SCREEN")" = 0 ]
key k Enter
check "Enter keeps it: the status line counts 1 of 2" wait_for k '│ /cRu: row 1/1 of 2 '
check "Enter keeps it: still one row" [ "$(grep -c '^ live::tick ' "$SCREEN")" = 0 ]
key k / BSpace BSpace BSpace z z z Enter
check "no row matches: the table says so" wait_for k '^ \(no row matches the filter; / changes it\)$'
check "no row matches: row 0/0 of 2" wait_for k '│ /zzz: row 0/0 of 2 '
key k / Escape
check "Esc clears it: both rows" wait_for k '^ live::tick +[0-9]+ '
check "Esc clears it: the status line" wait_for k '│ row 1/2 +│ \? help  q quit$'

# ---- O : the sort picker ---------------------------------------------------------
key k O
check "O: the picker" wait_for k '│ \* \(the program.s order\) +│'
check "O: every shown column" eq "$(grep -cE '│   (Function|Calls|Avg|P50|P99|Total|% Total|Self|% Self) +│' "$SCREEN")" 9
key k j j Enter
check "O, j j, Enter: sorted by Calls, most first" wait_for k '^ Function +Calls▼ +Avg '
key k O Enter
check "O, Enter on the sort column: the other way" wait_for k '^ Function +Calls▲ +Avg '
key k O g Enter
check "O, g, Enter: the program's order" wait_for k '^ Function +Calls +Avg '
check "the picker is closed" [ "$(grep -c 'Sort by' "$SCREEN")" = 0 ]

# The status line is the last line a frame writes: a capture can catch a
# frame half written (its header new, its status line old), so checks of
# the status line poll too (wait_for, gone_for) rather than read the
# screen a header's wait left.
# ---- < > : hidden columns ------------------------------------------------------
T resize-window -t k -x 72 -y 30
check "narrow: the header ends in ›" wait_for k '^ Function +Calls .*›$'
check "narrow: the status line counts the hidden columns" wait_for k '│ [0-9]+ columns? >$'
right=$(sed -n 's/.*│ \([0-9]*\) columns\{0,1\} >$/\1/p' "$SCREEN")
key k '>'
check ">: Calls scrolled away, the name column stays" wait_for k '^‹Function +Avg '
if [ "$right" -gt 1 ]; then want="< 1, $((right - 1)) > columns"; else want="< 1 column"; fi
check ">: one column on the left, one fewer on the right" wait_for k "│ $want"
key k '<'
check "<: back" wait_for k '^ Function +Calls +Avg '
T resize-window -t k -x 100 -y 30
check "wide again: nothing hidden" wait_for k '^ Function +Calls +Avg +P50 +P99 +Total +% Total +Self +% Self$'
check "wide again: no hidden columns on the status line" gone_for k ' columns? >'

# ---- w : the snapshot as a report ---------------------------------------------
key k p
check "p: paused" wait_for k 'PAUSED'
key k w
check "w: the message names the file" \
	wait_for k "^saved \\./hotpath-live-$a-[0-9]{8}-[0-9]{6}\\.json \\([0-9]+ sections\\): hotpath report and compare read it\$"
F=$(ls "$TMP/save"/hotpath-live-"$a"-*.json 2>/dev/null | head -n 1)
check "w: the file is there" [ -s "$F" ]
calls=$(sed -n 's/^ live::tick *\([0-9]*\) .*/\1/p' "$SCREEN")
check "w: what the paused screen shows" jqt "$F" \
	"[.sections[] | select(.id == \"functions\") | .rows[] | select(.name == \"live::tick\") | .calls] == [$calls]"
check "w: a report of the program" jqt "$F" \
	".type == \"hotpath_report\" and .program == \"live\" and .pid == $a and .saved_by == \"hotpath console\" and .percentiles == [50,99]"
check "w: the message counts its sections" \
	grep -q "($(jq '.sections | length' "$F") sections)" "$SCREEN"
check "w: functions, threads, process and the call tree" jqt "$F" \
	'[.sections[].id] | index("functions") != null and index("threads") != null and index("process") != null and index("calls") != null'
"$H" report "$F" >"$TMP/rep" 2>"$TMP/rep.err"
check "hotpath report reads it: exit 0" eq "$?" 0
check "hotpath report reads it: live::tick with its calls" has_re "$TMP/rep" "^\\| live::tick +\\| $calls +\\|"
"$H" report --format json-pretty "$F" >"$TMP/rt.json"
check "hotpath report --format json-pretty gives back its bytes" cmp -s "$TMP/rt.json" "$F"
"$H" compare "$F" "$F" >"$TMP/cmp" 2>&1
check "hotpath compare reads it: exit 0" eq "$?" 0
check "hotpath compare reads it: against itself nothing changed" has_re "$TMP/cmp" '^Result: no regressions, [0-9]+ unchanged$'
key k p q
check "q quits" exited k
check "exit 0" eq "$(cat "$TMP/k.exit")" 0

# ---- the details pane after t: the new program's log ------------------------------
start d 100 40 "$P1" "$P2"
check "two programs" wait_for d "^Targets \\(t\\): +1 live:$a \\(Live\\) +2 live:$b \\(Live\\)"
check "the first's rows" wait_for d '^ live::tick +[0-9]+ '
key d Enter
check "details: the first program's calls (its thread)" wait_for d "$(logrow "$a")"
key d t
check "t: the second program" wait_for d "│ live pid $b │"
check "t: the pane never shows the first's log" [ "$(grep -cE "$(logrow "$a")" "$SCREEN")" = 0 ]
check "t: the second program's calls" wait_for d "$(logrow "$b")"
check "t: and none of the first's" [ "$(grep -cE "$(logrow "$a")" "$SCREEN")" = 0 ]
key d t
check "t again: the first's log again" wait_for d "$(logrow "$a")"
check "t again: none of the second's" [ "$(grep -cE "$(logrow "$b")" "$SCREEN")" = 0 ]
key d q
check "details: q quits" exited d

# ---- ? : every key of docs/console.md ------------------------------------------
start h 100 40 "$P1"
check "help: the rows" wait_for h '^ live::tick '
key h '?'
check "?: the help" wait_for h 'hotpath console: keys'
# the keys column of the popup: the text of each line before two spaces
sed -n '/hotpath console: keys/,/└/p' "$SCREEN" | sed '1d;$d' | sed 's/^[^│]*│ //' |
	sed 's/  .*//' | sed 's/\([0-9]\)-\([0-9]\)/\1 \2/' | tr ' ,' '\n\n' | sed '/^$/d' >"$TMP/helpkeys"
# every `key` of the docs' Keys table (its first column)
sed -n '/^## Keys/,/^## /p' "$top_srcdir/docs/console.md" | grep '^| `' | cut -d'|' -f2 |
	grep -oE '`[^`]+`' | tr -d '`' >"$TMP/dockeys"
check "the docs list keys" [ "$(wc -l <"$TMP/dockeys")" -ge 30 ]
missing=
while read -r k; do
	grep -qxF -- "$k" "$TMP/helpkeys" || missing="$missing $k"
done <"$TMP/dockeys"
check "? lists every key of docs/console.md" eq "$missing" ""
key h q
check "help: q quits" exited h

finish
