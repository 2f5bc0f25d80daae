#!/bin/sh
# SPDX-License-Identifier: MIT
# header.sh - hotpath.h compiles without warnings as C99, C11 and C++11
# (-Wall -Wextra -pedantic), enabled and disabled, and the scope macros
# measure in C++ too.
. "$top_srcdir/tests/e2e/lib.sh"
CC=${CC:-cc}
CXX=${CXX:-c++}
INC="-I$top_srcdir/include"

cat >"$TMP/use.c" <<'EOC'
#include <hotpath.h>
#include <hotpath/plugin.h>
static int twice(int x)
{
	HP_MEASURE();
	return 2 * x;
}
int main(void)
{
	HP_MAIN(.percentiles = "50,99", .limit = 0, .format = HP_FORMAT_TABLE);
	int s = 0;
	for (int i = 0; i < 10; i++) {
		HP_MEASURE_NAMED("loop_body");
		HP_DBG("i=%d %s %.1f %p", i, "of ten", 0.5 * i, (void *)&s);
		HP_GAUGE("i", i);
		HP_MEASURE_BLOCK("inner", {
			s += twice(i);
			if (s > 1000)
				break;
			continue;
		});
	}
	return s == 90 ? 0 : 1;
}
EOC
cp "$TMP/use.c" "$TMP/use.cc"
sed -i 's/HP_MAIN(.*);/HP_MAIN();/' "$TMP/use.cc"

for std in c99 c11; do
	for def in "" -DHOTPATH; do
		$CC -std=$std -Wall -Wextra -pedantic -Werror $def $INC -c "$TMP/use.c" -o "$TMP/u.o" 2>"$TMP/e"
		check "$std ${def:-disabled}: no warnings" [ $? -eq 0 ] && [ ! -s "$TMP/e" ]
	done
done
for def in "" -DHOTPATH; do
	$CXX -std=c++11 -Wall -Wextra -pedantic -Werror $def $INC -c "$TMP/use.cc" -o "$TMP/u.o" 2>"$TMP/e"
	check "c++11 ${def:-disabled}: no warnings" [ $? -eq 0 ] && [ ! -s "$TMP/e" ]
done

LIB="$top_builddir/.libs"
$CXX -std=c++11 -DHOTPATH $INC "$TMP/use.cc" -o "$TMP/usecc" -L"$LIB" -lhotpath -Wl,-rpath,"$LIB" ${SAN_CFLAGS:-}
HOTPATH_FORMAT=json "$TMP/usecc" 2>"$TMP/json"
check "C++ program runs and exits 0" [ $? -eq 0 ]
F='.sections[] | select(.id == "functions") | .rows[]'
check "C++: loop_body measured 10 times" jqt "$TMP/json" "[$F | select(.name == \"loop_body\") | .calls][0] == 10"
check "C++: inner block measured 10 times (continue ends it)" jqt "$TMP/json" "[$F | select(.name == \"inner\") | .calls][0] == 10"
check "C++: function label is <file stem>::<function>" jqt "$TMP/json" "[$F | select(.name == \"use::twice\") | .calls][0] == 10"
check "C++: caller is use::main" jqt "$TMP/json" '.caller == "use::main"'
D='.sections[] | select(.id == "debug") | .rows[0]'
check "C++: HP_DBG's ten messages, the last formatted" jqt "$TMP/json" \
	"[$D | .count == 10 and (.last | startswith(\"i=9 of ten 4.5 0x\"))][0]"

$CC -std=c11 -DHOTPATH $INC "$TMP/use.c" -o "$TMP/usec" -L"$LIB" -lhotpath -Wl,-rpath,"$LIB" ${SAN_CFLAGS:-}
HOTPATH_FORMAT=json "$TMP/usec" 2>"$TMP/cjson"
check "C: HP_MAIN options reach the report" jqt "$TMP/cjson" '.percentiles == [50,99]'
check "C: break and continue leave the block measured" jqt "$TMP/cjson" "[$F | select(.name == \"inner\") | .calls][0] == 10"
check "C: HP_DBG's ten messages, the last formatted" jqt "$TMP/cjson" \
	"[$D | .count == 10 and (.last | startswith(\"i=9 of ten 4.5 0x\"))][0]"
check "C: the gauge's last value" jqt "$TMP/cjson" \
	'[.sections[] | select(.id == "gauges") | .rows[0].last][0] == 9'

# The static library works too.
$CC -std=c11 -DHOTPATH $INC "$TMP/use.c" -o "$TMP/usestatic" "$LIB/libhotpath.a" -lyaml ${LUA_LIBS:--llua5.4} ${NNG_LIBS:--lnng} ${DW_LIBS-} -lm -ldl -pthread ${SAN_CFLAGS:-}
HOTPATH_FORMAT=json "$TMP/usestatic" 2>"$TMP/sjson"
check "static libhotpath.a: the same report" jqt "$TMP/sjson" "[$F | select(.name == \"inner\") | .calls][0] == 10"

# The parts hotpath.h and plugin.h include are not headers of their own: one
# included alone stops the build with a line that says which to include.
for part in record.h:hotpath.h probes.h:hotpath.h plugin_util.h:hotpath/plugin.h; do
	sub=${part%%:*} want=${part#*:}
	printf '#include <hotpath/%s>\nint main(void) { return 0; }\n' "$sub" >"$TMP/part.c"
	$CC -DHOTPATH $INC -c "$TMP/part.c" -o "$TMP/part.o" 2>"$TMP/e"
	st=$?
	check "hotpath/$sub alone: an error naming <$want>" [ $st -ne 0 ] &&
		grep -q "error: #error \"include <$want>, not <hotpath/$sub>\"" "$TMP/e"
done

finish
