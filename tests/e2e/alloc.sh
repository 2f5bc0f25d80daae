#!/bin/sh
# SPDX-License-Identifier: MIT
# alloc.sh - examples/alloc's allocation sections as a user reads them:
# linked with libhotpath-alloc, and the same program unmodified under
# `hotpath run --alloc`; cumulative and self; the warnings; C++ new/delete.
. "$top_srcdir/tests/e2e/lib.sh"
L="$top_builddir/examples/alloc_linked"
P="$top_builddir/examples/alloc"
H="$top_builddir/hotpath"

# AddressSanitizer's malloc comes before any other: nothing to track then
if asan_build; then
	echo "1..0 # SKIP AddressSanitizer build: its malloc comes before hotpath's"
	exit 77
fi

A='.sections[] | select(.id == "alloc_bytes")'
C='.sections[] | select(.id == "alloc_count")'
# row FILE SECTION NAME KEY: one cell
row() { jq -r "$2 | .rows[] | select(.name == \"alloc::$3\") | .$4" "$1"; }

HOTPATH_FORMAT=json "$L" >"$TMP/out" 2>"$TMP/linked.json"
J="$TMP/linked.json"
check "linked: exits 0, its own stdout" eq "$(cat "$TMP/out")" "97 distinct words"
check "linked: cumulative mode" jqt "$J" "[$A | .meta[\"alloc.mode\"]] == [\"cumulative\"]"
check "make_line: 200 calls of 96 bytes" eq "$(row "$J" "$A" make_line calls) $(row "$J" "$A" make_line total) $(row "$J" "$A" make_line avg)" "200 19200 96"
check "make_line: all freed" eq "$(row "$J" "$A" make_line live)" 0
check "add_word: 97 new words, 2 blocks each" eq "$(row "$J" "$C" add_word total)" 194
check "index_line: callees included" eq "$(row "$J" "$C" index_line total)" 410
check "index_line: 16 cached lines live" eq "$(row "$J" "$C" index_line live) $(row "$J" "$A" index_line live)" "16 960"
check "threads: allocated, freed, difference" jqt "$J" \
	'[.sections[] | select(.id == "threads") | .rows[] | select(.hotpath != "yes") | .alloc_bytes - .freed_bytes == .alloc_diff and .alloc_bytes > 0] == [true]'

HOTPATH_FORMAT=json "$H" run --alloc -- "$P" >"$TMP/out" 2>"$TMP/run.json"
R="$TMP/run.json"
check "run --alloc: exits 0, its own stdout" eq "$(cat "$TMP/out")" "97 distinct words"
FIG='[.sections[] | select(.id | startswith("alloc_")) | .rows[] | [.name, .calls, .total, .live]]'
check "run --alloc: 8 rows" eq "$(jq "$FIG | length" "$R")" 8
check "run --alloc: the same figures" eq "$(jq -c "$FIG" "$R")" "$(jq -c "$FIG" "$J")"

HOTPATH_FORMAT=json "$H" run --alloc --self -- "$P" >/dev/null 2>"$TMP/self.json"
S="$TMP/self.json"
check "self: mode" jqt "$S" "[$A | .meta[\"alloc.mode\"]] == [\"self\"]"
check "self: index_line without add_word" eq "$(row "$S" "$C" index_line total) $(row "$S" "$C" add_word total)" "216 194"

HOTPATH_ALLOC=0 HOTPATH_FORMAT=json "$L" >/dev/null 2>"$TMP/off.json"
check "HOTPATH_ALLOC=0: no allocation sections" jqt "$TMP/off.json" '[.sections[].id] | index("alloc_bytes") == null'

HOTPATH_ALLOC=1 "$P" >/dev/null 2>"$TMP/err"
check "HOTPATH_ALLOC=1 without the library: one warning" eq "$(grep -c '^\[hotpath\]' "$TMP/err" | head -1)" 2
check "the warning says what to do" has_line "$TMP/err" \
	"[hotpath] collectors.alloc: libhotpath-alloc is not loaded (link with -lhotpath-alloc, or run under \`hotpath run --alloc\`); allocations are not tracked"

"$H" run --alloc >/dev/null 2>"$TMP/err"
check "run without a program: usage" eq "$?" 2
"$H" run -- "$TMP/nothing" 2>"$TMP/err"
check "run: a missing program is 127" eq "$?" 127

# C++: new and delete arrive through libstdc++'s operator new
if command -v "${CXX:-g++}" >/dev/null; then
	cat >"$TMP/cxx.cpp" <<'CXX'
#include <hotpath.h>
#include <vector>
static int *make(void) { HP_MEASURE(); std::vector<int> v(100); return new int[10]; }
int main() { HP_MAIN(); int *p = make(); delete[] p; return 0; }
CXX
	"${CXX:-g++}" -DHOTPATH -I"$top_srcdir/include" "$TMP/cxx.cpp" -o "$TMP/cxx" \
		-L"$top_builddir/.libs" -lhotpath -Wl,-rpath,"$(cd "$top_builddir" && pwd)/.libs"
	HOTPATH_FORMAT=json "$H" run --alloc -- "$TMP/cxx" 2>"$TMP/cxx.json"
	check "C++: vector and new[] counted, delete[] seen" eq \
		"$(jq -c '[.sections[] | select(.id == "alloc_bytes") | .rows[] | [.name, .total, .live]]' "$TMP/cxx.json")" \
		'[["cxx::make",440,0]]'
fi
finish
