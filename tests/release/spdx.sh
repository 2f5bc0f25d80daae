#!/bin/sh
# SPDX-License-Identifier: MIT
# spdx.sh - every source file carries "SPDX-License-Identifier: MIT" in its
# first three lines (after a #! line): C and C++ files, headers, Lua,
# shell scripts, Makefile.am/Makemodule.am, configure.ac, the .pc.in
# templates, the man pages and the shell completions.  In a git checkout
# the tracked files are checked (so a file
# added later without the line fails here); in a release tarball, the
# files of the tree.  Test data (tests/*/fixtures, tests/*/expected,
# tests/fuzz/corpus) is left out: the tests read its exact lines.
. "$top_srcdir/tests/e2e/lib.sh"

# is_source PATH: the file is one that must carry the line.
is_source() {
	case "$1" in
	tests/*/fixtures/* | tests/*/expected/* | tests/fuzz/corpus/*) return 1 ;;
	build-aux/* | m4/* | autom4te.cache/* | */hotpath_lua.c | core/hotpath_lua.c) return 1 ;;
	*.c | *.h | *.cc | *.lua | *.sh | *.pc.in | completions/*/* | man/*.[1-8]) return 0 ;;
	*.cmake.in | */CMakeLists.txt | */meson.build | examples/consumers/Makefile) return 0 ;;
	bootstrap | .ci/run | Makefile.am | */Makemodule.am | configure.ac) return 0 ;;
	esac
	return 1
}

# list_files DIR: the files of DIR, relative to it (git's list when DIR
# is the top of a checkout).
list_files() {
	top=$(cd "$1" && git rev-parse --show-toplevel 2>/dev/null || true)
	if [ -n "$top" ] && [ "$top" = "$(cd "$1" && pwd -P)" ]; then
		(cd "$1" && git ls-files)
	else
		(cd "$1" && find . -type f ! -path './.git/*' ! -path './_build/*' \
			! -path './hotpath-*/*' | sed 's|^\./||')
	fi
}

# missing DIR: the source files of DIR without the line, one a line.
missing() {
	list_files "$1" | while IFS= read -r f; do
		is_source "$f" || continue
		[ -f "$1/$f" ] || continue # deleted but not yet committed
		head -n 3 "$1/$f" | grep -q 'SPDX-License-Identifier: MIT' || echo "$f"
	done | LC_ALL=C sort
}

# The checker itself finds a file without the line, and only that one.
mkdir -p "$TMP/tree/core" "$TMP/tree/tests/lua/fixtures" "$TMP/tree/scripts"
printf '/* SPDX-License-Identifier: MIT */\nint a;\n' >"$TMP/tree/core/good.c"
printf '/* nothing */\nint b;\n' >"$TMP/tree/core/bad.c"
printf '#!/bin/sh\n# SPDX-License-Identifier: MIT\n' >"$TMP/tree/tests/good.sh"
printf '#!/bin/sh\necho\n' >"$TMP/tree/bootstrap"
printf 'return 1\n' >"$TMP/tree/tests/lua/fixtures/data.lua"
printf -- '-- SPDX-License-Identifier: GPL-2.0\n' >"$TMP/tree/scripts/other.lua"
printf 'x\n' >"$TMP/tree/README.md"
check "the checker names exactly the files without the MIT line" \
	eq "$(missing "$TMP/tree" | tr '\n' ' ')" "bootstrap core/bad.c scripts/other.lua "

n=$(list_files "$top_srcdir" | while IFS= read -r f; do
	is_source "$f" && echo "$f"; done | wc -l)
check "there are source files to check ($n)" [ "$n" -gt 100 ]
bad=$(missing "$top_srcdir")
[ -z "$bad" ] || printf '# without "SPDX-License-Identifier: MIT" in its first lines: %s\n' $bad >&2
check "every source file carries the SPDX line" eq "$bad" ""
check "LICENSE is the MIT licence of the hotpath developers" \
	has_line "$top_srcdir/LICENSE" "Copyright (c) 2026 The hotpath developers"
finish
