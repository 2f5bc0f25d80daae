#!/bin/sh
# SPDX-License-Identifier: MIT
# channels.sh - examples/pipeline: the Channels table counts every message
# of both stages, the raw channel's log holds the formatter's text, and the
# same source built without -DHOTPATH is a plain channel program with the
# same output (C and C++, -Wall -Wextra -pedantic).
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
CXX=${CXX:-c++}
P="$top_builddir/examples/pipeline"

HOTPATH_FORMAT=json "$P" 5000 >"$TMP/out" 2>"$TMP/json"
check "exits 0" [ $? -eq 0 ]
check "stdout is the program's own" eq "$(cat "$TMP/out")" "sum 24995000"
C='.sections[] | select(.id == "channels") | .rows[]'
check "raw: 10000 sent and received, closed, nothing queued" jqt "$TMP/json" \
	"[$C | select(.name == \"pipeline::raw\") | .sent == 10000 and .received == 10000 and .queued == 0 and .state == \"closed\" and .capacity == 16 and .type == \"bounded\"][0]"
check "parsed: 10000 and a delay" jqt "$TMP/json" \
	"[$C | select(.name == \"pipeline::parsed\") | .sent == 10000 and .received == 10000 and .delay_avg > 0][0]"
check "result: a oneshot of one message" jqt "$TMP/json" \
	"[$C | select(.name == \"pipeline::result\") | .type == \"oneshot\" and .sent == 1 and .received == 1][0]"
check "raw's log: the last 50, with the formatter's text" jqt "$TMP/json" \
	"[$C | select(.name == \"pipeline::raw\") | (.log | length) == 50 and .log[0].seq <= 10000 and ([.log[].message | test(\"^p[01]:[0-9]+\$\")] | all)][0]"

HOTPATH_FORMAT=table "$P" 100 >/dev/null 2>"$TMP/table"
check "the table has a Channels section" has_line "$TMP/table" "Channels:"

$CC -std=c11 -Wall -Wextra -pedantic -Werror -I"$top_srcdir/include" \
	"$top_srcdir/examples/pipeline.c" -o "$TMP/plain" -lpthread 2>"$TMP/e"
check "builds without -DHOTPATH and without libhotpath" [ $? -eq 0 ] && [ ! -s "$TMP/e" ]
"$TMP/plain" 5000 >"$TMP/out" 2>"$TMP/err"
check "the plain build prints the same" eq "$(cat "$TMP/out")" "sum 24995000"
check "and nothing on stderr" [ ! -s "$TMP/err" ]
check "and has no hp__ reference" eq "$(nm "$TMP/plain" | grep -c ' U hp_')" 0

cat >"$TMP/use.cc" <<'EOC'
#include <hotpath.h>
int main()
{
	hp_chan *c = hp_chan_new(HP_CHAN_BOUNDED, sizeof(int), 1, "cxx");
	int v = 7, w = 0;
	if (hp_chan_try_send(c, &v) != 0 || hp_chan_try_send(c, &v) != HP_EFULL)
		return 1;
	hp_chan_close(c);
	if (hp_chan_recv(c, &w) != 0 || w != 7 || hp_chan_recv(c, &w) != HP_ECLOSED)
		return 1;
	hp_chan_free(c);
	return 0;
}
EOC
for def in "" -DHOTPATH; do
	$CXX -std=c++11 -Wall -Wextra -pedantic -Werror $def -I"$top_srcdir/include" \
		-c "$TMP/use.cc" -o "$TMP/use.o" 2>"$TMP/e"
	check "C++11 ${def:-disabled}: hp_chan compiles without warnings" [ $? -eq 0 ] && [ ! -s "$TMP/e" ]
done
$CXX -std=c++11 -I"$top_srcdir/include" "$TMP/use.cc" -o "$TMP/usecxx" -lpthread && "$TMP/usecxx"
check "C++ plain channel: try_send full, close, drain" [ $? -eq 0 ]

# The probes and the IPC adapters, statements included, in every mode.
cat >"$TMP/probes.c" <<'EOC'
#define _POSIX_C_SOURCE 200809L
#include <hotpath/ipc.h>
int main(void)
{
	hp_channel_probe p = HP_CHANNEL_PROBE_INITIALIZER("x", HP_CHAN_UNBOUNDED, 0, NULL);
	hp_future_probe fp = HP_FUTURE_PROBE_INITIALIZER(NULL, NULL);
	hp_stream_probe sp = HP_STREAM_PROBE_INITIALIZER(NULL, NULL);
	hp_future f = hp_future_begin(&fp);
	uint64_t t = hp_future_poll_begin(&f);
	char b[8];
	size_t n;
	hp_channel_sent(&p, NULL, 1);
	hp_channel_received(&p, 1, 0);
	hp_channel_received_fifo(&p, 1);
	hp_channel_closed(&p);
	hp_msg_write(&p, 1, "a", 1);
	hp_msg_read(&p, 0, b, sizeof(b), &n);
	hp_future_poll_end(&f, t);
	hp_future_ready(&f, NULL);
	hp_future_cancelled(&f);
	hp_stream_yield(&sp, NULL);
	hp_stream_closed(&sp);
	return 0;
}
EOC
cp "$TMP/probes.c" "$TMP/probes.cc"
for std in c99 c11; do
	for def in "" -DHOTPATH; do
		$CC -std=$std -Wall -Wextra -pedantic -Werror $def -I"$top_srcdir/include" \
			-c "$TMP/probes.c" -o "$TMP/p.o" 2>"$TMP/e"
		check "$std ${def:-disabled}: probes and ipc.h without warnings" [ $? -eq 0 ] && [ ! -s "$TMP/e" ]
	done
done
for def in "" -DHOTPATH; do
	$CXX -std=c++11 -Wall -Wextra -pedantic -Werror $def -I"$top_srcdir/include" \
		-c "$TMP/probes.cc" -o "$TMP/p.o" 2>"$TMP/e"
	check "C++11 ${def:-disabled}: probes and ipc.h without warnings" [ $? -eq 0 ] && [ ! -s "$TMP/e" ]
done

echo "1..$count"
[ "$fails" -eq 0 ] || { echo "# $fails of $count checks failed"; exit 1; }
