#!/bin/sh
# SPDX-License-Identifier: MIT
# cli.sh - the `hotpath` command itself: subcommand dispatch, --help and
# --version, and the usage errors every subcommand answers with exit 2.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
F="$top_srcdir/tests/console/fixtures"

# run ARGS...: stdout in $TMP/out, stderr in $TMP/err, exit code in $rc.
run() {
	"$H" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

run --help
check "--help exits 0" eq "$rc" 0
check "--help: usage on stdout" has_line "$TMP/out" "Usage: hotpath SUBCOMMAND [OPTIONS] [ARGS...]"
check "--help lists report" has_re "$TMP/out" '^  report +re-render a saved JSON report'
check "--help lists compare" has_re "$TMP/out" '^  compare +regressions between two JSON reports'
check "--help: nothing on stderr" [ ! -s "$TMP/err" ]

run --version
check "--version exits 0" eq "$rc" 0
check "--version prints the version" eq "$(cat "$TMP/out")" "hotpath 0.2.0"

run
check "no subcommand exits 2" eq "$rc" 2
check "no subcommand: usage on stderr" has_line "$TMP/err" "Usage: hotpath SUBCOMMAND [OPTIONS] [ARGS...]"
check "no subcommand: nothing on stdout" [ ! -s "$TMP/out" ]

run frobnicate
check "unknown subcommand exits 2" eq "$rc" 2
check "unknown subcommand is named" has_line "$TMP/err" "hotpath: unknown subcommand 'frobnicate'"
check "unknown subcommand: usage follows" has_line "$TMP/err" "Subcommands:"

run --frobnicate
check "unknown option exits 2" eq "$rc" 2
check "unknown option is named" has_line "$TMP/err" "hotpath: unknown option '--frobnicate'"

for cmd in report compare; do
	run "$cmd" --help
	check "$cmd --help exits 0" eq "$rc" 0
	check "$cmd --help: its usage" has_re "$TMP/out" "^Usage: hotpath $cmd \\[OPTIONS\\]"
	run help "$cmd"
	check "help $cmd is $cmd --help" has_re "$TMP/out" "^Usage: hotpath $cmd \\[OPTIONS\\]"
done

# usage_error CMD DESC LINE ARGS...: exit 2, LINE and the hint on stderr.
usage_error() {
	cmd=$1 desc=$2 line=$3
	shift 3
	run "$cmd" "$@"
	check "$cmd $desc: exits 2" eq "$rc" 2
	check "$cmd $desc: says so" has_line "$TMP/err" "$line"
	check "$cmd $desc: points to --help" has_line "$TMP/err" "Try 'hotpath $cmd --help'."
	check "$cmd $desc: nothing on stdout" [ ! -s "$TMP/out" ]
}

usage_error report "no file" "hotpath report: no report file given"
usage_error report "two files" "hotpath report: one report file at a time" "$F/base.json" "$F/head.json"
usage_error report "unknown option" "hotpath report: unknown option '--bogus'" --bogus "$F/base.json"
usage_error report "unknown short option" "hotpath report: unknown option '-x'" -x "$F/base.json"
usage_error report "bad format" "hotpath report: --format: expected table, json, json-pretty, folded, svg or html, got 'xml'" --format xml "$F/base.json"
usage_error report "bad limit" "hotpath report: --limit: expected a number of rows, got '-1'" --limit=-1 "$F/base.json"
usage_error report "missing value" "hotpath report: option '--limit' needs a value" "$F/base.json" --limit
usage_error compare "one file" "hotpath compare: expected two report files, BASE.json and HEAD.json, got 1 (several per side: BASE... -- HEAD...)" "$F/base.json"
usage_error compare "bad threshold" "hotpath compare: --threshold: expected a percentage such as 20 or 7.5, got '20%'" --threshold 20% "$F/base.json" "$F/head.json"
usage_error compare "bad min-calls" "hotpath compare: --min-calls: expected a number of calls, got 'ten'" --min-calls ten "$F/base.json" "$F/head.json"
usage_error compare "bad min-percent-total" "hotpath compare: --min-percent-total: expected a percentage such as 1 or 0.5, got '-1'" --min-percent-total=-1 "$F/base.json" "$F/head.json"
usage_error compare "bad format" "hotpath compare: --format: expected table, markdown or json, got 'html'" -f html "$F/base.json" "$F/head.json"

# hotpath run when PROGRAM cannot be started: the shell's 127 and 126, and
# the help says so.
run run --help
check "run --help documents 127" has_re "$TMP/out" "127 when PROGRAM is not found"
check "run --help documents 126" has_re "$TMP/out" "^and 126 when it is found but cannot be run"
run run -- /nonexistent/prog
check "run -- /nonexistent exits 127" eq "$rc" 127
check "run -- /nonexistent says why" has_line "$TMP/err" "hotpath: run: /nonexistent/prog: No such file or directory"
printf 'not a program\n' >"$TMP/notexec"
chmod 644 "$TMP/notexec"
run run -- "$TMP/notexec"
check "run -- a non-executable file exits 126" eq "$rc" 126
check "run -- a non-executable file says why" has_line "$TMP/err" "hotpath: run: $TMP/notexec: Permission denied"
run run -- "$TMP"
check "run -- a directory exits 126" eq "$rc" 126
run run -- no-such-command-hp
check "run -- an unknown command on PATH exits 127" eq "$rc" 127
run run -- sh -c 'exit 7'
check "run: the program's own exit status" eq "$rc" 7

finish
