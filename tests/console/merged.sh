#!/bin/sh
# SPDX-License-Identifier: MIT
# merged.sh - the console's merged view: two examples/live programs (the
# same name), each with exactly N measured calls of live::tick, followed
# by the real console in tmux; a shows one target "live: all 2" whose
# Functions table counts 2N calls (hotpath merge's code), t goes back to
# each process with its own N.  Every wait is a bounded polling loop.
# Skips (77) only when tmux is not installed.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/console/tmux.sh"
L="$top_builddir/examples/live"
unset HOTPATH_PUB HOTPATH_QUERY
XDG_RUNTIME_DIR="$TMP/run"
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
a= b=
trap 'kill $a $b 2>/dev/null; tmux_kill; rm -rf "$TMP"' EXIT

# 37 and 37 calls of each function, then idle (still publishing)
"$L" 120000 37 >/dev/null 2>&1 &
a=$!
"$L" 120000 37 >/dev/null 2>&1 &
b=$!
T new-session -d -s main -x 140 -y 30 \
	"LC_ALL=C.UTF-8 XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' HOTPATH_CONFIG=/dev/null '$H' console 2>'$TMP/main.err'; echo \$? >'$TMP/main.exit'; sleep 60"
check "both targets" wait_for main "^Targets \\(t\\): +1 live:[0-9]+ \\(Live\\) +2 live:[0-9]+ \\(Live\\)"
check "the first process: 37 calls of live::tick" wait_for main '^ live::tick +37 '
key main a
check "a: the merged target is shown" wait_for main ' a live: all 2'
check "a: the status line says merged" wait_for main 'live merged: 2 processes'
check "a: live::tick with 74 calls (37 + 37)" wait_for main '^ live::tick +74 '
check "a: live::crunch with 74 calls" wait_for main '^ live::crunch +74 '
key main 3
check "a: the Process tab lists each pid's row" wait_for main "^ +$a +[0-9.]+[KMG]iB "
check "a: and the other's" wait_for main "^ +$b +[0-9.]+[KMG]iB "
key main 1
key main t
check "t: back to one process" wait_for main '^ live::tick +37 '
screen main
check "t: the merged target is no longer shown" sh -c "! grep -q ' a live: all 2' '$SCREEN'"
key main a
check "a again: merged" wait_for main '^ live::tick +74 '
key main a
check "a once more: back to the process" wait_for main '^ live::tick +37 '
key main q
i=0
while [ $i -lt 100 ] && [ ! -s "$TMP/main.exit" ]; do sleep 0.1; i=$((i + 1)); done
check "q: exit 0" eq "$(cat "$TMP/main.exit" 2>/dev/null)" 0
finish
