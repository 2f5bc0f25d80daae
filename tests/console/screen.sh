#!/bin/sh
# SPDX-License-Identifier: MIT
# screen.sh - what the console shows beyond the basics of console.sh (issue
# 20's rough edges): every thread of a program with many (the wire carries
# all rows, not the report's top 5), and the count on the status line.
# The real console in a detached tmux session; keys with send-keys, the
# screen with capture-pane; every wait is a bounded polling loop.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/console/tmux.sh"
LIB="$top_builddir/.libs"
P="ipc://$TMP/pub"
Q="ipc://$TMP/query"
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; tmux_kill; rm -rf "$TMP"' EXIT

# a program of 12 worker threads that lives until killed (60 s at most)
cat >"$TMP/many.c" <<'EOC'
#define _GNU_SOURCE
#include <hotpath.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void step(void)
{
	HP_MEASURE();
	usleep(2000);
}
static void *worker(void *arg)
{
	char name[16];
	snprintf(name, sizeof(name), "worker-%02d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	for (int i = 0; i < 30000; i++)
		step();
	return NULL;
}
int main(void)
{
	HP_MAIN();
	pthread_t t[12];
	for (long i = 0; i < 12; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 12; i++)
		pthread_join(t[i], NULL);
	return 0;
}
EOC
${CC:-cc} -DHOTPATH -I"$top_srcdir/include" "$TMP/many.c" -o "$TMP/many" \
	-L"$LIB" -lhotpath -Wl,-rpath,"$LIB" -pthread ${SAN_CFLAGS:-}
check "the 12-thread program builds" [ $? -eq 0 ]
HOTPATH_PUB="$P" HOTPATH_QUERY="$Q" HOTPATH_PUBLISH_INTERVAL_MS=50 HOTPATH_FORMAT=none \
	"$TMP/many" >/dev/null 2>"$TMP/many.err" &
many=$!
pids="$pids $many"

# ---- every thread on the wire ----------------------------------------------------
# 12 workers, main, hotpath's and nng's threads: more than 15 rows, though
# the report at exit shows the top 5 (collectors.threads.limit)
i=0
while [ $i -lt 50 ]; do
	"$H" dump --topic threads --count 1 --timeout 4000 "$P" >"$TMP/threads.json" 2>/dev/null
	[ "$(jq '[.report.sections[0].rows[].name | select(startswith("worker-"))] | length' "$TMP/threads.json" 2>/dev/null)" = 12 ] && break
	sleep 0.1
	i=$((i + 1))
done
J="$TMP/threads.json"
check "wire: the twelve workers" jqt "$J" '[.report.sections[0].rows[].name | select(startswith("worker-"))] | length == 12'
check "wire: every thread's row (not the top 5)" jqt "$J" '.report.sections[0].rows | length >= 15'
check "wire: rows == total_rows" jqt "$J" '(.report.sections[0].rows | length) == .report.sections[0].total_rows'
check "wire: hotpath's own threads among them" jqt "$J" '[.report.sections[0].rows[].name] | index("hp-collector") != null and index("hp-watch") != null'

start thr 120 60 "$P"
check "console: the threads tab" wait_for thr '^ 1 Functions +2 Threads'
key thr 2
check "console: the status line counts every row" wait_for thr 'row 1/(1[5-9]|[2-9][0-9]) '
n=$(sed -n 's/.*row 1\/\([0-9]*\) .*/\1/p' "$SCREEN")
check "console: as many rows on screen as the status line says" \
	eq "$(sed -n '4,58p' "$SCREEN" | grep -cE '^ [^ ].* [0-9]+ +(Running|Sleeping|Blocked|Zombie|Stopped|Traced|Idle|Dead|Exited|Unknown)')" "$n"
check "console: the twelve workers on screen" eq "$(grep -cE '^ worker-[0-9]{2} ' "$SCREEN")" 12
key thr q
check "console: q quits" exited thr

# ---- sections before any hello (the program's name not known yet): the
# panels' messages name no empty program ("No channels in  yet") ----------
if command -v nngcat >/dev/null 2>&1; then
	nngcat --pub --listen "ipc://$TMP/nohello" --interval 1 --data 'functions {"type":"hotpath_section","schema":1,"topic":"functions","report":{"sections":[{"id":"functions","title":"Functions","columns":[{"key":"name","title":"Function","unit":"text"},{"key":"calls","title":"Calls","unit":"count"}],"rows":[{"name":"f","calls":3}]}]}}' >/dev/null 2>&1 &
	pids="$pids $!"
	ENVX="HOTPATH_SCRIPT_PATH=$top_srcdir/scripts" start nop 100 20 --panel channel_backlog --panel top_alloc "ipc://$TMP/nohello"
	check "no hello: the panel tabs" wait_for nop '^ 1 Functions +2 Channel backlog +3 Top allocators'
	key nop 2
	check "no hello: channel_backlog says 'this program'" \
		wait_for nop '^No channels in this program yet \(docs/channels\.md\)\.'
	check "no hello: never 'No channels in  yet'" [ "$(grep -c 'No channels in  yet' "$SCREEN")" = 0 ]
	key nop 3
	check "no hello: top_alloc says 'this program'" wait_for nop '^No allocation data from this program\.'
	key nop q
	check "no hello: q quits" exited nop
else
	not_ok "nngcat not found (nng-utils)"
fi

finish
