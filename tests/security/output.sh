#!/bin/sh
# SPDX-License-Identifier: MIT
# output.sh - a report is never lost and never blocks the program: a full
# device and a FIFO as report.output, a FIFO as HOTPATH_CONFIG; and the
# working directory's hotpath.yaml is obeyed only when it is the user's.
. "$top_srcdir/tests/e2e/lib.sh"
B="$top_builddir/examples/basic"
T=timeout
command -v timeout >/dev/null || T=

# /dev/full: the write fails, the whole report goes to stderr
HOTPATH_OUTPUT=/dev/full "$B" >/dev/null 2>"$TMP/err"
check "/dev/full: exits 0" [ $? -eq 0 ]
check "/dev/full: says so in one line" has_line "$TMP/err" \
	'[hotpath] report.output: writing "/dev/full" failed: No space left on device; the whole report goes to stderr'
check "/dev/full: the whole table on stderr" has_re "$TMP/err" '^\| basic::busy_function +\| 100 +\|'
check "/dev/full: to its last line" eq "$(tail -n 1 "$TMP/err" | cut -c1)" "+"

# a FIFO nobody reads: refused at once, report on stderr
mkfifo "$TMP/fifo"
HOTPATH_OUTPUT="$TMP/fifo" $T 60 "$B" >/dev/null 2>"$TMP/err"
check "FIFO output: exits 0, no hang" [ $? -eq 0 ]
check "FIFO output: one line" has_line "$TMP/err" \
	"[hotpath] report.output: cannot write \"$TMP/fifo\": not a regular file (a FIFO or socket would block); the report goes to stderr"
check "FIFO output: the table on stderr" has_re "$TMP/err" '^\| basic::busy_function +\| 100 +\|'
HOTPATH_CONFIG="$TMP/fifo" $T 60 "$B" >/dev/null 2>"$TMP/err"
check "FIFO config: exits 0, no hang" [ $? -eq 0 ]
check "FIFO config: one line" has_line "$TMP/err" \
	"[hotpath] $TMP/fifo: cannot open: not a regular file; using built-in defaults"

# report.output with escape sequences in it: the warning shows them escaped
HOTPATH_OUTPUT="$(printf '/nonexistent/\033]0;owned\007')" "$B" 2>"$TMP/err"
check "an escape in report.output is shown as \\x1b" has_line "$TMP/err" \
	'[hotpath] report.output: cannot write "/nonexistent/\x1b]0;owned\x07": No such file or directory; the report goes to stderr'
check "no raw ESC reaches stderr" eq "$(tr -dc '\033' <"$TMP/err" | wc -c)" 0

# ./hotpath.yaml: the user's and only theirs (docs/config.md)
mkdir "$TMP/w" && cd "$TMP/w" || exit 1
unset HOTPATH_CONFIG
export XDG_CONFIG_HOME="$TMP/noxdg"
printf 'report:\n  format: json\n  scripts: [mine.lua]\n' >hotpath.yaml
printf 'return function() print("mine ran") end\n' >mine.lua
chmod 644 hotpath.yaml mine.lua
"$B" 2>"$TMP/err"
check "cwd config obeyed when it is the user's" has_re "$TMP/err" '^\{"type":"hotpath_report"'
check "its script ran" has_line "$TMP/err" "mine ran"
chmod 664 hotpath.yaml
"$B" 2>"$TMP/err"
check "group-writable: refused in one line" has_line "$TMP/err" \
	'[hotpath] hotpath.yaml: ignored, not trusted: its group can write to it (docs/config.md, "Which file")'
check "group-writable: the table, not JSON" has_re "$TMP/err" '^\| basic::busy_function +\| 100 +\|'
chmod 644 hotpath.yaml && chmod 666 mine.lua
"$B" 2>"$TMP/err"
check "a world-writable script is not run" has_line "$TMP/err" \
	"[hotpath] mine.lua: not run: $TMP/w/mine.lua: not trusted: anyone can write to it"
finish
