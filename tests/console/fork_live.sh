#!/bin/sh
# SPDX-License-Identifier: MIT
# fork_live.sh - report.fork: child, live: examples/prefork's four workers
# (forked after the parent started publishing with nng) each publish on
# endpoints of their own (core/sp.c): `hotpath ls` lists the parent and
# the four workers, `query` and `dump` read each worker's exact counts,
# the console follows them and merges the five into one view; when they
# end, each writes its report and the listing is empty.  Every wait is a
# bounded polling loop.  The console part skips only without tmux.
. "$top_srcdir/tests/e2e/lib.sh"

# examples/prefork forks while its collector thread runs: GCC 12's
# AddressSanitizer keeps its allocator's locks across fork() (see fork.sh)
if asan_build; then
	echo "1..0 # SKIP AddressSanitizer build: its allocator is not fork-safe"
	exit 77
fi
H="$top_builddir/hotpath"
P="$top_builddir/examples/prefork"
unset HOTPATH_PUB HOTPATH_QUERY HOTPATH_PUBLISH_ENDPOINT HOTPATH_PUBLISH_QUERY
XDG_RUNTIME_DIR="$TMP/run"
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
have_tmux=no
command -v tmux >/dev/null 2>&1 && have_tmux=yes
if [ $have_tmux = yes ]; then
	. "$top_srcdir/tests/console/tmux.sh"
fi
trap 'exec 3>&-; [ $have_tmux = yes ] && tmux_kill; rm -rf "$TMP"' EXIT

mkfifo "$TMP/hold"
# made first: the shell opens it only after the fifo, which the wait below
# may reach before (grep on a missing file ended the wait at once)
: >"$TMP/out"
HOTPATH_FORK=child HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/r.json" HOTPATH_CONFIG=/dev/null \
	"$P" 4 100 hold <"$TMP/hold" >"$TMP/out" 2>"$TMP/err" &
parent=$!
exec 3>"$TMP/hold"
i=0
while [ $i -lt 300 ] && [ "$(grep -c '^worker' "$TMP/out")" -lt 4 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "4 workers handled their 100 jobs" eq "$(grep -c '^worker [0-9]* handled 100 jobs' "$TMP/out")" 4
workers=$(sed -n 's/^worker \([0-9]*\) handled.*/\1/p' "$TMP/out" | sort -n)

# ls: five programs named prefork, each with its own endpoints
i=0
while [ $i -lt 300 ]; do
	"$H" ls --json >"$TMP/ls.json" 2>/dev/null
	[ "$(jq length "$TMP/ls.json")" = 5 ] && break
	sleep 0.1
	i=$((i + 1))
done
check "ls: five programs" eq "$(jq length "$TMP/ls.json")" 5
check "ls: the parent and the four workers" eq \
	"$(jq -r '[.[].pid] | sort | map(tostring) | join(" ")' "$TMP/ls.json")" \
	"$(printf '%s\n' $parent $workers | sort -n | tr '\n' ' ' | sed 's/ $//')"
check "ls: all named prefork" jqt "$TMP/ls.json" 'all(.[]; .program == "prefork")'
check "ls: a worker's endpoints are ipc sockets of its own" jqt "$TMP/ls.json" \
	'all(.[]; .endpoint == "ipc://'"$XDG_RUNTIME_DIR"'/hotpath/\(.pid).pub" and
	 .query == "ipc://'"$XDG_RUNTIME_DIR"'/hotpath/\(.pid).query")'

# calls PID NAME: NAME's calls in PID's functions section (polled: a reply
# comes from the last snapshot published)
FQ='[.report.sections[] | select(.id == "functions") | .rows[]'
calls() {
	"$H" query -w 5000 "$1" '{"cmd":"section","section":"functions"}' 2>/dev/null |
		jq "$FQ | select(.name == \"$2\") | .calls][0]"
}
poll_calls() {
	j=0
	while [ $j -lt 100 ]; do
		v=$(calls "$1" "$2")
		[ "$v" = "$3" ] && break
		sleep 0.1
		j=$((j + 1))
	done
	echo "$v"
}
n=0
for w in $workers; do
	n=$((n + 1))
	check "worker $n: query: 100 handle calls" eq "$(poll_calls "$w" prefork::handle 100)" 100
	check "worker $n: query: 1 worker block" eq "$(calls "$w" prefork::worker)" 1
	check "worker $n: query: none of the parent's" eq "$(calls "$w" prefork::dispatch)" null
done
check "parent: query: 400 dispatches" eq "$(poll_calls "$parent" prefork::dispatch 400)" 400
w1=$(echo $workers | cut -d' ' -f1)
"$H" query "$w1" '{"cmd":"nonsense"}' >"$TMP/bad" 2>&1
check "worker: a bad request gets the usual error" has_re "$TMP/bad" '"error":"unknown_cmd"'
"$H" dump -n 1 -t functions -w 10000 "$w1" >"$TMP/dump" 2>"$TMP/dump.err"
check "worker: dump: one functions message" eq "$(wc -l <"$TMP/dump" | tr -d ' ')" 1
check "worker: dump: its pid" jqt "$TMP/dump" ".pid == $w1 and .topic == \"functions\""
check "worker: dump: 100 handle calls" jqt "$TMP/dump" \
	'[.report.sections[] | select(.id == "functions") | .rows[] | select(.name == "prefork::handle") | .calls][0] == 100'

if [ $have_tmux = yes ]; then
	T new-session -d -s main -x 160 -y 40 \
		"LC_ALL=C.UTF-8 XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' HOTPATH_CONFIG=/dev/null '$H' console 2>'$TMP/main.err'; echo \$? >'$TMP/main.exit'; sleep 60"
	check "console: five targets" wait_for main "5 prefork:[0-9]+ \\(Live\\)"
	key main a
	check "console a: the merged target" wait_for main ' a prefork: all 5'
	check "console a: 400 handle calls (4 x 100)" wait_for main '^ prefork::handle +400 '
	check "console a: and 400 dispatches" wait_for main '^ prefork::dispatch +400 '
	key main q
	i=0
	while [ $i -lt 100 ] && [ ! -s "$TMP/main.exit" ]; do sleep 0.1; i=$((i + 1)); done
	check "console q: exit 0" eq "$(cat "$TMP/main.exit" 2>/dev/null)" 0
fi

# the end: workers released, every report written, nothing left listed
exec 3>&-
wait $parent
check "prefork exits 0" eq $? 0
check "nothing on stderr" eq "$(cat "$TMP/err")" ""
for w in $workers; do
	check "worker $w: its report, 100 handle calls" jqt "$TMP/r.$w.json" \
		'[.sections[] | select(.id == "functions") | .rows[] | select(.name == "prefork::handle") | .calls][0] == 100'
done
"$H" ls --json >"$TMP/ls2.json" 2>/dev/null
check "ls afterwards: none" eq "$(jq length "$TMP/ls2.json")" 0
check "no socket left behind" eq "$(ls "$XDG_RUNTIME_DIR/hotpath" | grep -c '\.pub$\|\.query$')" 0
finish
