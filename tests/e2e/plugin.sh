#!/bin/sh
# SPDX-License-Identifier: MIT
# plugin.sh - the external example plugin (examples/plugin/slowest.c) is
# dlopen'ed from plugins.load and its section shows in the table and JSON.
. "$top_srcdir/tests/e2e/lib.sh"
B="$top_builddir/examples/basic"
cat >"$TMP/hotpath.yaml" <<EOY
plugins:
  path: [$top_builddir/examples/plugin/.libs]
  load: [slowest]
  options:
    slowest: { count: 5 }
EOY
export HOTPATH_CONFIG="$TMP/hotpath.yaml"

"$B" 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
check "no warning" eq "$(grep -c '^\[hotpath\] [^P]' "$TMP/err")" 0
check "the plugin's table has its title" has_line "$TMP/err" "Slowest single calls:"
check "its columns" has_re "$TMP/err" '^\| Function +\| Duration +\| Thread +\| At +\|$'
check "the timing table is still first" eq "$(grep -m1 -oE 'Function +\| Calls' "$TMP/err" | wc -l)" 1
check "five rows (options.slowest.count)" eq "$(sed -n '/^Slowest single calls:$/,$p' "$TMP/err" | grep -c '^| [a-z]')" 5

HOTPATH_FORMAT=json "$B" 2>"$TMP/json"
J="$TMP/json"
S='.sections[] | select(.id == "slowest")'
check "json: slowest section" jqt "$J" "[$S] | length == 1"
check "json: five rows" jqt "$J" "[$S | .rows[]] | length == 5"
check "json: slowest first" jqt "$J" "[$S | .rows[].duration] == ([$S | .rows[].duration] | sort | reverse)"
check "json: the slowest call is the biggest max" jqt "$J" \
	"[$S | .rows[0].duration][0] == ([.sections[] | select(.id == \"functions\") | .rows[].max] | max)"
check "json: it saw every call" jqt "$J" "[$S | .meta.calls_seen][0] == \"300\""
check "json: rows name real functions" jqt "$J" \
	"all($S | .rows[]; .function == \"basic::sync_function\" or .function == \"custom_block\" or .function == \"basic::busy_function\")"

# Its options are rows in slowest.c: a bad value is one line with the
# file:line:column, the default is used, and a variable beats the file.
cat >"$TMP/bad.yaml" <<EOY
plugins:
  path: [$top_builddir/examples/plugin/.libs]
  load: [slowest]
  options:
    slowest: { count: lots, min_ns: 0, cuont: 4 }
EOY
HOTPATH_CONFIG="$TMP/bad.yaml" "$B" 2>"$TMP/bad"
check "bad option: exits 0" [ $? -eq 0 ]
check "bad option: its file:line:column and the default" has_line "$TMP/bad" \
	"[hotpath] $TMP/bad.yaml:5:23: plugins.options.slowest.count: expected an integer in 1..100000, got \"lots\"; using 10"
check "unknown option: the key's file:line:column" has_line "$TMP/bad" \
	"[hotpath] $TMP/bad.yaml:5:40: plugins.options.slowest.cuont: unknown key, ignored"
check "bad option: two warnings" eq "$(grep -c '^\[hotpath\] [^P]' "$TMP/bad")" 2
check "bad option: ten rows (the default)" \
	eq "$(sed -n '/^Slowest single calls:$/,$p' "$TMP/bad" | grep -c '^| [a-z]')" 10
HOTPATH_CONFIG="$TMP/bad.yaml" HOTPATH_PLUGINS_OPTIONS_SLOWEST_COUNT=3 "$B" 2>"$TMP/env"
check "variable: the file's warnings still, no other" eq "$(grep -c '^\[hotpath\] [^P]' "$TMP/env")" 2
check "variable: three rows" eq "$(sed -n '/^Slowest single calls:$/,$p' "$TMP/env" | grep -c '^| [a-z]')" 3

finish
