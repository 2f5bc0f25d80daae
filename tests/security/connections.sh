#!/bin/sh
# SPDX-License-Identifier: MIT
# connections.sh - peers cannot take the profiled program's file
# descriptors: with 48 descriptors allowed and 40 subscribers dialing
# (one nngcat, bounded to 4 s, on ipc://), the program's own fopen still
# works when publish.max_connections caps them, and the refusals are said.
# The same run without a cap prints what it costs (fopen: 1 of 30 here).
# Then 40 raw TCP connections that never send the SP handshake (no pipes,
# so the cap cannot count them; nng keeps each 10 s): past three quarters
# of the descriptors the program closes its listeners and listens again,
# which frees them, and says so once.
. "$top_srcdir/tests/e2e/lib.sh"
command -v nngcat >/dev/null || { echo "# SKIP: no nngcat (nng-utils)"; exit 77; }
P="$top_builddir/tests/security/subject"
D=""
for i in $(seq 1 40); do D="$D --dial ipc://$TMP/pub"; done

# run MAX: the subject publishing for 3 s with MAX connections per endpoint
run() {
	rm -f "$TMP/pub"
	(ulimit -n 48
	 HOTPATH_PUB="ipc://$TMP/pub" HOTPATH_QUERY=off HOTPATH_PUBLISH_MAX_CONNECTIONS=$1 \
		timeout 30 "$P" 3000 30 >/dev/null 2>"$TMP/err") &
	i=0
	while [ ! -S "$TMP/pub" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	# shellcheck disable=SC2086
	timeout 4 nngcat --sub $D --subscribe zzz --count 1 >/dev/null 2>&1
	wait
}

run 4
check "capped: the program's 30 fopen calls all work" has_line "$TMP/err" "fopen: 30 of 30"
check "capped: the refusals are said in one line" has_re "$TMP/err" \
	'^\[hotpath\] publish: [0-9]+ connections refused past publish.max_connections \(4 per endpoint\)$'
check "capped: the report is whole" has_re "$TMP/err" '^\| subject::subject_work +\|'
# for the record (not a check: how fast peers connect is the machine's):
run 1000
echo "# not capped: $(grep '^fopen:' "$TMP/err")"

command -v bash >/dev/null || { echo "# SKIP: raw connections need bash (/dev/tcp)"; finish; }
# a port nothing listens on (bash's /dev/tcp is refused there)
port=$((20000 + $$ % 20000))
while bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; do port=$((port + 1)); done
(ulimit -n 48
 HOTPATH_PUB="tcp://127.0.0.1:$port" HOTPATH_QUERY=off \
	timeout 30 "$P" 4000 30 >/dev/null 2>"$TMP/err") &
subject=$!
i=0
until bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || [ $i -ge 50 ]; do
	sleep 0.1; i=$((i + 1))
done
# 40 connections held for 6 s, saying nothing
timeout 10 bash -c "for i in \$(seq 1 40); do exec {fd}<>/dev/tcp/127.0.0.1/$port || break; done; sleep 6" \
	2>/dev/null &
raw=$!
wait "$subject"
kill "$raw" 2>/dev/null
wait "$raw" 2>/dev/null
check "raw connections: the program's 30 fopen calls all work" has_line "$TMP/err" "fopen: 30 of 30"
check "raw connections: the listeners' restart is said once" eq \
	"$(grep -cE '^\[hotpath\] publish: [0-9]+ of 48 file descriptors open: closing the connections to publish.endpoint and publish.query \(those that never finished their handshake too\) so that the program keeps its own$' "$TMP/err")" 1
check "raw connections: the report is whole" has_re "$TMP/err" '^\| subject::subject_work +\|'
finish
