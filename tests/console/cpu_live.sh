#!/bin/sh
# SPDX-License-Identifier: MIT
# cpu_live.sh - the console shows the CPU sampler's sections live
# (docs/cpu.md, "Live"; issue 19): examples/cpu_burn with the collector on
# publishes them, the real console in tmux has a "CPU samples" tab whose
# rows are burn70 then burn30 with their hottest line and module, and
# their sample counts grow while it watches.  Every wait is a bounded
# polling loop; nothing is timed as pass/fail.  Skips (77) without tmux.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/console/tmux.sh"
B="$top_builddir/examples/cpu_burn"
P="ipc://$TMP/pub"
pid=
trap 'kill $pid 2>/dev/null; tmux_kill; rm -rf "$TMP"' EXIT

# 60 s of the burner's CPU: it runs while the console watches, then is killed
HOTPATH_CPU=1 HOTPATH_PUB="$P" HOTPATH_QUERY=off HOTPATH_CONFIG=/dev/null "$B" 60 \
	>/dev/null 2>&1 &
pid=$!

start cpu 150 30 "$P"
check "the CPU samples tab is announced" wait_for cpu '^ 1 Functions .* [0-9] CPU samples '
n=$(grep -o '[0-9] CPU samples ' "$SCREEN" | head -n 1 | cut -c1)
key cpu "$n"
check "the tab: the sampler's columns" wait_for cpu \
	'^ Function +Self +Self % +Total +Total % +Self CPU +Total CPU +Hottest line +Module *$'
check "the tab: burn70 then burn30, with line and module" wait_for cpu \
	'^ burn70 +[0-9]+ .* cpu_burn\.c:[0-9]+ +cpu_burn *$'
# the row order: burn70 above burn30 once both are on screen
wait_for cpu '^ burn30 +[0-9]+ ' >/dev/null
check "the tab: burn70 first, burn30 second" \
	eq "$(grep -E '^ burn(30|70) ' "$SCREEN" | head -n 2 | awk '{print $1}' | tr '\n' ' ')" "burn70 burn30 "
# live: burn70's self samples grow while the console is on the tab
first=$(sed -n 's/^ burn70 \{1,\}\([0-9]\{1,\}\) .*/\1/p' "$SCREEN" | head -n 1)
grew=
i=0
while [ $i -lt 300 ]; do
	screen cpu
	now=$(sed -n 's/^ burn70 \{1,\}\([0-9]\{1,\}\) .*/\1/p' "$SCREEN" | head -n 1)
	[ -n "$now" ] && [ "$now" -gt "$first" ] && { grew=$now; break; }
	sleep 0.1
	i=$((i + 1))
done
check "live: burn70's samples grow on screen ($first, then ${grew:-none})" [ -n "$grew" ]
check "live: the status line says Live" grep -q '^● Live │' "$SCREEN"
key cpu q
check "q quits" exited cpu
check "exit status 0" eq "$(cat "$TMP/cpu.exit" 2>/dev/null)" 0
finish
