#!/bin/sh
# SPDX-License-Identifier: MIT
# recformat.sh - a binary built for another record format (its inlined
# writers would feed the collector records it cannot read) gets one
# [hotpath] line and runs unprofiled, through HP_MAIN and the builder; the
# same program built for this format is profiled.
. "$top_srcdir/tests/e2e/lib.sh"
B="$top_builddir/tests/e2e/recformat"
OK="$top_builddir/tests/e2e/recformat_ok"

"$B" >"$TMP/out" 2>"$TMP/err"
check "HP_MAIN: exits 0" [ $? -eq 0 ]
check "HP_MAIN: the program's output" eq "$(cat "$TMP/out")" "main 9900"
check "HP_MAIN: one line, naming both formats" eq "$(cat "$TMP/err")" \
	'[hotpath] "recformat::main" was built for hotpath record format 99, this libhotpath reads format 2: not profiled (rebuild it against this hotpath)'

"$B" builder >"$TMP/out" 2>"$TMP/err"
check "builder: exits 0, unprofiled" eq "$(cat "$TMP/out")" "builder 9900 unprofiled"
check "builder: one line" eq "$(cat "$TMP/err")" \
	'[hotpath] "builder" was built for hotpath record format 99, this libhotpath reads format 2: not profiled (rebuild it against this hotpath)'

HOTPATH_FORMAT=json "$OK" >"$TMP/out" 2>"$TMP/json"
check "this format: profiled" jqt "$TMP/json" \
	'[.sections[] | select(.id == "functions") | .rows[] | select(.name == "recformat::work") | .calls][0] == 100'
HOTPATH_FORMAT=json "$OK" builder >"$TMP/out" 2>"$TMP/json"
check "this format, builder: profiled" eq "$(cat "$TMP/out")" "builder 9900 profiled"

finish
