#!/bin/sh
# SPDX-License-Identifier: MIT
# follow.sh - `hotpath console` with no URL follows the local programs
# (docs/discovery.md): the real console in tmux, with a private
# $XDG_RUNTIME_DIR; examples/live programs start and end under it, t
# switches between them, ten started at once are all followed.  Every
# wait is a bounded polling loop.  Skips (77)
# only when tmux is not installed.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/console/tmux.sh"
L="$top_builddir/examples/live"
unset HOTPATH_PUB HOTPATH_QUERY
XDG_RUNTIME_DIR="$TMP/run"
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
a= b= ten=
trap 'kill $a $b $ten 2>/dev/null; tmux_kill; rm -rf "$TMP"' EXIT

T new-session -d -s main -x 120 -y 30 \
	"LC_ALL=C.UTF-8 XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' HOTPATH_CONFIG=/dev/null '$H' console 2>'$TMP/main.err'; echo \$? >'$TMP/main.exit'; sleep 60"
check "no program yet: says it waits" wait_for main '^hotpath console · waiting for a profiled program \(none runs here; hotpath ls lists them\)'

"$L" 60000 >/dev/null 2>&1 &
a=$!
check "a program starts: its header" wait_for main "^hotpath console · live \\(pid $a on .*\\) ipc://$XDG_RUNTIME_DIR/hotpath/$a\\.pub"
check "a program starts: its rows" wait_for main '^ live::tick +[0-9]+ '

"$L" 60000 >/dev/null 2>&1 &
b=$!
check "a second starts: both targets" wait_for main "^Targets \\(t\\): +1 live:$a \\(Live\\) +2 live:$b \\(Live\\)"
check "the first is shown" wait_for main "live pid $a"
key main t
check "t: the second is shown" wait_for main "live pid $b"
check "t: with its rows" wait_for main '^ live::crunch +[0-9]+ '
key main t
check "t again: the first" wait_for main "live pid $a"

kill "$a"
wait "$a" 2>/dev/null
check "the first ends: the second alone" wait_for main "^hotpath console · live \\(pid $b on "
kill "$b"
wait "$b" 2>/dev/null
a= b=
check "the second ends: waiting again" wait_for main '^hotpath console · waiting for a profiled program'
# ten at once: all followed; t goes through them (the status line names
# the one shown): pressed until each of the ten was shown (at most 60)
ten=
for n in 1 2 3 4 5 6 7 8 9 10; do
	"$L" 60000 >/dev/null 2>&1 &
	ten="$ten $!"
done
want=$(echo $ten | tr ' ' '\n' | sort -n | tr '\n' ' ')
seen= n=0
while [ $n -lt 60 ]; do
	key main t
	sleep 0.3
	screen main
	seen="$seen $(sed -n 's/.* live pid \([0-9]*\) .*/\1/p' "$SCREEN" | head -n 1)"
	got=$(echo $seen | tr ' ' '\n' | sort -un | grep -xF "$(echo $ten | tr ' ' '\n')" | tr '\n' ' ')
	[ "$got" = "$want" ] && break
	n=$((n + 1))
done
echo "# ten at once: all ten shown after $((n + 1)) presses of t"
check "ten at once: t shows each of the ten" eq "$got" "$want"
[ "$got" = "$want" ] || sed 's/^/# screen: /' "$SCREEN"
kill $ten 2>/dev/null
for p in $ten; do wait "$p" 2>/dev/null; done
ten=
check "the ten end: waiting again" wait_for main '^hotpath console · waiting for a profiled program'
key main q
i=0
while [ $i -lt 100 ] && [ ! -s "$TMP/main.exit" ]; do sleep 0.1; i=$((i + 1)); done
check "q: exit 0" eq "$(cat "$TMP/main.exit" 2>/dev/null)" 0
# what the console said, for a failure's diagnosis (it says nothing when well)
sed 's/^/# console stderr: /' "$TMP/main.err" 2>/dev/null | head -n 20
finish
