#!/bin/sh
# SPDX-License-Identifier: MIT
# calls.sh - self time and the call tree on real programs: examples/nested
# (calls inside calls on two threads, recursion) and examples/auto/calc.
# Exact counts, paths and identities between the figures; no timing
# threshold.
. "$top_srcdir/tests/e2e/lib.sh"
N="$top_builddir/examples/nested"
C="$top_builddir/examples/auto/calc"
F='.sections[] | select(.id == "functions") | .rows[]'
S='.sections[] | select(.id == "stacks") | .rows[]'
E='.sections[] | select(.id == "calls") | .rows[]'
# no_re FILE ERE: no line matches.
no_re() { ! grep -qE -- "$2" "$1"; }

HOTPATH_FORMAT=json "$N" 5 >"$TMP/out" 2>"$TMP/json"
check "nested: exits 0" [ $? -eq 0 ]
check "nested: stdout is the program's own" eq "$(cat "$TMP/out")" "30"
check "nested: calls per function" jqt "$TMP/json" \
	"[$F | {(.name): .calls}] | add == {\"nested::outer\": 10, \"nested::inner\": 10, \"nested::depth\": 40}"
check "nested: one stack per call path, sorted, threads merged" jqt "$TMP/json" \
	"[$S | [.stack, .calls]] == [[\"nested::depth\",10],[\"nested::depth;nested::depth\",10],
	 [\"nested::depth;nested::depth;nested::depth\",10],
	 [\"nested::depth;nested::depth;nested::depth;nested::depth\",10],
	 [\"nested::outer\",10],[\"nested::outer;nested::inner\",10]]"
check "nested: the edges" jqt "$TMP/json" \
	"[$E | [.caller, .callee, .calls]] | sort == [[\"\",\"nested::depth\",10],[\"\",\"nested::outer\",10],
	 [\"nested::depth\",\"nested::depth\",30],[\"nested::outer\",\"nested::inner\",10]]"
fn() { jq "[$F | select(.name == \"nested::$1\") | .$2][0]" "$TMP/json"; }
check "nested: outer's self is its total less inner's" \
	eq "$(fn outer self_total)" "$(( $(fn outer total) - $(fn inner total) ))"
check "nested: inner calls nothing: self is total" eq "$(fn inner self_total)" "$(fn inner total)"
check "nested: each depth frame's self is its total less the next one's" jqt "$TMP/json" \
	"[$S | select(.stack | startswith(\"nested::depth\"))] as \$d |
	 [range(0; 3) | \$d[.].self == \$d[.].total - \$d[. + 1].total] | all"
check "nested: the stacks' self times are the functions'" jqt "$TMP/json" \
	"([$S | .self] | add) == ([$F | .self_total] | add)"
check "nested: self_avg is self_total / calls" jqt "$TMP/json" \
	"[$F | .self_avg == ((.self_total / .calls) | floor)] | all"
check "nested: % Self adds up to at most 100" jqt "$TMP/json" "([$F | .percent_self] | add) <= 100"
check "nested: nothing folded, dropped, orphaned" jqt "$TMP/json" \
	".sections[] | select(.id == \"stacks\") | .meta | .folded_calls == \"0\" and .dropped_calls == \"0\" and .orphan_calls == \"0\" and .depth_errors == \"0\""

# the table: Self columns and the Calls table; the stacks only in JSON
"$N" 1 >/dev/null 2>"$TMP/table"
check "table: Self and % Self" has_re "$TMP/table" '^\| Function +\| Calls +\| Avg +\| P95 +\| Total +\| % Total +\| Self +\| % Self +\|$'
check "table: the Calls table" has_re "$TMP/table" '^\| Caller +\| Callee +\| Calls +\| Total +\| Self +\|$'
check "table: outer -> inner" has_re "$TMP/table" '^\| nested::outer +\| nested::inner +\| 2 +\|'
check "table: no Stacks table" no_re "$TMP/table" '^Stacks:$'

# report.sort: self
HOTPATH_FORMAT=json HOTPATH_SORT=self "$N" 2 >/dev/null 2>"$TMP/self.json"
check "sort self: meta says so" jqt "$TMP/self.json" '.sections[0].meta.sort == "self_total"'
check "sort self: biggest self first" jqt "$TMP/self.json" "[$F | .self_total] as \$s | \$s == (\$s | sort | reverse)"
HOTPATH_SORT=sideways "$N" 1 >/dev/null 2>"$TMP/bad"
check "sort: a bad value says so" has_line "$TMP/bad" '[hotpath] timing: report.sort: "sideways" is neither total nor self; sorting by total'

# collectors.timing.call_tree: false
HOTPATH_FORMAT=json HOTPATH_CALL_TREE=false "$N" 1 >/dev/null 2>"$TMP/off.json"
check "call tree off: no Self column" jqt "$TMP/off.json" "[$F | has(\"self_total\")] | any | not"
check "call tree off: no calls or stacks" jqt "$TMP/off.json" '[.sections[].id] | index("stacks") == null and index("calls") == null'

# examples/auto/calc: self times within 100 %, parse_expr under parse;
# 50 rounds of 4 expressions with 7 parenthesised sub-expressions
HOTPATH_FORMAT=json HOTPATH_LIMIT=0 "$C" 50 >/dev/null 2>"$TMP/calc.json"
check "calc: % Self adds up to at most 100" jqt "$TMP/calc.json" "([$F | .percent_self] | add) <= 100"
check "calc: self never passes total" jqt "$TMP/calc.json" "[$F | .self_total <= .total] | all"
check "calc: parser::parse_expr under parser::parse" jqt "$TMP/calc.json" \
	"[$S | select(.stack == \"main::run_one;parser::parse;parser::parse_expr\")] | length == 1"
check "calc: recursion parse_factor -> parse_expr" jqt "$TMP/calc.json" \
	"[$E | select(.caller == \"parser::parse_factor\" and .callee == \"parser::parse_expr\") | .calls] == [350]"
check "calc: the stacks' self times are the functions'" jqt "$TMP/calc.json" \
	"([$S | .self] | add) == ([$F | .self_total] | add)"
check "calc: every call on a path" jqt "$TMP/calc.json" \
	"([$S | .calls] | add) == ([$F | .calls] | add)"
finish
