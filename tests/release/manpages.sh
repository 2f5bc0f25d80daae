#!/bin/sh
# SPDX-License-Identifier: MIT
# manpages.sh - hotpath(1) and the bash and zsh completions do not drift
# from the command: every subcommand of `hotpath --help` has its section in
# the man page, its options line in the bash completion and its function in
# the zsh one, and every option of `hotpath SUBCOMMAND --help` is in all
# three; a long option that the command no longer has fails too.  The
# pages themselves must format without a warning.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
MAN="$top_srcdir/man/hotpath.1"
BASH_C="$top_srcdir/completions/bash/hotpath"
ZSH_C="$top_srcdir/completions/zsh/_hotpath"

# has_opt FILE OPT: OPT appears in FILE as a word of its own.
has_opt() { grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" "$1"; }
# help_opts CMD: the options `hotpath CMD --help` lists, one a line.
help_opts() {
	"$H" "$1" --help | sed -n 's/^ \{1,\}\(-.*\)/\1/p' | sed 's/  .*//' |
		grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]//' | sort -u
}
# long_opts FILE: the long options FILE mentions, one a line.
long_opts() { grep -oE -- '(^|[^A-Za-z0-9-])--[a-z][a-z0-9-]*' "$1" | sed 's/^[^-]//' | sort -u; }

cmds=$("$H" --help | awk '/^Subcommands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { exit }')
check "hotpath --help lists subcommands ($(echo $cmds))" [ -n "$cmds" ]

# The man page as plain text (fonts and \- undone), and the zsh TLS options.
sed 's/\\f[BIRP]//g; s/\\-/-/g' "$MAN" >"$TMP/man"
sed -n '/^_hotpath_tls=(/,/^)/p' "$ZSH_C" >"$TMP/zsh_tls"
for c in $cmds; do
	sed -n "/^\.SS \"hotpath $c /,/^\.S[SH] /p" "$TMP/man" | sed '$d' >"$TMP/man_$c"
	check "hotpath.1 has a section for $c" [ -s "$TMP/man_$c" ]
	sed -n "s/^_hotpath_opts_$c=\"\(.*\)\"\$/\1/p" "$BASH_C" | tr ' ' '\n' >"$TMP/bash_$c"
	check "bash completion has the options of $c" [ -s "$TMP/bash_$c" ]
	check "bash completion offers $c" has_opt "$BASH_C" "_hotpath_cmds=.*$c"
	sed -n "/^_hotpath_$c() {/,/^}/p" "$ZSH_C" >"$TMP/zsh_$c"
	check "zsh completion has a function for $c" [ -s "$TMP/zsh_$c" ]
	check "zsh completion offers $c" grep -q "^		'$c:" "$ZSH_C"
	grep -q '\$_hotpath_tls' "$TMP/zsh_$c" && cat "$TMP/zsh_tls" >>"$TMP/zsh_$c"
	help_opts "$c" >"$TMP/help_$c"
	check "hotpath $c --help lists options" [ -s "$TMP/help_$c" ]
	missing=
	for o in $(cat "$TMP/help_$c"); do
		has_opt "$TMP/man_$c" "$o" || missing="$missing man:$o"
		grep -qx -- "$o" "$TMP/bash_$c" || missing="$missing bash:$o"
		has_opt "$TMP/zsh_$c" "$o" || missing="$missing zsh:$o"
	done
	check "every option of hotpath $c is in hotpath.1 and both completions" eq "$missing" ""
	stale=
	for f in man bash zsh; do
		for o in $(long_opts "$TMP/${f}_$c"); do
			grep -qx -- "$o" "$TMP/help_$c" || stale="$stale $f:$o"
		done
	done
	check "hotpath.1 and the completions name no option hotpath $c lacks" eq "$stale" ""
done

# The pages format cleanly (groff's warnings, as lintian reads them).
if command -v groff >/dev/null; then
	for p in man/hotpath.1 man/hotpath.yaml.5 man/libhotpath.3; do
		LC_ALL=C.UTF-8 MANROFFSEQ='' groff -man -Tutf8 -ww -z "$top_srcdir/$p" 2>"$TMP/groff"
		check "$p formats without warnings" eq "$(cat "$TMP/groff")" ""
	done
fi
if command -v bash >/dev/null; then
	check "the bash completion parses" bash -n "$BASH_C"
fi
if command -v zsh >/dev/null; then
	check "the zsh completion parses" zsh -n "$ZSH_C"
fi
finish
