#!/bin/sh
# SPDX-License-Identifier: MIT
# plugin_abi.sh - every built-in plugin compiles with nothing but include/
# on the include path, as an external plugin would, and includes no header
# of the tree but its own folder's and plugins/flow.h (what channels,
# streams and futures share): what a plugin needs of the core is in
# hotpath/plugin.h, for third-party plugins too (issue 16).
#
# Not plugins: the libraries preloaded into a program, plugins/*/interpose.c
# (libhotpath-alloc, libhotpath-io, with plugins/io/interpose_net.c and
# interpose.h) and plugins/cpu/preload.c (libhotpath-cpu), are
# libhotpath's own, next to the plugin that reads what they record.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
# The cpu plugin's DWARF unwinding needs libdw (HAVE_LIBDW, from the
# build's config.h, which a file includes only under HAVE_CONFIG_H): its
# files are compiled both without and, where elfutils' headers are, with it.
dw=
printf '#include <elfutils/libdwfl.h>\n' | $CC -E -x c - >/dev/null 2>&1 && dw=-DHAVE_LIBDW

files=$(cd "$top_srcdir" && find plugins -name '*.[ch]' | LC_ALL=C sort)
compiled=
cc_ok() { [ "$1" -eq 0 ] && [ ! -s "$2" ]; }
for f in $files; do
	case $f in
	*/interpose.c | plugins/io/interpose.h | plugins/io/interpose_net.c | plugins/cpu/preload.c) continue ;;
	esac
	dir=$(dirname "$f")
	# every "quoted" include names a file of plugins/ (the same folder or flow.h)
	bad=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' \
		"$top_srcdir/$f" | while read -r h; do
		if [ "$h" = config.h ]; then
			# the build's feature macros, never needed to compile
			grep -B1 '^#include "config.h"' "$top_srcdir/$f" | head -1 |
				grep -qx '#ifdef HAVE_CONFIG_H' || echo "$h (without #ifdef HAVE_CONFIG_H)"
			continue
		fi
		p=$(cd "$top_srcdir/$dir" 2>/dev/null && realpath -q -- "$h")
		case $p in
		"$(cd "$top_srcdir" && pwd -P)"/plugins/*) [ -f "$p" ] || echo "$h" ;;
		*) echo "$h" ;;
		esac
	done)
	check "$f: includes nothing of core/ (only include/ and plugins/)" eq "$bad" ""
	case $f in
	*.c) ;;
	*) continue ;;
	esac
	n=$(echo "$f" | tr / _)
	for d in "" $dw; do
		case $f in plugins/cpu/*) ;; *) [ -n "$d" ] && continue ;; esac
		$CC -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
			-Wwrite-strings -Werror -fPIC $d -I"$top_srcdir/include" \
			-c "$top_srcdir/$f" -o "$TMP/$n.o" 2>"$TMP/$n.err"
		rc=$?
		check "$f${d:+ ($d)}: compiles with only include/, no warning" \
			cc_ok "$rc" "$TMP/$n.err"
		[ -s "$TMP/$n.err" ] && head -5 "$TMP/$n.err"
	done
	compiled="$compiled $f"
done
# a plugin moved or renamed must not drop out of the test unseen
for f in plugins/timing/timing.c plugins/timing/calltree.c plugins/flow.c \
	plugins/timing/ctree_nodes.c plugins/timing/ctree_replay.c plugins/timing/ctree_snap.c \
	plugins/values/values.c plugins/uv/uv.c plugins/cpu/cpu.c plugins/cpu/perf.c \
	plugins/trace/trace.c plugins/trace/trace_write.c \
	plugins/cpu/unwind.c plugins/cpu/unwind_names.c plugins/cpu/cfi.c plugins/cpu/itimer.c \
	plugins/cpu/profile.c plugins/cpu/sections.c plugins/cpu/kallsyms.c; do
	check "$f is among them" eq "$(echo "$compiled" | tr ' ' '\n' | grep -cx "$f")" 1
done

finish
