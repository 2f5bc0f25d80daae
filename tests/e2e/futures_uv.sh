#!/bin/sh
# SPDX-License-Identifier: MIT
# futures_uv.sh - examples/futures_uv: libuv work requests and timers show
# in the Futures table with exact counts; skipped when libuv was not found.
. "$top_srcdir/tests/e2e/lib.sh"
U="$top_builddir/examples/futures_uv"
[ -x "$U" ] || { echo "1..0 # SKIP libuv not found at configure time"; exit 77; }

HOTPATH_FORMAT=json "$U" 8 >"$TMP/out" 2>"$TMP/json"
check "exits 0" [ $? -eq 0 ]
check "the callbacks ran as written" has_re "$TMP/out" "^requests 8, timers fired 1, checksum [0-9]+$"
F='.sections[] | select(.id == "futures") | .rows[]'
check "8 work requests, each polled once, all ready" jqt "$TMP/json" \
	"[$F | select(.name == \"uv::hash\") | .calls == 8 and .ready == 8 and .polls == 8 and .pending == 0 and .ready_avg > 0][0]"
check "2 timers: one fired, one cancelled" jqt "$TMP/json" \
	"[$F | select(.name == \"uv::timer\") | .calls == 2 and .ready == 1 and .cancelled == 1 and .polls == 1][0]"
check "the log names both states" jqt "$TMP/json" \
	"[$F | select(.name == \"uv::timer\") | [.log[].state] | sort == [\"cancelled\", \"ready\"]][0]"

# Without -DHOTPATH: the plain libuv calls, the same output.
CC=${CC:-cc}
$CC -std=c11 -Wall -Wextra -pedantic -Werror -I"$top_srcdir/include" \
	$(pkg-config --cflags libuv) "$top_srcdir/examples/futures_uv.c" -o "$TMP/plain" \
	$(pkg-config --libs libuv) 2>"$TMP/e"
check "builds without -DHOTPATH, no warnings" [ $? -eq 0 ] && [ ! -s "$TMP/e" ]
"$TMP/plain" 8 >"$TMP/out2" 2>"$TMP/err2"
check "the plain build prints the same" eq "$(cat "$TMP/out2")" "$(cat "$TMP/out")"
check "and nothing on stderr" [ ! -s "$TMP/err2" ]

echo "1..$count"
[ "$fails" -eq 0 ] || { echo "# $fails of $count checks failed"; exit 1; }
