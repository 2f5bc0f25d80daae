#!/bin/sh
# SPDX-License-Identifier: MIT
# report.sh - `hotpath report`: a saved report rendered again.  JSON comes
# back byte for byte (reports of examples/basic, with and without a limit,
# with a plugin's section); the table of a fixed report line for line; bad
# files are named with what is wrong, and exit 2.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
B="$top_builddir/examples/basic"
F="$top_srcdir/tests/console/fixtures"

run() {
	"$H" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# ---- round trip: the program's own JSON, rendered again, is the same
HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/r.json" "$B"
run report --format json "$TMP/r.json"
check "json round trip: exits 0" eq "$rc" 0
check "json round trip: byte for byte" cmp -s "$TMP/out" "$TMP/r.json"
check "json round trip: nothing on stderr" [ ! -s "$TMP/err" ]

HOTPATH_FORMAT=json-pretty HOTPATH_OUTPUT="$TMP/p.json" "$B"
run report --format json-pretty "$TMP/p.json"
check "json-pretty round trip: byte for byte" cmp -s "$TMP/out" "$TMP/p.json"
run report --format json "$TMP/p.json"
check "json-pretty read, json written: same document" jqt "$TMP/out" "(. == $(cat "$TMP/p.json"))"

HOTPATH_FORMAT=json HOTPATH_LIMIT=1 HOTPATH_OUTPUT="$TMP/l.json" "$B"
run report --format json "$TMP/l.json"
check "limited report (total_rows 3, 1 row): byte for byte" cmp -s "$TMP/out" "$TMP/l.json"
run report "$TMP/l.json"
check "limited report: the table says what the limit hid" has_line "$TMP/out" "(1 of 3 rows; report.limit: 0 shows all)"

cat >"$TMP/plugin.yaml" <<EOY
plugins:
  path: [$top_builddir/examples/plugin/.libs]
  load: [slowest]
report:
  percentiles: [0, 50, 99.9]
EOY
HOTPATH_CONFIG="$TMP/plugin.yaml" HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/s.json" "$B"
check "plugin report has its section" jqt "$TMP/s.json" 'any(.sections[]; .id == "slowest")'
run report -f json "$TMP/s.json"
check "plugin section and percentiles 0,50,99.9: byte for byte" cmp -s "$TMP/out" "$TMP/s.json"

# ---- a plugin's own log columns (the channels plugin's): their titles and
# units are in the section's "log_columns", so a saved report read back
# has them (the Lua reporter reads the loaded report), and writes them again
HOTPATH_CONFIG=/dev/null HOTPATH_FORMAT=json HOTPATH_OUTPUT="$TMP/c.json" \
	"$top_builddir/examples/pipeline" 200 >/dev/null 2>&1
check "channels: log_columns in the saved report" eq \
	"$(jq -c '.sections[] | select(.id == "channels") | .log_columns' "$TMP/c.json")" \
	'[{"key":"seq","title":"Seq","unit":"count"},{"key":"time","title":"Time","unit":"ns"},{"key":"tid","title":"Thread","unit":"count"},{"key":"bytes","title":"Bytes","unit":"bytes"},{"key":"delay","title":"Delay","unit":"ns"},{"key":"message","title":"Message","unit":"text"}]'
run report -f json "$TMP/c.json"
check "channels: byte for byte" cmp -s "$TMP/out" "$TMP/c.json"
cat >"$TMP/logcols.lua" <<'EOL'
return function(report)
	for _, s in ipairs(report.sections) do
		for _, c in ipairs(s.log_columns or {}) do
			print(s.id .. " " .. c.key .. " " .. c.title .. " " .. c.unit)
		end
	end
end
EOL
run report -s "$TMP/logcols.lua" "$TMP/c.json"
check "channels: the loaded report's log columns, from the metadata" eq "$(cat "$TMP/out")" \
"channels seq Seq count
channels time Time ns
channels tid Thread count
channels bytes Bytes bytes
channels delay Delay ns
channels message Message text"
# a report written before "log_columns": titled by key (the timing
# plugin's keys by their titles), unit by value, as it always was
jq -c 'del(.sections[].log_columns)' "$TMP/c.json" >"$TMP/old.json"
run report -s "$TMP/logcols.lua" "$TMP/old.json"
check "without log_columns: loads, keys as titles" eq "$rc $(grep -c '' "$TMP/out")" "0 6"
check "without log_columns: the timing plugin's titles, counts" eq \
	"$(grep -E ' (time|tid|bytes) ' "$TMP/out" | tr '\n' '|')" \
	"channels time Time ns|channels tid Thread count|channels bytes bytes count|"

# ---- the table of a fixed report
run report "$F/base.json"
T="$TMP/out"
check "table: exits 0" eq "$rc" 0
check "table: summary line" has_line "$T" "[hotpath] Performance summary from bench::main (Total time: 2.00ms):"
check "table: columns of table.columns" has_line "$T" "| Function | Calls | Avg      | P99      | Total    | % Total |"
check "table: parse" has_line "$T" "| parse    | 1000  | 1.00µs   | 2.00µs   | 1.00ms   | 50.00%  |"
check "table: tiny" has_line "$T" "| tiny     | 1000  | 10ns     | 20ns     | 10.00µs  | 0.50%   |"
check "table: second section under its title" has_line "$T" "Allocations:"
check "table: bytes" has_line "$T" "| io    | 5           | 64.00KiB |"
check "table: 19 lines" eq "$(wc -l <"$T")" 19

run report --limit 2 "$F/base.json"
check "--limit 2: two rows per section" eq "$(grep -c '^| [a-z]' "$TMP/out")" 4
check "--limit 2: says what it hid" has_line "$TMP/out" "(2 of 6 rows; report.limit: 0 shows all)"

run report --format json --limit 1 "$F/base.json"
check "--limit with json: one row, total_rows kept" jqt "$TMP/out" '[.sections[] | (.rows | length), .total_rows] == [1, 6, 1, 2]'

run report "$F/cut.json"
check "cut file: its limit by default" has_line "$TMP/out" "(2 of 6 rows; report.limit: 0 shows all)"
check "cut file: no note without --limit" [ ! -s "$TMP/err" ]
run report --limit 0 "$F/cut.json"
check "cut file, --limit 0: still 2 rows" has_line "$TMP/out" "(2 of 6 rows; report.limit: 0 shows all)"
check "cut file, --limit 0: says why" has_line "$TMP/err" "hotpath: $F/cut.json: the report was written with report.limit 2 and holds no more rows; showing 2"

# ---- where the output goes
run report -o "$TMP/o.txt" "$F/base.json"
check "-o: exits 0" eq "$rc" 0
check "-o: nothing on stdout" [ ! -s "$TMP/out" ]
check "-o: the table is in the file" has_line "$TMP/o.txt" "Allocations:"
run report -o "$TMP/no/such/dir/o.txt" "$F/base.json"
check "-o into a missing folder: exits 1" eq "$rc" 1
check "-o into a missing folder: says so" has_line "$TMP/err" "hotpath: $TMP/no/such/dir/o.txt: cannot write: No such file or directory"
"$H" report -f json - <"$F/base.json" >"$TMP/out" 2>"$TMP/err"
check "- reads stdin" jqt "$TMP/out" '.caller == "bench::main"'

# ---- bad files: exit 2, the file and what is wrong on stderr
# bad FIXTURE MESSAGE
bad() {
	( cd "$F" && "$H" report "$1" ) >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "$1: exits 2" eq "$rc" 2
	check "$1: says what is wrong" eq "$(cat "$TMP/err")" "$2"
	check "$1: nothing on stdout" [ ! -s "$TMP/out" ]
}
bad not-json.json "hotpath: not-json.json:1:4: invalid JSON: '[' or '{' expected near 'this'"
bad truncated.json "hotpath: truncated.json:1:245: truncated JSON: premature end of input near '\"functio'"
bad empty.json "hotpath: empty.json: empty file (not a hotpath report)"
bad not-report.json "hotpath: not-report.json: not a hotpath report (no \"type\": \"hotpath_report\")"
bad other-type.json "hotpath: other-type.json: not a hotpath report (\"type\" is \"hotpath_compare\", not \"hotpath_report\")"
bad array.json "hotpath: array.json: not a hotpath report (the top level is an array, not an object)"
bad version2.json "hotpath: version2.json: report format version 2 is not supported (this hotpath reads version 1)"
bad wrong-type.json "hotpath: wrong-type.json: .sections[0].rows[2].calls: expected an integer (unit count), got a string"
bad missing.json "hotpath: missing.json: cannot read: No such file or directory"

finish
