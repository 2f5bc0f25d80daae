#!/bin/sh
# SPDX-License-Identifier: MIT
# headers.sh - libhotpath's internal headers follow one model (core/hpi.h):
# one header per module, named after it, each compiling on its own, and
# every function or variable a core/ file shares declared in its own
# module's header.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
core=$top_srcdir/core
FLAGS="-std=gnu11 -DHOTPATH -DHOTPATH_BUILDING -Wall -Wextra -Werror -fsyntax-only"
INC="-I$top_srcdir/include -I$core -I$top_builddir"

# Each header alone.
for h in "$core"/*.h; do
	b=${h##*/}
	printf '#include "%s"\n#include "%s"\n' "$b" "$b" >"$TMP/one.c"
	check "$b compiles alone (and twice)" $CC $FLAGS $INC "$TMP/one.c"
	check "$b is in core/Makemodule.am (make dist)" \
		grep -q "%reldir%/$b " "$core/Makemodule.am"
done

# header_of FILE.c: the header its module's names belong in: X.h for X.c
# or X_part.c (a module split in files), X_impl.h where X.h is another
# project's name (config, lua, term).
header_of() {
	stem=${1##*/}
	stem=${stem%.c}
	[ "$stem" = hotpath_lua ] && stem=lua # generated from scripts/hotpath.lua
	for cand in "$stem" "${stem%%_*}"; do
		for h in "$cand.h" "${cand}_impl.h"; do
			if [ -f "$core/$h" ]; then
				echo "$h"
				return
			fi
		done
	done
	echo "(none)"
}

# The names a .c file defines for other files: hpi_ functions and
# variables at the start of a line, not static.
shared_names() {
	sed -n -E 's/^[a-z][a-z0-9_ *]*[ *](hpi_[a-z0-9_]+)(\(|\[| =|;).*/\1/p' "$1" |
		grep -v '^$' | sort -u
}

misplaced=""
for c in "$core"/*.c; do
	want=$(header_of "$c")
	for name in $(shared_names "$c"); do
		# declared in which headers (a prototype or an extern)
		where=$(grep -lE "(^|[ *])$name(\(|\[|;)" "$core"/*.h 2>/dev/null |
			sed 's|.*/||' | tr '\n' ' ')
		[ -n "$where" ] || continue # file-local by name only
		case " $where" in
		*" $want "*) ;;
		*) misplaced="$misplaced ${c##*/}:$name->$where(want $want)" ;;
		esac
	done
done
check "every shared name is declared in its module's header" eq "$misplaced" ""
# the check saw the names (a broken pattern would pass vacuously)
n=$(for c in "$core"/*.c; do shared_names "$c"; done | wc -l)
check "found the shared names ($n)" [ "$n" -gt 250 ]

finish
