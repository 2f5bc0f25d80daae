#!/bin/sh
# SPDX-License-Identifier: MIT
# self_profile.sh - the self-profiling demo (./configure --enable-self-profile):
# `hotpath console` with nothing else running shows its own functions,
# allocations (under `hotpath run --alloc`) and threads.  In tmux, as
# console.sh.  Skips (77) in a build without --enable-self-profile, or
# without tmux.
. "$top_srcdir/tests/e2e/lib.sh"
grep -q '^#define HPC_SELF_PROFILE 1' "$top_builddir/config.h" ||
	{ echo "1..0 # SKIP not built with --enable-self-profile"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux not installed"; exit 77; }
H="$top_builddir/hotpath"
SOCK="$TMP/tmux.sock"
SCREEN="$TMP/screen"
trap 'tmux -S "$SOCK" kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
T() { LC_ALL=C.UTF-8 tmux -u -S "$SOCK" "$@"; }
wait_for() {
	i=0
	while [ $i -lt 150 ]; do
		T capture-pane -p -t self >"$SCREEN" 2>/dev/null
		grep -qE -- "$1" "$SCREEN" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	sed 's/^/#   /' "$SCREEN" >&2
	return 1
}

# its own endpoints, which it also watches (the default URL is publish.endpoint)
T new-session -d -s self -x 120 -y 30 \
	"LC_ALL=C.UTF-8 HOTPATH_PUB=ipc://$TMP/pub HOTPATH_QUERY=ipc://$TMP/query \"$H\" run --alloc -- \"$H\" console 2>\"$TMP/err\"; echo \$? >\"$TMP/exit\"; sleep 60"
check "self: its own program" wait_for "hotpath console · hotpath \\(pid [0-9]+ on "
check "self: its sections" wait_for '^ 1 Functions +2 Allocated bytes +3 Allocations +4 Threads'
# the first frame can come before any function is measured, with Threads
# as the only tab; the view stays on the section it shows, so ask for 1
sleep 0.5
T send-keys -t self 1
check "self: its own functions" wait_for '^ model_msg::hpc_msg_decode +[0-9]+ '
check "self: drawing frames" wait_for '^ cmd_console::console_draw +[0-9]+ '
T send-keys -t self 2
check "self: its allocations" wait_for '^ model_msg::hpc_msg_decode +[0-9]+ +[0-9.]+(B|KiB|MiB) '
T send-keys -t self 4
check "self: its threads" wait_for '^ hotpath +[0-9]+ '
check "self: a reader thread" wait_for '^ console-reader '
T send-keys -t self q
i=0
while [ $i -lt 100 ] && [ ! -s "$TMP/exit" ]; do sleep 0.1; i=$((i + 1)); done
check "self: q quits" eq "$(cat "$TMP/exit" 2>/dev/null)" 0
finish
