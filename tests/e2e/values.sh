#!/bin/sh
# SPDX-License-Identifier: MIT
# values.sh - examples/values as a user runs it: the gauges end where the
# program leaves them, every value and debug message is counted, the
# debug messages are formatted on the collector (exact text), the row logs
# keep the last collectors.values.debug messages, and the table has the
# Debug section; stdout stays the program's own.
. "$top_srcdir/tests/e2e/lib.sh"
V="$top_builddir/examples/values"
cd "$TMP" || exit 1

HOTPATH_FORMAT=json "$V" 2000 >out 2>json
check "exits 0" [ $? -eq 0 ]
check "stdout is the program's own" eq "$(cat out)" "231000"
G='.sections[] | select(.id == "gauges") | .rows[]'
D='.sections[] | select(.id == "debug") | .rows[]'
check "queue_depth ends at 0" jqt json "[$G | select(.name == \"queue_depth\") | .last][0] == 0"
check "busy_consumers ends at 0" jqt json "[$G | select(.name == \"busy_consumers\") | .last][0] == 0"
check "item_bytes: 2000 values" jqt json \
	'[.sections[] | select(.id == "values") | .rows[] | select(.name == "item_bytes") | .updates][0] == 2000'
# the location is __FILE__ as the compiler saw it: a VPATH build has ../examples/values.c
check "two HP_DBG calls, in line order" jqt json \
	"[$D | .name | test(\"(^|/)examples/values\\\\.c:(45|80)\$\")] == [true, true] and [$D | .name | endswith(\":45\")] == [true, false]"
check "the consumers' message counted 2000 times" jqt json "[$D | .count] == [2000, 1]"
check "the last message, formatted" jqt json "[$D | .last][1] == \"done: 2000 items, sum 231000\""
check "50 messages kept by default" jqt json "[$D | .log | length] == [50, 1]"
check "each kept message reads 'took N bytes, M left'" jqt json \
	"[[$D][0] | .log[] | .message | test(\"^took [0-9]+ bytes, [0-9]+ left\$\")] | all"
check "a message's thread is a consumer's, not main's" jqt json \
	"[$D | .log[0].tid] | .[0] != .[1]"

HOTPATH_COLLECTORS_VALUES_DEBUG=3 "$V" 100 >out 2>table
check "table: the Debug section" eq "$(grep -c '^Debug:' table)" 1
check "table: the last message" eq "$(grep -c '| done: 100 items, sum 11550 |' table)" 1
HOTPATH_COLLECTORS_VALUES_DEBUG=3 HOTPATH_FORMAT=json "$V" 100 >out 2>json3
check "collectors.values.debug: 3 kept" jqt json3 "[$D | .log | length] == [3, 1]"

finish
