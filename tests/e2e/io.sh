#!/bin/sh
# SPDX-License-Identifier: MIT
# io.sh - examples/io's I/O sections as a user reads them: linked with
# libhotpath-io, and the same program unmodified under `hotpath run --io`;
# exact calls and bytes to files, pipes and sockets on 4 threads, the
# files and peers, the errors, stdout kept, and the warnings.
. "$top_srcdir/tests/e2e/lib.sh"
L="$top_builddir/examples/io_linked"
P="$top_builddir/examples/io"
H="$top_builddir/hotpath"

# FIG FILE: [function, descriptor, calls, read, written, errors] per row
FIG='[.sections[] | select(.id == "io") | .rows[] | [.name, .kind, .calls, .read, .written, .errors]] | sort'
export TMPDIR="$TMP"

HOTPATH_FORMAT=json "$L" 4 1000 >"$TMP/out" 2>"$TMP/linked.json"
J="$TMP/linked.json"
check "linked: exits 0, its own stdout" eq "$(cat "$TMP/out")" "io: 4 threads, 1000 calls each"
check "linked: every function on its kind of descriptor, exact" eq "$(jq -c "$FIG" "$J")" \
	'[["(no function)","file",1,0,31,0],["io::bad_read","other",4,0,0,4],["io::over_socket","socket",8000,256000,256000,0],["io::through_pipe","pipe",8000,400000,400000,0],["io::to_file","file",4000,0,4000000,0]]'
check "files: the four files, 1000000 bytes each" eq \
	"$(jq -c '[.sections[] | select(.id == "io_files") | .rows[] | select(.kind == "file" and (.name | test("io-example"))) | .written] ' "$J")" \
	'[1000000,1000000,1000000,1000000]'
check "files: 18 files and peers (4 files, 4 pipes, 8 socket ends, stdout, the bad one), the top 10 shown" eq \
	"$(jq -c '[.sections[] | select(.id == "io_files") | (.meta["io.files"], (.rows | length))]' "$J")" '["18",10]'
check "errors: EBADF from read in io::bad_read" eq \
	"$(jq -c '[.sections[] | select(.id == "io_errors") | .rows[] | [.name, .call, .error, .count]]' "$J")" \
	'[["io::bad_read","read","EBADF",4]]'
check "latency: percentiles and total in ns" jqt "$J" \
	'[.sections[] | select(.id == "io") | .rows[] | select(.name == "io::to_file") | .p95 > 0 and .total >= .avg * .calls - .calls] == [true]'

# (not in an AddressSanitizer build: its runtime must come first)
if asan_build; then
	echo "# run --io: skipped, AddressSanitizer build (the preload needs its runtime first)"
else
	HOTPATH_FORMAT=json HOTPATH_COLLECTORS_IO_TOP=2 "$H" run --io -- "$P" 4 1000 >"$TMP/out" 2>"$TMP/run.json"
	R="$TMP/run.json"
	check "run --io: exits 0, its own stdout" eq "$(cat "$TMP/out")" "io: 4 threads, 1000 calls each"
	check "run --io: the same figures" eq "$(jq -c "$FIG" "$R")" "$(jq -c "$FIG" "$J")"
	check "run --io: collectors.io.top 2" eq "$(jq '[.sections[] | select(.id == "io_files") | .rows | length] | .[0]' "$R")" 2
fi

HOTPATH_FORMAT=table "$L" 1 10 >/dev/null 2>"$TMP/table"
check "table: I/O, by file or peer, errors" eq "$(grep -cE '^(I/O:|I/O by file or peer:|I/O errors:)$' "$TMP/table")" 3
check "table: the pipe row" has_re "$TMP/table" '^\| io::through_pipe +\| pipe +\| 20 +\| 1000B +\| 1000B +\|'

HOTPATH_IO=0 HOTPATH_FORMAT=json "$L" 1 10 >/dev/null 2>"$TMP/off.json"
check "HOTPATH_IO=0: no I/O sections" jqt "$TMP/off.json" '[.sections[].id | select(startswith("io"))] == []'

HOTPATH_IO=1 "$P" 1 10 >/dev/null 2>"$TMP/err"
check "the warning says what to do" has_line "$TMP/err" \
	"[hotpath] collectors.io: libhotpath-io is not loaded (link with -lhotpath-io, or run under \`hotpath run --io\`); I/O is not tracked"

HOTPATH_IO_LIB="$TMP/none.so" "$H" run --io -- "$P" 1 1 >/dev/null 2>"$TMP/err"
check "run --io without the library: exit 1" eq "$?" 1
check "run --io without the library: says which" has_line "$TMP/err" \
	"hotpath: run: libhotpath-io.so.0 not found (set HOTPATH_IO_LIB to its path)"
finish
