#!/bin/sh
# SPDX-License-Identifier: MIT
# thirdparty.sh - the plugin shown in full in docs/plugins.md ("A
# third-party plugin in full") is taken from the page, compiled with only
# include/ on the include path, checked to be under 80 lines, and run: its
# option, histogram and filter work, and bad values are reported with
# their file:line:column.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
B="$top_builddir/examples/basic"

sed -n '/^## A third-party plugin in full$/,/^## /p' "$top_srcdir/docs/plugins.md" |
	sed -n '/^```c$/,/^```$/p' | sed '1d;$d' >"$TMP/tail.c"
check "the page has the plugin" has_line "$TMP/tail.c" "#include <hotpath/plugin.h>"
check "under 80 lines" [ "$(wc -l <"$TMP/tail.c")" -lt 80 ]
$CC -std=c11 -Wall -Wextra -Werror -shared -fPIC -I"$top_srcdir/include" \
	-o "$TMP/tail.so" "$TMP/tail.c" ${SAN_CFLAGS:-} 2>"$TMP/cc"
check "compiles with only include/, no warnings" [ $? -eq 0 ] && [ ! -s "$TMP/cc" ]

cat >"$TMP/hotpath.yaml" <<EOY
plugins:
  load: [$TMP/tail.so]
  options:
    tail: { percentile: 90, exclude: "*busy*, /^custom/" }
EOY
HOTPATH_CONFIG="$TMP/hotpath.yaml" HOTPATH_FORMAT=json "$B" 2>"$TMP/json"
S='.sections[] | select(.id == "tail")'
check "its section" jqt "$TMP/json" "[$S] | length == 1"
check "the filter: one function left" jqt "$TMP/json" \
	"[$S | .rows[].name] == [\"basic::sync_function\"]"
check "the histogram: every call" jqt "$TMP/json" "[$S | .rows[0].calls][0] == 100"
check "P90 between min and max" jqt "$TMP/json" \
	"([$S | .rows[0].tail][0]) as \$t | [.sections[] | select(.id == \"functions\") | .rows[] | select(.name == \"basic::sync_function\")][0] | (\$t >= .min and \$t <= .max)"

cat >"$TMP/bad.yaml" <<EOY
plugins:
  load: [$TMP/tail.so]
  options:
    tail: { percentile: 101, include: "/[/" }
EOY
HOTPATH_CONFIG="$TMP/bad.yaml" "$B" 2>"$TMP/err"
check "bad percentile: file:line:column, default" has_line "$TMP/err" \
	"[hotpath] $TMP/bad.yaml:4:25: plugins.options.tail.percentile: 101 is outside 1..100; using 99"
check "bad regex: file:line:column and index" has_re "$TMP/err" \
	"^\\[hotpath\\] $TMP/bad.yaml:4:39: plugins.options.tail.include\\[0\\]: bad regular expression /\\[/: .*; ignored\$"
check "an include list of bad items includes nothing" eq \
	"$(sed -n '/^Tail latency:$/,/^$/p' "$TMP/err" | grep -c '^| [a-z]')" 0

finish
