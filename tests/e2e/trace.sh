#!/bin/sh
# SPDX-License-Identifier: MIT
# trace.sh - HOTPATH_TRACE=1 on the real examples: examples/pipeline's
# trace.json has every channel send joined to its receive by a flow
# arrow, a named track per thread, and the Chrome Trace Event fields
# Perfetto and chrome://tracing need; examples/basic's calls and
# examples/locks' waits and holds are complete events; the report's
# timeline section has the spans (the longest 10,000); a small buffer
# drops exactly what it cannot keep and says so once; a bad path is one
# line; stdout stays the program's own.
. "$top_srcdir/tests/e2e/lib.sh"
P="$top_builddir/examples/pipeline"
cd "$TMP" || exit 1

HOTPATH_TRACE=1 HOTPATH_FORMAT=json "$P" 500 >out 2>json
check "exits 0" [ $? -eq 0 ]
check "stdout is the program's own" eq "$(cat out)" "sum 249500"
check "trace.json in the working directory" [ -s trace.json ]
check "no temporary file left" eq "$(ls | grep -c '\.tmp$')" 0
check "no [hotpath] line" eq "$(grep -c '^\[hotpath\]' json)" 0
check "valid JSON with traceEvents, displayTimeUnit ns" jqt trace.json \
	'(.traceEvents | type == "array") and .displayTimeUnit == "ns"'
check "every X event has ts, dur, pid, tid and a name" jqt trace.json \
	'[.traceEvents[] | select(.ph == "X") | (.ts | type == "number") and (.dur | type == "number") and (.pid | type == "number") and (.tid | type == "number") and (.name | type == "string" and length > 0)] | all'
check "a process name" jqt trace.json \
	'[.traceEvents[] | select(.ph == "M" and .name == "process_name") | .args.name] == ["pipeline"]'
check "every thread with events has a name" jqt trace.json \
	'([.traceEvents[] | select(.ph != "M") | .tid] | unique) == ([.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .tid] | unique)'
check "5 threads: main, 2 producers, parser, summer" jqt trace.json \
	'[.traceEvents[] | select(.ph == "M" and .name == "thread_name")] | length == 5'
S='[.traceEvents[] | select(.ph == "s")]'
F='[.traceEvents[] | select(.ph == "f")]'
check "every flow start has one finish with its id, name and category, bound to the enclosing slice" jqt trace.json \
	"($S | map(.id) | sort) == ($F | map(.id) | sort) and ($S | map(.id) | unique | length) == ($S | length) and ([$F[] | .bp == \"e\"] | all) and (($S + $F) | group_by(.id) | map(length == 2 and .[0].name == .[1].name and .[0].cat == \"channel\" and .[1].cat == \"channel\") | all)"
check "2001 flows: 1000 raw, 1000 parsed, 1 result" jqt trace.json \
	"($S | length) == 2001 and ([$S[] | select(.name == \"pipeline::raw\")] | length) == 1000 and ([$S[] | select(.name == \"pipeline::parsed\")] | length) == 1000 and ([$S[] | select(.name == \"pipeline::result\")] | length) == 1"
check "each send's flow starts on its thread at its time" jqt trace.json \
	'([.traceEvents[] | select(.ph == "X" and .cat == "channel" and (.name | startswith("send: "))) | [.tid, .ts, .name[6:]]] | sort) == ([.traceEvents[] | select(.ph == "s") | [.tid, .ts, .name]] | sort)'
check "each receive's flow ends on its thread at its time" jqt trace.json \
	'([.traceEvents[] | select(.ph == "X" and .cat == "channel" and (.name | startswith("recv: "))) | [.tid, .ts, .name[6:]]] | sort) == ([.traceEvents[] | select(.ph == "f") | [.tid, .ts, .name]] | sort)'
check "sends and receives travel between threads" jqt trace.json \
	"[($S + $F) | group_by(.id)[] | .[0].tid != .[1].tid] | all"
check "otherData: 4002 events, none dropped, 2001 flows" jqt trace.json \
	'.otherData.events == 4002 and .otherData.dropped == 0 and .otherData.flows == 2001 and ([.traceEvents[] | select(.ph == "X")] | length) == 4002'
check "the report's trace section says where and how many" jqt json \
	'[.sections[] | select(.id == "trace") | .rows[0] | .file == "trace.json" and .state == "written" and .events == 4002 and .dropped == 0][0]'
check "the report's facts: the absolute path, events and drops" jqt json \
	"(.trace_output == \"$(pwd -P)/trace.json\") and .trace_events == \"4002\" and .trace_dropped == \"0\""

# a buffer of 100 events: ring keeps the newest, stop the oldest
HOTPATH_TRACE=1 HOTPATH_TRACE_BUFFER=100 HOTPATH_FORMAT=none "$P" 500 >out 2>err
check "ring: 100 kept, 3902 dropped" jqt trace.json \
	'.otherData.events == 100 and .otherData.dropped == 3902 and .otherData.overflow == "ring" and ([.traceEvents[] | select(.ph == "X")] | length) == 100'
check "ring: one line on stderr" eq "$(cat err)" \
	"[hotpath] trace: 3902 events dropped past collectors.trace.buffer (100 events): the newest were kept"
HOTPATH_TRACE=1 HOTPATH_TRACE_BUFFER=100 HOTPATH_TRACE_OVERFLOW=stop HOTPATH_FORMAT=none \
	"$P" 500 >out 2>err
check "stop: 100 kept, 3902 dropped" jqt trace.json \
	'.otherData.events == 100 and .otherData.dropped == 3902 and .otherData.overflow == "stop"'
check "stop: one line on stderr" eq "$(cat err)" \
	"[hotpath] trace: 3902 events dropped past collectors.trace.buffer (100 events): the oldest were kept"
# one thread, so the order kept is the order of the calls: each of the
# 100 rounds of examples/basic ends sync_function, busy_function, then
# custom_block
B="$top_builddir/examples/basic"
HOTPATH_TRACE=1 HOTPATH_TRACE_BUFFER=100 HOTPATH_FORMAT=none "$B" >out 2>err
check "ring: the last 100 calls (custom_block of round 66, rounds 67-99)" jqt trace.json \
	'.otherData.dropped == 200 and ([.traceEvents[] | select(.ph == "X") | .name] | group_by(.) | map([.[0], length])) == [["basic::busy_function", 33], ["basic::sync_function", 33], ["custom_block", 34]]'
HOTPATH_TRACE=1 HOTPATH_TRACE_BUFFER=100 HOTPATH_TRACE_OVERFLOW=stop HOTPATH_FORMAT=none "$B" >out 2>err
check "stop: the first 100 calls (rounds 0-32, sync_function of round 33)" jqt trace.json \
	'.otherData.dropped == 200 and ([.traceEvents[] | select(.ph == "X") | .name] | group_by(.) | map([.[0], length])) == [["basic::busy_function", 33], ["basic::sync_function", 34], ["custom_block", 33]]'

# where it goes: report.trace_output, a bad path, yaml
HOTPATH_TRACE=1 HOTPATH_TRACE_OUTPUT=t2.json HOTPATH_FORMAT=none "$P" 10 >out 2>err
check "HOTPATH_TRACE_OUTPUT names the file" jqt t2.json '.otherData.events == 82'
check "and nothing on stderr" [ ! -s err ]
HOTPATH_TRACE=1 HOTPATH_TRACE_OUTPUT=nodir/t.json HOTPATH_FORMAT=none "$P" 10 >out 2>err
check "a bad path: the program runs on" eq "$(cat out)" "sum 90"
check "a bad path: one line" eq "$(cat err)" \
	"[hotpath] trace: cannot write \"nodir/t.json\": No such file or directory"
rm -f trace.json
HOTPATH_TRACE=1 HOTPATH_TRACE_OUTPUT=stdout HOTPATH_FORMAT=none "$P" 10 >out 2>err
check "report.trace_output: stdout is refused: the program's stdout is its own" eq "$(cat out)" "sum 90"
check "with one line, and trace.json instead" eq "$(cat err)" \
	"[hotpath] report.trace_output: the trace is a file, not \"stdout\"; writing trace.json"
check "trace.json written" jqt trace.json '.otherData.events == 82'
printf 'collectors:\n  trace: { enabled: true, buffer: 10, overflow: stop }\nreport:\n  format: none\n  trace_output: y.json\n' >hotpath.yaml
HOTPATH_CONFIG=hotpath.yaml "$P" 10 >out 2>err
check "hotpath.yaml: collectors.trace and report.trace_output" jqt y.json \
	'.otherData.events == 10 and .otherData.dropped == 72 and .otherData.buffer == 10 and .otherData.overflow == "stop"'
rm -f trace.json
"$P" 10 >out 2>err
check "off by default" [ ! -e trace.json ]

# hotpath run --trace[=FILE]
rm -f trace.json
"$top_builddir/hotpath" run --trace -- "$P" 10 >out 2>err
check "run --trace: the program's stdout" eq "$(cat out)" "sum 90"
check "run --trace: trace.json" jqt trace.json '.otherData.events == 82 and .otherData.flows == 41'
"$top_builddir/hotpath" run --trace=r.json -- "$P" 10 >out 2>err
check "run --trace=r.json" jqt r.json '.otherData.events == 82'
"$top_builddir/hotpath" run --trace= -- "$P" 10 >out 2>err
check "run --trace= is a usage error" eq "$?" 2

# measured calls and locks
HOTPATH_TRACE=1 HOTPATH_FORMAT=json HOTPATH_OUTPUT=basic.json "$top_builddir/examples/basic" >out 2>err
# the report's timeline section: every span of the file, as rows
TL='.sections[] | select(.id == "timeline")'
check "timeline: 300 spans, all kept, hidden from the table, the console and compare" jqt basic.json \
	"$TL | .meta == {\"json.all\": \"1\", \"table.hide\": \"1\", \"console.hide\": \"1\", \"compare.hide\": \"1\", \"timeline.spans\": \"300\", \"timeline.kept\": \"300\"} and (.rows | length) == 300"
check "timeline: the file's spans, start and duration to the nanosecond" eq \
	"$(jq -c '[.traceEvents[] | select(.ph == "X") | [.tid, .name, (.ts * 1000 | round), (.dur * 1000 | round)]] | sort' trace.json)" \
	"$(jq -c "[$TL | .rows[] | [.tid, .name, .start, .duration]] | sort" basic.json)"
check "timeline: rows by thread, then start; kind call; the thread's name" jqt basic.json \
	"[$TL | .rows[]] | (. == sort_by(.tid, .start)) and all(.kind == \"call\" and .thread == \"basic\")"
check "basic: 100 calls of each, as complete function events" jqt trace.json \
	'[.traceEvents[] | select(.ph == "X" and .cat == "function") | .name] | group_by(.) | map([.[0], length]) == [["basic::busy_function", 100], ["basic::sync_function", 100], ["custom_block", 100]]'
check "basic: the calls do not overlap on their thread" jqt trace.json \
	'[.traceEvents[] | select(.ph == "X")] | sort_by(.ts) | [range(1; length) as $i | .[$i - 1].ts + .[$i - 1].dur <= .[$i].ts] | all'
HOTPATH_TRACE=1 HOTPATH_FORMAT=json HOTPATH_OUTPUT=locks.json "$top_builddir/examples/locks" 200 >out 2>err
check "timeline: the lock holds and waits of the file, by kind" eq \
	"$(jq -c "[$TL | .rows[] | select(.kind != \"call\") | [.kind, .name]] | group_by(.) | map(.[0] + [length])" locks.json)" \
	"$(jq -c '[.traceEvents[] | select(.cat == "lock") | .name | capture("^(?<r>read )?(?<k>hold|wait): (?<n>.*)$") | [(if .r then "read " else "" end) + "lock " + .k, .n]] | group_by(.) | map(.[0] + [length])' trace.json)"
check "locks: holds and waits in category lock" jqt trace.json \
	'([.traceEvents[] | select(.cat == "lock" and (.name | startswith("hold: ")))] | length) > 0 and ([.traceEvents[] | select(.cat == "lock") | .name | test("^(read )?(hold|wait): locks::")] | all) and ([.traceEvents[] | select(.cat == "lock" and (.name | startswith("read hold: locks::table")))] | length) > 0'

# past 10,000 spans the timeline keeps the longest: 2 threads x 6,000 calls
# and the two threads' bodies
HOTPATH_TRACE=1 HOTPATH_FORMAT=json HOTPATH_OUTPUT=th.json "$top_builddir/examples/threads" 2 6000 >out 2>err
check "timeline: 10,000 kept of 12,002 spans" jqt th.json \
	"$TL | .meta[\"timeline.spans\"] == \"12002\" and .meta[\"timeline.kept\"] == \"10000\" and (.rows | length) == 10000"
kept=$(jq "[$TL | .rows[].duration] | min" th.json)
check "timeline: the longest: none left out is longer than the shortest kept" eq \
	"$(jq "[.traceEvents[] | select(.ph == \"X\") | .dur * 1000 | round] | sort | reverse | (.[9999] == $kept and .[10000] <= $kept)" trace.json)" true

finish
