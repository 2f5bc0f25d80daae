# SPDX-License-Identifier: MIT
# lib.sh - helpers for the end-to-end tests: run the real programs, read
# what a user reads.  Sourced; needs top_srcdir and top_builddir.
set -u
LC_ALL=C
export LC_ALL
: "${top_srcdir:?}" "${top_builddir:?}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hp_e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# every run is isolated from a hotpath.yaml or HOTPATH_* of the caller's
for v in $(env | sed -n 's/^\(HOTPATH_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export HOTPATH_CONFIG=/dev/null
# no publishing: the tests run side by side and would share the default
# ports (tests/publish/ turns it on with endpoints of its own)
HOTPATH_PUB=off HOTPATH_QUERY=off
export HOTPATH_PUB HOTPATH_QUERY
fails=0
count=0

ok() { count=$((count + 1)); echo "ok $count - $1"; }
not_ok() { count=$((count + 1)); fails=$((fails + 1)); echo "not ok $count - $1"; }

# check DESC CMD...: passes when CMD succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# has_line FILE LINE: FILE has exactly this line.
has_line() { grep -qxF -- "$2" "$1"; }
# has_re FILE ERE: some line matches.
has_re() { grep -qE -- "$2" "$1"; }
# jqt FILE EXPR: the jq expression is true on FILE.
jqt() { [ "$(jq -r "$2" "$1" 2>/dev/null)" = true ]; }
# eq A B with a message on mismatch.
eq() {
	if [ "$1" = "$2" ]; then return 0; fi
	echo "#   expected: $2" >&2
	echo "#   got:      $1" >&2
	return 1
}

finish() {
	echo "1..$count"
	if [ "$fails" -ne 0 ]; then
		echo "# $fails of $count checks failed"
		exit 1
	fi
	exit 0
}

# asan_build: true when the library under test is built with
# AddressSanitizer, whose runtime must come first in any program that loads
# it (so neither preloading it into a plain program nor linking it into one
# built without -fsanitize works)
asan_build() {
	ldd "$top_builddir/.libs/libhotpath.so" 2>/dev/null | grep -q libasan
}
