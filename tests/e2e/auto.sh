#!/bin/sh
# SPDX-License-Identifier: MIT
# auto.sh - examples/auto/calc, a four-file calculator built with
# -finstrument-functions and no HP_MEASURE: every function is in the
# report under <file stem>::<function>, with exact call counts, its file
# and line in JSON, and collectors.timing.include / exclude filter it.
. "$top_srcdir/tests/e2e/lib.sh"
C="$top_builddir/examples/auto/calc"
S="$top_srcdir/examples/auto"
F='.sections[] | select(.id == "functions") | .rows[]'

HOTPATH_FORMAT=json "$C" 100 >"$TMP/out" 2>"$TMP/json"
check "exits 0" [ $? -eq 0 ]
check "stdout is the program's own" eq "$(cat "$TMP/out")" "1500.0"
check "the report is JSON" jqt "$TMP/json" '.type == "hotpath_report"'

# calls: 100 rounds of 4 expressions with 22 nodes, 20 factors, 40 tokens
calls() { jq -r "[$F | select(.name == \"$1\") | .calls][0]" "$TMP/json"; }
for fc in main::run_one:400 parser::parse:400 parser::parse_expr:1100 \
	parser::parse_term:1600 parser::parse_factor:2000 parser::node_new:2200 \
	lexer::lex_init:400 lexer::lex_next:4000 lexer::read_number:1300 \
	eval::eval:400 eval::eval_node:2200 eval::apply:900 eval::node_free:2200; do
	check "calls of ${fc%:*}" eq "$(calls "${fc%:*}")" "${fc##*:}"
done
check "HP_SKIP: lexer::is_space is not measured" \
	jqt "$TMP/json" "[$F | select(.name | test(\"is_space\"))] == []"
check "nothing of hotpath's own is measured" \
	jqt "$TMP/json" "[$F | select(.name | test(\"hp_|hotpath\"))] == []"

# file and line of each function, as grep finds its definition
line_of() { grep -n "^$2" "$S/$1" | head -1 | cut -d: -f1; }
for fl in "parser.c:parse_factor:static struct node \*parse_factor(" \
	"lexer.c:read_number:static const char \*read_number(" \
	"eval.c:eval_node:static double eval_node(" "main.c:run_one:static double run_one("; do
	file=${fl%%:*} rest=${fl#*:}; fn=${rest%%:*} pat=${rest#*:}
	stem=${file%.c}
	check "$stem::$fn: file" jqt "$TMP/json" \
		"[$F | select(.name == \"$stem::$fn\") | .file | endswith(\"examples/auto/$file\")][0]"
	check "$stem::$fn: line" eq "$(jq "[$F | select(.name == \"$stem::$fn\") | .line][0]" "$TMP/json")" \
		"$(line_of "$file" "$pat")"
done

# recursion: eval_node's total is its outermost calls', all inside eval's
check "recursive eval_node: total not double counted" jqt "$TMP/json" \
	"([$F | select(.name == \"eval::eval_node\") | .total][0]) <= ([$F | select(.name == \"eval::eval\") | .total][0])"
check "recursive parse_expr: total within parse's" jqt "$TMP/json" \
	"([$F | select(.name == \"parser::parse_expr\") | .total][0]) <= ([$F | select(.name == \"parser::parse\") | .total][0])"

# the table names them too
"$C" 100 >/dev/null 2>"$TMP/table"
check "table: parser::parse_factor row" has_re "$TMP/table" '^\| parser::parse_factor +\| 2000 +\|'

# filters, from the environment and from hotpath.yaml
HOTPATH_FORMAT=json HOTPATH_TIMING_EXCLUDE='lexer::*' "$C" 100 >/dev/null 2>"$TMP/ex"
check "exclude: no lexer:: function" jqt "$TMP/ex" "[$F | select(.name | startswith(\"lexer::\"))] == []"
check "exclude: the others stay exact" jqt "$TMP/ex" "[$F | select(.name == \"parser::parse_factor\") | .calls][0] == 2000"
cat >"$TMP/hotpath.yaml" <<'YAML'
collectors:
  timing:
    include: ["/^eval::/", "parser::parse"]
YAML
HOTPATH_CONFIG="$TMP/hotpath.yaml" HOTPATH_FORMAT=json "$C" 100 >/dev/null 2>"$TMP/in"
check "include: only eval:: and parser::parse" jqt "$TMP/in" \
	"[$F | .name] | sort == [\"eval::apply\",\"eval::eval\",\"eval::eval_node\",\"eval::node_free\",\"parser::parse\"]"

finish
