#!/bin/sh
# SPDX-License-Identifier: MIT
# ending.sh - how a run ends: SIGINT and SIGTERM write the report by default
# (report.on_signal) and the program still dies of the signal, with the
# status a shell expects (128 + n); HP_MEASURE without a guard says so at
# exit instead of printing nothing.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
LIB="$top_builddir/.libs"

cat >"$TMP/sleeper.c" <<'EOC'
#include <hotpath.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void own(int sig) { got = sig; }
static void tick(void)
{
	HP_MEASURE();
	usleep(1000);
}
int main(int argc, char **argv)
{
	/* "own": the program handles SIGTERM itself, before the guard */
	if (argc > 2 && strcmp(argv[2], "own") == 0)
		signal(SIGTERM, own);
	HP_MAIN();
	for (int i = 0; i < 3; i++)
		tick();
	FILE *f = fopen(argv[1], "w"); /* ready: the guard is up */
	if (f)
		fclose(f);
	for (int i = 0; i < 20000 && !got; i++) /* at most 20 s */
		usleep(1000);
	return got ? 3 : 0;
}
EOC
$CC -DHOTPATH -I"$top_srcdir/include" "$TMP/sleeper.c" -o "$TMP/sleeper" \
	-L"$LIB" -lhotpath -Wl,-rpath,"$LIB" ${SAN_CFLAGS:-}
check "the sleeper builds" [ $? -eq 0 ]

# signal_run SIG [ARGS...]: starts the sleeper with the signal at its
# default disposition (a non-interactive shell ignores SIGINT in background
# jobs), sends SIG once it is ready; exit status in $rc, stderr in $TMP/err.
signal_run() {
	sig=$1
	shift
	rm -f "$TMP/ready"
	env --default-signal=INT,TERM "$TMP/sleeper" "$TMP/ready" "$@" 2>"$TMP/err" &
	pid=$!
	i=0
	while [ ! -e "$TMP/ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
}

signal_run INT
check "SIGINT: exit status 130 (128 + SIGINT)" eq "$rc" 130
check "SIGINT: the report is written" has_re "$TMP/err" '^\[hotpath\] Performance summary from sleeper::main'
check "SIGINT: with the measured function" has_re "$TMP/err" '^\| sleeper::tick +\| 3 +\|'

signal_run TERM
check "SIGTERM: exit status 143 (128 + SIGTERM)" eq "$rc" 143
check "SIGTERM: the report is written" has_re "$TMP/err" '^\| sleeper::tick +\| 3 +\|'

HOTPATH_ON_SIGNAL=0 signal_run TERM
check "on_signal off: exit status 143" eq "$rc" 143
check "on_signal off: no report" [ ! -s "$TMP/err" ]

# a program that handles SIGTERM itself keeps its handler: it ends as it
# chooses (3 here) and the report comes at exit
signal_run TERM own
check "own handler: the program's exit status" eq "$rc" 3
check "own handler: the report at exit" has_re "$TMP/err" '^\| sleeper::tick +\| 3 +\|'
check "own handler: no warning about it" eq "$(grep -c 'already has a handler' "$TMP/err")" 0

# HP_MEASURE without a guard: one line at exit, and stdout untouched
cat >"$TMP/noguard.c" <<'EOC'
#include <hotpath.h>
#include <stdio.h>
static int twice(int x)
{
	HP_MEASURE();
	return 2 * x;
}
static int thrice(int x)
{
	HP_MEASURE_NAMED("thrice");
	return 3 * x;
}
int main(int argc, char **argv)
{
	int s = 0;
	(void)argv;
	for (int i = 0; i < 10; i++)
		s += twice(i) + (argc > 1 ? thrice(i) : 0);
	printf("%d\n", s);
	return 0;
}
EOC
$CC -DHOTPATH -I"$top_srcdir/include" "$TMP/noguard.c" -o "$TMP/noguard" \
	-L"$LIB" -lhotpath -Wl,-rpath,"$LIB" ${SAN_CFLAGS:-}
check "the guard-less program builds" [ $? -eq 0 ]
"$TMP/noguard" >"$TMP/out" 2>"$TMP/err"
check "no guard: exits 0" eq "$?" 0
check "no guard: stdout is the program's" eq "$(cat "$TMP/out")" 90
check "no guard: one line on stderr" eq "$(wc -l <"$TMP/err")" 1
check "no guard: the line says so" has_line "$TMP/err" \
	"[hotpath] 1 measured site ran (first: noguard::twice) but no guard reported it: add HP_MAIN() at the top of main(), or build a guard with hp_guard_builder_new()"
"$TMP/noguard" x >"$TMP/out" 2>"$TMP/err"
check "no guard, two sites: the count" has_line "$TMP/err" \
	"[hotpath] 2 measured sites ran (first: noguard::twice) but no guard reported them: add HP_MAIN() at the top of main(), or build a guard with hp_guard_builder_new()"

# the same sites with a guard: no such line
sed 's/int s = 0;/HP_MAIN(.format = HP_FORMAT_JSON); int s = 0;/' "$TMP/noguard.c" >"$TMP/guarded.c"
$CC -DHOTPATH -I"$top_srcdir/include" "$TMP/guarded.c" -o "$TMP/guarded" \
	-L"$LIB" -lhotpath -Wl,-rpath,"$LIB" ${SAN_CFLAGS:-}
"$TMP/guarded" >"$TMP/out" 2>"$TMP/err"
check "with a guard: no 'no guard' line" eq "$(grep -c 'no guard reported' "$TMP/err")" 0

finish
