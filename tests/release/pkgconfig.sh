#!/bin/sh
# SPDX-License-Identifier: MIT
# pkgconfig.sh - the .pc files a consumer reads: hotpath.pc gives the
# include path and the library but never -DHOTPATH (profiling is the
# consumer's choice), both carry the release's version, and
# examples/basic.c builds with them, with and without -DHOTPATH.
. "$top_srcdir/tests/e2e/lib.sh"
command -v pkg-config >/dev/null || { echo "1..0 # SKIP pkg-config not found"; exit 77; }
PKG_CONFIG_PATH=$top_builddir
export PKG_CONFIG_PATH
V=$(sed -n 's/^#define HP_VERSION_STRING "\(.*\)"$/\1/p' "$top_srcdir/include/hotpath.h")

cflags=$(pkg-config --cflags hotpath)
check "hotpath.pc: Cflags without -DHOTPATH ($cflags)" eq "$(echo "$cflags" | grep -c -- '-DHOTPATH')" 0
check "hotpath.pc: Libs" eq "$(echo $(pkg-config --libs-only-l hotpath))" "-lhotpath"
check "hotpath.pc: version" eq "$(pkg-config --modversion hotpath)" "$V"
check "hotpath-alloc.pc: version" eq "$(pkg-config --modversion hotpath-alloc)" "$V"
check "hotpath-alloc.pc: Cflags give HOTPATH_ALLOC only" \
	eq "$(echo $(pkg-config --cflags-only-other hotpath-alloc))" "-DHOTPATH_ALLOC"
check "hotpath-io.pc: version" eq "$(pkg-config --modversion hotpath-io)" "$V"
check "hotpath-io.pc: Cflags give HOTPATH_IO only" \
	eq "$(echo $(pkg-config --cflags-only-other hotpath-io))" "-DHOTPATH_IO"

# The built tree stands in for the installed prefix: its headers and
# libhotpath.so (libtool's .libs/), then the example runs with its report.
CC=${CC:-cc}
L="$top_builddir/.libs"
# An AddressSanitizer build's library needs the sanitizer's runtime first in
# the program, so the consumer is built with the same flags there.
san=
asan_build && san="-fsanitize=address,undefined"
$CC -I"$top_srcdir/include" $cflags "$top_srcdir/examples/basic.c" -o "$TMP/plain" \
	-L"$L" $(pkg-config --libs hotpath) 2>"$TMP/err"
check "basic.c builds with the .pc flags and no -DHOTPATH" [ $? -eq 0 ]
check "without -DHOTPATH it does not reference libhotpath" eq "$(nm "$TMP/plain" | grep -c ' U hp_')" 0
$CC $san -DHOTPATH -I"$top_srcdir/include" $cflags "$top_srcdir/examples/basic.c" -o "$TMP/on" \
	-L"$L" $(pkg-config --libs hotpath) 2>"$TMP/err"
check "basic.c builds with -DHOTPATH and the .pc flags" [ $? -eq 0 ]
LD_LIBRARY_PATH=$L "$TMP/on" >/dev/null 2>"$TMP/report"
check "the profiled build reports" has_re "$TMP/report" '^\[hotpath\] Performance summary from basic::main'
finish
