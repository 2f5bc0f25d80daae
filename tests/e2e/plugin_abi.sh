#!/bin/sh
# SPDX-License-Identifier: MIT
# plugin_abi.sh - every built-in plugin compiles with nothing but include/
# on the include path, as an external plugin would, and includes no header
# of the tree but its own folder's and plugins/flow.h (what channels,
# streams and futures share): what a plugin needs of the core is in
# hotpath/plugin.h, for third-party plugins too (issue 16).
#
# Not plugins: the libraries preloaded into a program, plugins/*/interpose.c
# (libhotpath-alloc, libhotpath-io) and plugins/cpu/preload.c
# (libhotpath-cpu), are libhotpath's own, next to the plugin that reads
# what they record.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
# Plugins still reaching into core/ (issue 16's last step): none other.
PENDING="plugins/cpu/"

files=$(cd "$top_srcdir" && find plugins -name '*.[ch]' | LC_ALL=C sort)
compiled=
cc_ok() { [ "$1" -eq 0 ] && [ ! -s "$2" ]; }
for f in $files; do
	case $f in
	*/interpose.c | plugins/cpu/preload.c) continue ;;
	esac
	case $f in
	"$PENDING"*) continue ;;
	esac
	dir=$(dirname "$f")
	# every "quoted" include names a file of plugins/ (the same folder or flow.h)
	bad=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' \
		"$top_srcdir/$f" | while read -r h; do
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
	$CC -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		-Wwrite-strings -Werror -fPIC -I"$top_srcdir/include" \
		-c "$top_srcdir/$f" -o "$TMP/$n.o" 2>"$TMP/$n.err"
	rc=$?
	check "$f: compiles with only include/, no warning" cc_ok "$rc" "$TMP/$n.err"
	[ -s "$TMP/$n.err" ] && head -5 "$TMP/$n.err"
	compiled="$compiled $f"
done
# a plugin moved or renamed must not drop out of the test unseen
for f in plugins/timing/timing.c plugins/timing/calltree.c plugins/flow.c \
	plugins/values/values.c plugins/uv/uv.c; do
	check "$f is among them" eq "$(echo "$compiled" | tr ' ' '\n' | grep -cx "$f")" 1
done

finish
