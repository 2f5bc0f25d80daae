#!/bin/sh
# SPDX-License-Identifier: MIT
# disabled.sh - without -DHOTPATH, examples/basic.c compiles to exactly the
# machine code of the same file with the instrumentation lines removed, and
# the object has no hp_ symbol.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
SRC="$top_srcdir/examples/basic.c"

# The plain twin: no include, no HP_MEASURE/HP_MAIN lines, blocks unwrapped.
sed -e '/#include <hotpath.h>/d' \
    -e '/^[[:space:]]*HP_MEASURE();$/d' \
    -e '/^[[:space:]]*HP_MAIN(.*);$/d' \
    -e 's/HP_MEASURE_BLOCK("[^"]*", {/{/' \
    -e 's/^\([[:space:]]*\)});$/\1}/' "$SRC" >"$TMP/plain.c"
check "the twin really differs from the source" [ "$(grep -c 'HP_' "$TMP/plain.c")" -eq 0 ] 
check "the source is instrumented" [ "$(grep -c 'HP_' "$SRC")" -ge 4 ]

for opt in -O0 -O2; do
	$CC -std=c11 $opt -I"$top_srcdir/include" -c "$SRC" -o "$TMP/off.o"
	$CC -std=c11 $opt -c "$TMP/plain.c" -o "$TMP/plain.o"
	check "$opt: no hp_ symbol without -DHOTPATH" eq "$(nm "$TMP/off.o" | grep -c ' hp_\| hp__')" 0
	for sec in .text .rodata .data .bss; do
		objcopy -O binary --only-section=$sec "$TMP/off.o" "$TMP/off.bin" 2>/dev/null
		objcopy -O binary --only-section=$sec "$TMP/plain.o" "$TMP/plain.bin" 2>/dev/null
		check "$opt: $sec identical" cmp -s "$TMP/off.bin" "$TMP/plain.bin"
	done
	$CC -std=c11 $opt -DHOTPATH -I"$top_srcdir/include" -c "$SRC" -o "$TMP/on.o"
	check "$opt: the enabled object does reference hotpath" [ "$(nm "$TMP/on.o" | grep -c ' hp__')" -gt 0 ]
done

# Arguments are not evaluated when disabled.
cat >"$TMP/args.c" <<'EOC'
#include <hotpath.h>
static int n;
const char *label(void);
const char *label(void) { n++; return "x"; }
int main(void)
{
	HP_MAIN(.percentiles = label());
	HP_MEASURE_NAMED(label());
	HP_MEASURE_BLOCK(label(), { n += 0; });
	HP_MEASURE_SAMPLED(n++);
	HP_MEASURE_NAMED_SAMPLED(label(), n++);
	HP_GAUGE(label(), n++);
	HP_GAUGE_ADD(label(), n++);
	HP_VAL(label(), n++);
	HP_DBG("%s %d", label(), n++);
	HP_DBG("no arguments");
	return n;
}
EOC
$CC -std=c11 -Wall -Wextra -I"$top_srcdir/include" "$TMP/args.c" -o "$TMP/args" 2>"$TMP/args.err"
check "disabled macros compile without warnings" [ ! -s "$TMP/args.err" ]
"$TMP/args"
check "disabled macros do not evaluate their arguments" [ $? -eq 0 ]

finish
