#!/bin/sh
# SPDX-License-Identifier: MIT
# console.sh - `hotpath console` as a user sees it: the real console in a
# detached tmux session of a fixed size, watching examples/live on ipc://
# endpoints of its own; keys sent with send-keys, the screen read with
# capture-pane.  Every wait is a bounded polling loop.  Skips (77) only
# when tmux is not installed.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/console/tmux.sh"
L="$top_builddir/examples/live"
P="ipc://$TMP/pub"
Q="ipc://$TMP/query"
export HOTPATH_SCRIPT_PATH="$top_srcdir/scripts"

HOTPATH_PUB="$P" HOTPATH_QUERY="$Q" HOTPATH_PUBLISH_INTERVAL_MS=50 \
	"$L" 600000 >"$TMP/live.out" 2>"$TMP/live.err" &
live=$!
trap 'kill "$live" 2>/dev/null; tmux_kill; rm -rf "$TMP"' EXIT

# ---- the sections of a running program -------------------------------------
start main 100 30 "$P"
check "tabs come from the sections" wait_for main '^ 1 Functions +2 Threads +3 Process'
check "a function's row" wait_for main '^ live::tick +[0-9]+ '
check "the other function" grep -qE '^ live::crunch ' "$SCREEN"
check "columns from the metadata (table.columns)" grep -qE '^ Function +Calls +Avg +P50 +P99 +Total +% Total +Self +% Self$' "$SCREEN"
check "status: Live" wait_for main '^● Live │ refreshed [0-9]+s ago │ live pid '"$live"' '
check "header: program, pid, URL" grep -qF "live (pid $live on $(hostname)) $P" "$SCREEN"
check "the screen is 30 lines" eq "$(wc -l <"$SCREEN" | tr -d ' ')" 30

key main 2
check "2 shows the threads" wait_for main '^ Thread +TID +State '
check "the profiled thread's row" wait_for main "^ live +$live "
key main Tab
check "Tab: the next tab, process" wait_for main '^ +RSS +Max RSS +Threads'
key main 1
check "1: back to functions" wait_for main '^ live::tick '

key main s
key main s
check "s sorts by the next column" wait_for main '^ Function +Calls▼ '

key main Enter
check "details: the selected row's log" wait_for main '── Log of live::(tick|crunch) \(functions\) ─'
check "details: callers and callees from the call tree" wait_for main \
	'^ <- \(root\) +[0-9]+ calls +[0-9.]+(ns|µs|ms|s) total +[0-9.]+(ns|µs|ms|s) self'
check "details: the log's columns" wait_for main '^ +Duration +Thread +Time'
check "details: a call" wait_for main '^ +[0-9.]+(ns|µs|ms) +'"$live"' +[0-9.]+(ns|µs|ms|s)$'
key main Enter
check "Enter closes the details" gone_for main 'Log of live::'
key main Enter
check "details again" wait_for main '── Log of live::'
key main Escape
check "Esc closes the details" gone_for main 'Log of live::'
check "Esc does not quit" [ ! -e "$TMP/main.exit" ]

key main i
check "i: inspect popup" wait_for main 'Inspect \(i or Esc closes\)'
check "inspect: every column, full value" wait_for main '│ Function: live::(tick|crunch) '
check "inspect: also the columns the table leaves out" grep -qE '│ Min: [0-9.]+(ns|µs|ms) ' "$SCREEN"
key main Escape
check "Esc closes the popup" gone_for main 'Inspect \(i or Esc'

key main '?'
check "? shows the help" wait_for main 'hotpath console: keys'
check "help lists p" grep -qE 'p +pause / resume updates' "$SCREEN"
key main x
check "a key closes the help" gone_for main 'hotpath console: keys'

key main p
check "p: paused is shown" wait_for main '^● Live PAUSED \(p\)'
screen main
calls1=$(sed -n 's/^ live::tick *\([0-9]*\) .*/\1/p' "$SCREEN")
sleep 0.6
screen main
calls2=$(sed -n 's/^ live::tick *\([0-9]*\) .*/\1/p' "$SCREEN")
check "paused: the numbers stay" eq "$calls2" "$calls1"
key main p
check "p again: resumed" gone_for main 'PAUSED'
i=0
while [ $i -lt 50 ]; do
	screen main
	calls3=$(sed -n 's/^ live::tick *\([0-9]*\) .*/\1/p' "$SCREEN")
	[ "${calls3:-0}" -gt "${calls1:-0}" ] && break
	sleep 0.1
	i=$((i + 1))
done
check "resumed: the numbers move again" [ "${calls3:-0}" -gt "${calls1:-0}" ]

check "colours without NO_COLOR" [ "$(colours main)" -gt 0 ]
T resize-window -t main -x 80 -y 24
check "resized: 24 lines" wait_for main '^● Live' && screen main &&
	eq "$(wc -l <"$SCREEN" | tr -d ' ')" 24
check "resized: the status line is the last line" \
	eq "$(tail -n 1 "$SCREEN" | grep -cE '^● Live .*│ \? help')" 1
check "resized: the Functions table's hidden columns are said" \
	eq "$(tail -n 1 "$SCREEN" | grep -cE '│ [0-9]+ columns? >')" 1
check "resized: no line wider than 80" [ "$(LC_ALL=C.UTF-8 wc -L <"$SCREEN")" -le 80 ]
check "resized: the rows are still there" grep -qE '^ live::tick ' "$SCREEN"

key main q
check "q quits" exited main
check "q: exit status 0" eq "$(cat "$TMP/main.exit" 2>/dev/null)" 0
check "nothing on stderr" [ ! -s "$TMP/main.err" ]

# ---- NO_COLOR: the same screen without colours ---------------------------------
ENVX="NO_COLOR=1" start nocolor 80 24 "$P"
# the first frame may come before any function is measured, and the view
# stays on the section it shows: choose Functions once its tab is there
check "NO_COLOR: the tabs are there" wait_for nocolor '^ 1 Functions '
key nocolor 1
check "NO_COLOR: the screen is there" wait_for nocolor '^ live::tick '
check "NO_COLOR: no colour at all" eq "$(colours nocolor)" 0
key nocolor q
check "NO_COLOR: q quits" exited nocolor

# ---- Lua panels: console.panels, --panel, and a broken one -------------------
printf 'console:\n  panels: [channel_backlog]\n' >"$TMP/hotpath.yaml"
printf 'return function(snap, ui)\n  ui.text(1, 1, snap.nosuch.x)\nend\n' >"$TMP/broken.lua"
CONFIG="$TMP/hotpath.yaml" start pan 100 30 --panel top_alloc --panel "$TMP/broken.lua" "$P"
check "panels: tabs after the sections" \
	wait_for pan '^ 1 Functions +2 Threads +3 Process +4 Channel backlog +5 Top allocators +6 broken'
key pan 4
check "panel from console.panels draws" wait_for pan '^No channels in live yet \(docs/channels.md\)\.'
key pan 5
check "panel from --panel draws" wait_for pan '^No allocation data from live\.'
key pan 6
check "panel error: shown inside the panel" wait_for pan '^ panel error:'
check "panel error: file and line" grep -qE "^ broken\.lua:2: attempt to index a nil value \(field 'nosuch'\)" "$SCREEN"
key pan 1
check "panel error: the console runs on" wait_for pan '^ live::tick +[0-9]+ '
key pan q
check "panels: q quits" exited pan
check "panels: exit status 0" eq "$(cat "$TMP/pan.exit" 2>/dev/null)" 0

# ---- connection problems ------------------------------------------------------
start dead 80 24 "ipc://$TMP/nobody"
check "dead URL: nothing listening" \
	wait_for dead "^nothing listening at ipc://$TMP/nobody \\("
check "dead URL: status" grep -qE '^● Not listening │ ' "$SCREEN"
key dead q
check "dead URL: q quits" exited dead

# a program that stops: Stale, then the reason
start two 100 30 "$P" "ipc://$TMP/nobody"
check "two targets: the switcher" wait_for two '^Targets \(t\): +1 live:'"$live"' \(Live\) +2 ipc://'
kill "$live"
wait "$live" 2>/dev/null
check "a program that went away: Stale" wait_for two '^● Stale │'
key two t
check "t: the other target" wait_for two '^nothing listening at ipc://'
key two q
check "two targets: q quits" exited two

# ---- nngcat as a publisher: an unknown schema, a third-party section with
# UTF-8 labels (wide characters take two columns and stay aligned) ----------
if command -v nngcat >/dev/null 2>&1; then
	nngcat --pub --listen "ipc://$TMP/v2" --interval 1 \
		--data 'hello {"type":"hotpath_hello","schema":2,"topic":"hello"}' >/dev/null 2>&1 &
	cat2=$!
	nngcat --pub --listen "ipc://$TMP/u8" --interval 1 --data 'slowest {"type":"hotpath_section","schema":1,"topic":"slowest","report":{"sections":[{"id":"slowest","title":"Slowest ☕","columns":[{"key":"name","title":"Name","unit":"text"},{"key":"n","title":"N","unit":"count"}],"rows":[{"name":"naïve::ƒ→g","n":7},{"name":"日本::関数","n":12}]}]}}' >/dev/null 2>&1 &
	cat8=$!
	start v2 80 24 "ipc://$TMP/v2"
	check "unknown schema: says so" \
		wait_for v2 "^ipc://$TMP/v2 speaks wire schema 2; this console reads schema 1"
	check "unknown schema: status" grep -qE '^● Unknown schema' "$SCREEN"
	key v2 q
	check "unknown schema: q quits" exited v2
	start u8 80 24 "ipc://$TMP/u8"
	check "UTF-8: a third-party section's tab" wait_for u8 '^ 1 Slowest ☕$'
	check "UTF-8: labels" grep -qF ' naïve::ƒ→g   7' "$SCREEN"
	check "UTF-8: wide characters aligned" grep -qF ' 日本::関数  12' "$SCREEN"
	key u8 q
	check "UTF-8: q quits" exited u8
	kill "$cat2" "$cat8" 2>/dev/null
else
	not_ok "nngcat not found (nng-utils)"
fi

# ---- usage ------------------------------------------------------------------------
"$H" console --help >"$TMP/out" 2>&1
check "--help exits 0" [ $? -eq 0 ]
check "--help: usage" has_re "$TMP/out" '^Usage: hotpath console \[OPTIONS\] \[URL\.\.\.\]'
"$H" console --frob >"$TMP/out" 2>"$TMP/err"
check "bad option exits 2" [ $? -eq 2 ]
"$H" console "$P" </dev/null >"$TMP/out" 2>"$TMP/err"
check "no terminal exits 1" [ $? -eq 1 ]
check "no terminal: says so" has_line "$TMP/err" "hotpath: console: needs a terminal (stdin and stdout)"
finish
