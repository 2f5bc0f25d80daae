#!/bin/sh
# SPDX-License-Identifier: MIT
# setuid.sh - a setuid-root profiled program run by an unprivileged user
# ignores every HOTPATH_* variable and every file that user controls
# (docs/security.md): no plugin of theirs runs as root, no root-owned file
# is created where they say, no root-only file is read back to them.
# Needs root (to make the setuid copy) and setpriv; else skipped (77).
. "$top_srcdir/tests/e2e/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "# SKIP: needs root to make a setuid program"; exit 77; fi
command -v setpriv >/dev/null || { echo "# SKIP: no setpriv (util-linux)"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "# SKIP: no user nobody"; exit 77; }
case "${SAN_CFLAGS:-}" in *sanitize*) echo "# SKIP: sanitizers refuse setuid programs"; exit 77;; esac

# a folder nobody can enter but not write; the setuid copy in it
D="$TMP/suid"
mkdir -p "$D" && chmod 755 "$TMP" "$D"
cp "$top_builddir/tests/security/subject" "$D/subject"
chown root:root "$D/subject" && chmod 4755 "$D/subject"
# what the unprivileged user offers
U="$TMP/user"
mkdir -p "$U" && chown nobody "$U" && chmod 755 "$U"
printf 'report:\n  limit: TOPSECRET\n' >"$D/root-only.yaml" && chmod 600 "$D/root-only.yaml"
cp "$top_builddir/examples/plugin/.libs/slowest.so" "$U/evil.so"
printf 'plugins:\n  load: [./evil.so]\nreport:\n  scripts: [./evil.lua]\n' >"$U/hotpath.yaml"
printf 'os.execute("touch %s/lua-ran")\nreturn function() end\n' "$D" >"$U/evil.lua"
chown nobody "$U"/*

run_as_nobody() {
	(cd "$U" && env HOTPATH_PLUGINS="$U/evil.so" HOTPATH_OUTPUT="$D/created-by-root" \
		HOTPATH_CONFIG="$D/root-only.yaml" HOTPATH_FORMAT=json HOTPATH_SCRIPTS="$U/evil.lua" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@")
}

run_as_nobody "$D/subject" >"$TMP/out" 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
check "the process was in secure execution (one line says so)" \
	eq "$(grep -c '^\[hotpath\] secure execution (setuid, setgid or capabilities): HOTPATH_\* variables, hotpath.yaml and relative or user-writable plugin and script paths are ignored$' "$TMP/err")" 1
# (secure execution ignores HOTPATH_PUB/HOTPATH_QUERY too, so the program
# listens on the default ports, which a test running beside it may hold:
# "cannot listen" is not a line this test is about)
check "no other [hotpath] line" eq "$(grep '^\[hotpath\]' "$TMP/err" |
	grep -v ': cannot listen on "tcp://127\.0\.0\.1:677[01]": ' |
	grep -vc 'secure execution\|Performance summary')" 0
check "HOTPATH_OUTPUT ignored: no file created" [ ! -e "$D/created-by-root" ]
check "HOTPATH_FORMAT ignored: the table" has_re "$TMP/err" '^\| subject::subject_work +\| 10 +\|'
check "HOTPATH_CONFIG ignored: the root-only file is not echoed" eq "$(grep -c TOPSECRET "$TMP/err")" 0
check "HOTPATH_PLUGINS and ./hotpath.yaml ignored: no plugin section" eq "$(grep -c 'Slowest' "$TMP/err")" 0
check "no script ran" [ ! -e "$D/lua-ran" ]
check "stdout untouched" [ ! -s "$TMP/out" ]

# the same program without the setuid bit obeys its user, as always
cp "$top_builddir/tests/security/subject" "$U/plain" && chown nobody "$U/plain"
(cd "$U" && env HOTPATH_FORMAT=json HOTPATH_OUTPUT="$U/report.json" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$U/plain") 2>"$TMP/err2"
check "not setuid: no secure-execution line" eq "$(grep -c 'secure execution' "$TMP/err2")" 0
check "not setuid: HOTPATH_OUTPUT and HOTPATH_FORMAT obeyed" \
	jqt "$U/report.json" '.sections[0].rows[0].calls == 10'
finish
