#!/bin/sh
# SPDX-License-Identifier: MIT
# mcp.sh - `hotpath mcp`, a scripted MCP client session over stdio
# (JSON-RPC 2.0, revision 2025-06-18, a message a line): initialize,
# initialized, tools/list with input schemas, tools/call on a live
# examples/live (exactly 37 calls of each function, found through
# discovery in a private $XDG_RUNTIME_DIR), saved reports, and the errors
# (a bad argument, an unknown tool or method, not JSON).  Each reply's
# shape is checked exactly with jq.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
L="$top_builddir/examples/live"
F="$top_srcdir/tests/console/fixtures"
unset HOTPATH_PUB HOTPATH_QUERY
XDG_RUNTIME_DIR="$TMP/run"
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
a=
trap 'kill $a 2>/dev/null; rm -rf "$TMP"' EXIT

"$L" 60000 37 >/dev/null 2>&1 &
a=$!
# wait (at most 20 s) until it is described and has made its 37 calls
i=0
while [ $i -lt 200 ]; do
	"$H" query "$a" '{"cmd":"section","section":"functions"}' 2>/dev/null >"$TMP/q" &&
		jqt "$TMP/q" '[.report.sections[0].rows[] | select(.name == "live::tick") | .calls][0] == 37' && break
	sleep 0.1
	i=$((i + 1))
done
check "live runs with 37 calls" jqt "$TMP/q" '[.report.sections[0].rows[] | select(.name == "live::tick") | .calls][0] == 37'

cat >"$TMP/in" <<EOT
{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcp.sh","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list"}
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_programs","arguments":{}}}
{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"read_section","arguments":{"program":"live","section":"functions","sort":"calls","limit":1,"filter":"tick"}}}
{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"read_function","arguments":{"program":"$a","name":"live::crunch","limit":3}}}
{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"read_section","arguments":{"section":"functions","limit":"ten"}}}
{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_section","arguments":{"program":"nosuch","section":"functions"}}}
{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"read_report","arguments":{"path":"$F/base.json","section":"functions","sort":"total","limit":2}}}
{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"compare_reports","arguments":{"base":"$F/base.json","head":"$F/head.json"}}}
{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"nosuch","arguments":{}}}
{"jsonrpc":"2.0","id":11,"method":"nosuch/method"}
not json
{"jsonrpc":"2.0","id":12,"method":"ping"}
EOT
"$H" mcp <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
check "mcp exits 0 at the end of stdin" [ $? -eq 0 ]
check "one reply per request, none to the notification (13 lines)" eq "$(wc -l <"$TMP/out" | tr -d ' ')" 13
check "every line is a JSON-RPC 2.0 message" \
	eq "$(jq -c 'select(.jsonrpc == "2.0") | 1' "$TMP/out" | wc -l | tr -d ' ')" 13
# r ID: the reply with that id
r() { jq -c "select(.id == $1)" "$TMP/out"; }
r 1 >"$TMP/r1"
check "initialize: exact result" jqt "$TMP/r1" \
	'.result | (keys == ["capabilities","instructions","protocolVersion","serverInfo"]) and
	 .protocolVersion == "2025-06-18" and .capabilities == {"tools":{"listChanged":false}} and
	 .serverInfo.name == "hotpath" and (.serverInfo.version | test("^[0-9]+\\.[0-9]+\\.[0-9]+$"))'
r 2 >"$TMP/r2"
check "tools/list: the seven tools" jqt "$TMP/r2" \
	'[.result.tools[].name] == ["list_programs","read_section","read_function","read_report","compare_reports","start_cpu_sampling","stop_cpu_sampling"]'
check "tools/list: each has name, title, description and an object inputSchema" jqt "$TMP/r2" \
	'[.result.tools[] | (keys == ["description","inputSchema","name","title"]) and .inputSchema.type == "object" and (.inputSchema.properties | type == "object")] | all'
check "tools/list: required arguments" jqt "$TMP/r2" \
	'[.result.tools[] | .inputSchema.required // []] == [[],["section"],["name"],["path"],["base","head"],[],[]]'
check "tools/list: compare_reports says when it writes" jqt "$TMP/r2" \
	'[.result.tools[] | select(.name == "compare_reports") | .description | test("Writes a file only when `output` names one")][0]'
check "tools/list: the readers read only" jqt "$TMP/r2" \
	'[.result.tools[] | select(.name | test("^(list|read)_")) | .description | test("Reads only")] | all'
check "tools/list: the CPU sampler's tools write no file" jqt "$TMP/r2" \
	'[.result.tools[] | select(.name | test("_cpu_sampling$")) | .description | test("Writes no file")] | all'
r 3 >"$TMP/r3"
check "a tool result: content text, structuredContent, isError false" jqt "$TMP/r3" \
	'(.result | keys == ["content","isError","structuredContent"]) and .result.isError == false and
	 (.result.content | length == 1 and .[0].type == "text") and
	 (.result.content[0].text | fromjson) == .result.structuredContent'
check "list_programs: live with its pid and sections" jqt "$TMP/r3" \
	"[.result.structuredContent.programs[] | select(.pid == $a) | .program == \"live\" and (.sections | index(\"functions\") != null)][0]"
r 4 >"$TMP/r4"
check "read_section: one row, live::tick with 37 calls" jqt "$TMP/r4" \
	'.result.structuredContent | .section == "functions" and .matching_rows == 1 and
	 (.rows | length == 1) and .rows[0].name == "live::tick" and .rows[0].calls == 37 and
	 (.rows[0] | has("hist") | not)'
check "read_section: columns with units" jqt "$TMP/r4" \
	'[.result.structuredContent.columns[] | select(.key == "total") | .unit][0] == "ns"'
r 5 >"$TMP/r5"
check "read_function: row, 3 recent calls, caller (root)" jqt "$TMP/r5" \
	'.result.structuredContent | .name == "live::crunch" and .row.calls == 37 and
	 (.recent_calls | length == 3 and (.[0] | keys == ["duration","tid","time"])) and
	 .callers == [{"function":"(root)","calls":37,"total":.row.total,"self":.row.self_total}] and .callees == []'
r 6 >"$TMP/r6"
check "a bad argument: JSON-RPC error -32602 naming it" jqt "$TMP/r6" \
	'. == {"jsonrpc":"2.0","id":6,"error":{"code":-32602,"message":"limit: expected an integer in 1..100000"}}'
r 7 >"$TMP/r7"
check "an unknown program: a tool error (isError) that says so" jqt "$TMP/r7" \
	'.result.isError == true and (.result.content[0].text | test("no running program has pid or name \"nosuch\""))'
r 8 >"$TMP/r8"
check "read_report: 2 rows sorted by total" jqt "$TMP/r8" \
	'.result.structuredContent | (.report.type == "hotpath_report") and (.sections | length == 1) and
	 (.sections[0].rows | length == 2) and (.sections[0].rows[0].total >= .sections[0].rows[1].total)'
r 9 >"$TMP/r9"
check "compare_reports: hotpath compare's JSON, nothing written" jqt "$TMP/r9" \
	'.result.isError == false and (.result.structuredContent | has("written") | not) and (.result.structuredContent | type == "object")'
check "compare_reports: no file appeared" eq "$(ls "$TMP" | grep -c '\.md$')" 0
check "unknown tool: -32602" jqt "$TMP/out" \
	'select(.id == 10) | . == {"jsonrpc":"2.0","id":10,"error":{"code":-32602,"message":"unknown tool"}}'
r 11 >"$TMP/r11"
check "unknown method: -32601" jqt "$TMP/r11" '.error.code == -32601'
check "not JSON: -32700 with id null" eq "$(jq -c 'select(.id == null) | .error.code' "$TMP/out")" -32700
r 12 >"$TMP/r12"
check "ping: empty result" jqt "$TMP/r12" '.result == {}'
check "nothing on stderr" [ ! -s "$TMP/err" ]

# output names a file: then (only then) it is written
printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"compare_reports\",\"arguments\":{\"base\":\"$F/base.json\",\"head\":\"$F/head.json\",\"output\":\"$TMP/cmp.md\"}}}" |
	"$H" mcp >"$TMP/o2"
check "compare_reports with output: written" jqt "$TMP/o2" ".result.structuredContent.written == \"$TMP/cmp.md\""
"$H" compare --format markdown "$F/base.json" "$F/head.json" >"$TMP/expected.md"
check "the file is hotpath compare's markdown" cmp -s "$TMP/cmp.md" "$TMP/expected.md"

# start and stop CPU sampling: live has no cpu collector, so it says so;
# cpu_burn (HOTPATH_CPU_PAUSED: the collector ready, not sampling) is
# sampled for a second between the two calls: burn70 and burn30 (70/30 of
# the burner's CPU) come first, in that order
printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"start_cpu_sampling\",\"arguments\":{\"program\":\"$a\"}}}" |
	"$H" mcp >"$TMP/o3"
check "start_cpu_sampling without the collector: a tool error that says how" jqt "$TMP/o3" \
	'.result.isError == true and (.result.content[0].text | test("^no_collector: the cpu collector is off in this program: start it with HOTPATH_CPU=1"))'
HOTPATH_CPU=1 HOTPATH_CPU_PAUSED=1 "$top_builddir/examples/cpu_burn" 30 >/dev/null 2>&1 &
b=$!
trap 'kill $a $b 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
while [ $i -lt 200 ]; do
	"$H" query "$b" cpu_status >"$TMP/st" 2>/dev/null && break
	sleep 0.1
	i=$((i + 1))
done
check "cpu_burn starts paused" jqt "$TMP/st" '.cpu.state == "stopped" and .cpu.samples == 0'
call() { printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":{"program":"%s"%s}}}\n' "$@"; }
{ call 1 start_cpu_sampling "$b" ""; call 2 start_cpu_sampling "$b" ""; sleep 1.5
  call 3 stop_cpu_sampling "$b" ',"limit":2'; call 4 stop_cpu_sampling "$b" ',"limit":0'; } |
	"$H" mcp >"$TMP/o4" 2>"$TMP/e4"
jq -c 'select(.id == 1)' "$TMP/o4" >"$TMP/s1"
check "start_cpu_sampling: running, changed" jqt "$TMP/s1" \
	'.result.isError == false and (.result.structuredContent.cpu | .state == "running" and .changed == true and (.sampler | test("^(perf|itimer) ")))'
jq -c 'select(.id == 2)' "$TMP/o4" >"$TMP/s2"
check "start_cpu_sampling again: unchanged" jqt "$TMP/s2" \
	'.result.structuredContent.cpu | .state == "running" and .changed == false'
jq -c 'select(.id == 3)' "$TMP/o4" >"$TMP/s3"
check "stop_cpu_sampling: stopped, with samples" jqt "$TMP/s3" \
	'.result.structuredContent.cpu | .state == "stopped" and .changed == true and .samples > 0'
check "stop_cpu_sampling: burn70 then burn30, most self samples first" jqt "$TMP/s3" \
	'[.result.structuredContent.functions.rows[].function] == ["burn70","burn30"]'
check "stop_cpu_sampling: a bad limit is -32602" jqt "$TMP/o4" \
	'select(.id == 4) | .error == {"code":-32602,"message":"limit: expected an integer in 1..100000"}'
"$H" query "$b" cpu_status >"$TMP/st2"
check "the sampler stays stopped, its samples kept" jqt "$TMP/st2" \
	"(.cpu.state == \"stopped\") and .cpu.samples == $(jq '.result.structuredContent.cpu.samples' "$TMP/s3")"
kill $b
finish
