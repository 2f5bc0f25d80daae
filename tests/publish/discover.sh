#!/bin/sh
# SPDX-License-Identifier: MIT
# discover.sh - programs publish with no configuration (docs/discovery.md):
# two, then ten more examples/live started at once each get ipc sockets of
# their own in the private folder, describe themselves, are listed by
# `hotpath ls` and reached by pid or name with dump and query; what they
# leave goes when they end; a dead program's files are removed by ls; a
# folder with the wrong owner or mode is refused with one line.  The
# folder is the test's own ($XDG_RUNTIME_DIR in $TMP).  Every wait is
# bounded.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
L="$top_builddir/examples/live"
unset HOTPATH_PUB HOTPATH_QUERY
XDG_RUNTIME_DIR="$TMP/run"
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
D="$XDG_RUNTIME_DIR/hotpath"
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# start N: starts N examples/live at once (each runs until SIGTERM, at most
# 60 s), their pids appended to $pids and written to $TMP/started
start() {
	: >"$TMP/started"
	i=0
	while [ "$i" -lt "$1" ]; do
		HOTPATH_ON_SIGNAL=1 "$L" 60000 >/dev/null 2>"$TMP/live.$i.err" &
		pids="$pids $!"
		echo "$!" >>"$TMP/started"
		i=$((i + 1))
	done
}

# wait_listed N: polls hotpath ls --json (600 tries, a minute or more:
# ten programs starting at once under a load of 25 took over 20 s) until
# it lists N programs; the last listing in $TMP/ls.json
wait_listed() {
	i=0
	while [ "$i" -lt 600 ]; do
		"$H" ls --json >"$TMP/ls.json" 2>"$TMP/ls.err"
		[ "$(jq length "$TMP/ls.json" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- two at once -------------------------------------------------------------
check "no folder yet: ls lists nothing" sh -c "'$H' ls --json >'$TMP/o' 2>'$TMP/e' && [ \"\$(cat '$TMP/o')\" = '[]' ]"
start 2
check "two at once: both listed" wait_listed 2
check "the folder is made 0700" eq "$(stat -c %a "$D")" 700
want=$(sort -n "$TMP/started" | tr '\n' ' ')
check "two at once: the pids started" eq "$(jq -r '[.[].pid] | map(tostring) | join(" ")' "$TMP/ls.json") " "$want"
check "two at once: program and caller" jqt "$TMP/ls.json" 'all(.[]; .program == "live" and .caller == "live::main")'
check "two at once: ipc endpoints named by pid" jqt "$TMP/ls.json" "all(.[]; .endpoint == \"ipc://$D/\(.pid).pub\" and .query == \"ipc://$D/\(.pid).query\")"
# the sections come with the first pass's description (polled, at most 20 s)
i=0
until jqt "$TMP/ls.json" 'all(.[]; .sections | index("functions") != null and index("threads") != null)' || [ $i -ge 200 ]; do
	sleep 0.1; i=$((i + 1)); "$H" ls --json >"$TMP/ls.json" 2>/dev/null
done
check "two at once: sections" jqt "$TMP/ls.json" 'all(.[]; .sections | index("functions") != null and index("threads") != null)'
p1=$(sed -n 1p "$TMP/started")
p2=$(sed -n 2p "$TMP/started")
check "description file: schema and pid" jqt "$D/$p1.json" ".type == \"hotpath_program\" and .schema == 1 and .pid == $p1 and (.start_unix_ns | type) == \"number\" and .proc_start > 0"
check "description file: mode 0600" eq "$(stat -c %a "$D/$p1.json")" 600

"$H" dump --topic hello --count 1 --timeout 5000 "$p2" >"$TMP/hello" 2>"$TMP/err"
check "dump by pid: exits 0" [ $? -eq 0 ]
check "dump by pid: that program's hello" jqt "$TMP/hello" ".pid == $p2 and .endpoint == \"ipc://$D/$p2.pub\""
"$H" query "$p1" hello >"$TMP/q" 2>"$TMP/err"
check "query by pid: exits 0" [ $? -eq 0 ]
check "query by pid: that program answers" jqt "$TMP/q" ".pid == $p1"
"$H" query --timeout 2000 live hello >"$TMP/q" 2>"$TMP/err"
check "query by a name two programs have: exit 1" [ $? -eq 1 ]
check "query by a name two programs have: says which" has_line "$TMP/err" "hotpath: query: several such programs run ($p1 live, $p2 live): name one by pid or name"
"$H" dump --count 1 --timeout 2000 >"$TMP/q" 2>"$TMP/err"
check "dump without a target, two programs: exit 1" [ $? -eq 1 ]
check "dump without a target, two programs: says so" has_line "$TMP/err" "hotpath: dump: several programs run ($p1 live, $p2 live): name one by pid or name"
"$H" query --timeout 300 nosuch hello >"$TMP/q" 2>"$TMP/err"
check "query by an unknown name: exit 1" [ $? -eq 1 ]
check "query by an unknown name: says so" has_line "$TMP/err" "hotpath: query: no profiled program nosuch within 300 ms (hotpath ls lists them)"
"$H" ls >"$TMP/table" 2>"$TMP/err"
check "ls table: header" eq "$(sed -n 1p "$TMP/table")" "PID      PROGRAM          UPTIME  ENDPOINTS / SECTIONS"
check "ls table: a row per program and its sections" eq "$(grep -c "^[0-9]* *live  *[0-9]*[smhd]" "$TMP/table")" 2

# ---- ten more at once ----------------------------------------------------------
start 10
check "ten more at once: twelve listed" wait_listed 12
ok_all=true
for p in $(cat "$TMP/started"); do
	"$H" query --timeout 5000 "$p" hello >"$TMP/q" 2>"$TMP/err" && jqt "$TMP/q" ".pid == $p" || ok_all=false
done
check "ten more at once: each answers by its pid" $ok_all
check "ten more at once: none failed to listen" sh -c "! grep -h 'cannot listen' '$TMP'/live.*.err"

# ---- ending removes the files --------------------------------------------------
for p in $pids; do kill -TERM "$p" 2>/dev/null; done
for p in $pids; do wait "$p" 2>/dev/null; done
pids=""
check "after they end: the folder is empty" eq "$(ls -A "$D" | wc -l | tr -d ' ')" 0
check "after they end: ls lists none" sh -c "'$H' ls --json 2>/dev/null | grep -qx '\[\]'"

# ---- what dead programs left ---------------------------------------------------
sh -c 'exit 0' &
dead=$!
wait "$dead"
printf '{"type":"hotpath_program","schema":1,"pid":%s,"program":"gone","start_unix_ns":1,"proc_start":5,"endpoint":"ipc://%s/%s.pub","query":null,"sections":[]}\n' \
	"$dead" "$D" "$dead" >"$D/$dead.json"
: >"$D/$dead.pub"
: >"$D/$dead.query"
# a live pid (this shell) whose description says it started at another time:
# the pid was reused
printf '{"type":"hotpath_program","schema":1,"pid":%s,"program":"old","start_unix_ns":1,"proc_start":1,"endpoint":"ipc://x","sections":[]}\n' \
	"$$" >"$D/$$.json"
"$H" ls >"$TMP/o" 2>"$TMP/err"
check "stale: ls exits 0" [ $? -eq 0 ]
check "stale: ls says what it removed" has_line "$TMP/err" "hotpath: ls: removed 4 files left by programs that ended"
check "stale: and that none runs" has_line "$TMP/err" "hotpath: ls: no profiled program is running (none described in $D)"
check "stale: the folder is empty" eq "$(ls -A "$D" | wc -l | tr -d ' ')" 0

# ---- a folder hotpath must not use ---------------------------------------------
chmod 777 "$D"
"$top_builddir/examples/basic" >/dev/null 2>"$TMP/err"
check "mode 0777: the program says so once" eq "$(grep -c '^\[hotpath\] publish' "$TMP/err")" 1
check "mode 0777: the line" has_line "$TMP/err" "[hotpath] publish: $D has mode 0777, not 0700; running without publishing"
check "mode 0777: the program still reports" has_re "$TMP/err" 'Performance summary from basic::main'
"$H" ls >"$TMP/o" 2>"$TMP/err"
check "mode 0777: ls exits 1" [ $? -eq 1 ]
check "mode 0777: ls says why" has_line "$TMP/err" "hotpath: ls: $D has mode 0777, not 0700"
chmod 700 "$D"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$D"
	"$top_builddir/examples/basic" >/dev/null 2>"$TMP/err"
	check "someone else's folder: the line" has_line "$TMP/err" "[hotpath] publish: $D is owned by uid 65534, not by uid 0; running without publishing"
	"$H" ls >"$TMP/o" 2>"$TMP/err"
	check "someone else's folder: ls refuses it" has_line "$TMP/err" "hotpath: ls: $D is owned by uid 65534, not by uid 0"
	chown 0 "$D"
else
	echo "# someone else's folder: not root, cannot chown (skipped)"
fi
rmdir "$D"
ln -s "$TMP" "$D"
"$top_builddir/examples/basic" >/dev/null 2>"$TMP/err"
check "a link instead of a folder: refused" has_line "$TMP/err" "[hotpath] publish: $D is not a folder; running without publishing"
rm "$D"

# ---- TCP only when configured --------------------------------------------------
HOTPATH_PUB=tcp://127.0.0.1:0 HOTPATH_ON_SIGNAL=1 "$L" 60000 >/dev/null 2>"$TMP/tcp.err" &
pids=$!
check "a tcp endpoint: listed too" wait_listed 1
check "a tcp endpoint: as configured, queries by ipc" jqt "$TMP/ls.json" ".[0].endpoint == \"tcp://127.0.0.1:0\" and .[0].query == \"ipc://$D/$pids.query\""
finish
