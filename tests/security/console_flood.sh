#!/bin/sh
# SPDX-License-Identifier: MIT
# console_flood.sh - a hostile publisher (a hello of 30,000 sections, 1.4 MB,
# every second, and a message that is not JSON) cannot freeze the console:
# its hello is cut to 256 tabs (said on the status line) and q still quits
# within a generous bound.  Runs the console in tmux; skips (77) without
# tmux or nngcat.  Every wait is bounded; nothing is timed as pass/fail
# but the 20 s bound.
. "$top_srcdir/tests/e2e/lib.sh"
command -v tmux >/dev/null || { echo "# SKIP: no tmux"; exit 77; }
command -v nngcat >/dev/null || { echo "# SKIP: no nngcat (nng-utils)"; exit 77; }
H="$top_builddir/hotpath"
URL="ipc://$TMP/pub"
{
	printf 'hello {"type":"hotpath_hello","schema":1,"pid":1,"program":"evil","query":"tcp://203.0.113.9:1","sections":['
	awk 'BEGIN { for (i = 0; i < 30000; i++) printf "%s{\"id\":\"s%d\",\"title\":\"Section %d\"}", i ? "," : "", i, i }'
	printf ']}'
} >"$TMP/hello"
check "the hello is over a megabyte" [ "$(wc -c <"$TMP/hello")" -gt 1000000 ]
timeout 60 nngcat --pub --listen "$URL" --file "$TMP/hello" --interval 1 --count 40 >/dev/null 2>&1 &
PUB=$!
S="hp_flood_$$"
tmux -L "$S" new-session -d -x 160 -y 30 \
	"HOTPATH_CONFIG=/dev/null '$H' console '$URL'; echo \$? >'$TMP/rc'"
# wait (at most 20 s) for the cut hello to show on the status line
i=0
while [ $i -lt 200 ]; do
	tmux -L "$S" capture-pane -p >"$TMP/screen" 2>/dev/null
	grep -q "hello cut to 256 sections" "$TMP/screen" && break
	sleep 0.1
	i=$((i + 1))
done
check "status line: the hello was cut" grep -q "hello cut to 256 sections" "$TMP/screen"
check "the first of its tabs is shown" grep -q "Section 0" "$TMP/screen"
tmux -L "$S" send-keys q
i=0
while [ $i -lt 200 ] && [ ! -s "$TMP/rc" ]; do sleep 0.1; i=$((i + 1)); done
check "q quits within 20 s under the flood" [ -s "$TMP/rc" ]
check "exit status 0" eq "$(cat "$TMP/rc" 2>/dev/null)" 0
tmux -L "$S" kill-server 2>/dev/null
kill "$PUB" 2>/dev/null
wait 2>/dev/null
finish
