#!/bin/sh
# SPDX-License-Identifier: MIT
# plugin_abi.sh - the built-in plugins that use only the plugin ABI compile
# with nothing but include/ on the include path, as an external plugin
# would.  The others (timing, trace, cpu) still reach into core/ and are
# not listed yet (issue 16).
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}

# plugins/flow.c is what channels, streams and futures share; they may
# include its header, "../flow.h", and nothing else of the tree.
for p in flow locks/locks streams/streams channels/channels futures/futures io/io uv/uv \
	alloc/alloc threads/threads; do
	n=$(basename "$p")
	$CC -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		-Wwrite-strings -Werror -fPIC -I"$top_srcdir/include" \
		-c "$top_srcdir/plugins/$p.c" -o "$TMP/$n.o" 2>"$TMP/$n.err"
	check "plugins/$p.c: only include/" [ $? -eq 0 ] && [ ! -s "$TMP/$n.err" ]
	[ -s "$TMP/$n.err" ] && head -5 "$TMP/$n.err"
	check "plugins/$p.c: includes nothing of core/" \
		eq "$(grep '^#include "' "$top_srcdir/plugins/$p.c" |
			grep -cv -e '^#include "\.\./flow\.h"' -e '^#include "flow\.h"')" 0
done
check "plugins/flow.h: includes nothing of core/" \
	eq "$(grep -c '^#include "' "$top_srcdir/plugins/flow.h")" 0

finish
