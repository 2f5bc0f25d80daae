#!/bin/sh
# SPDX-License-Identifier: MIT
# connections.sh - peers cannot take the profiled program's file
# descriptors: with 48 descriptors allowed and 40 subscribers dialing
# (one nngcat, bounded to 4 s, on ipc://), the program's own fopen still
# works when publish.max_connections caps them, and the refusals are said.
# The same run without a cap prints what it costs (fopen: 1 of 30 here).
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
finish
