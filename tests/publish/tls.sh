#!/bin/sh
# SPDX-License-Identifier: MIT
# tls.sh - the clients' side of TLS (issue 18): `hotpath query`, `dump`
# and `console` verify the program's certificate and its name (the URL's
# host, or --server-name), present a client certificate (--cert/--key) to
# a program with publish.tls.ca, and say which part of TLS failed.  A
# test CA and its certificates are made here with openssl, for 127.0.0.1
# only.  Also: --timeout and what the clients say when nothing answers.
. "$top_srcdir/tests/e2e/lib.sh"
command -v openssl >/dev/null 2>&1 || { echo "1..0 # SKIP openssl not installed"; exit 77; }
H="$top_builddir/hotpath"
L="$top_builddir/examples/live"
live=
trap 'if [ -n "$live" ]; then kill "$live" 2>/dev/null; fi; tmux -S "$TMP/tmux.sock" kill-server 2>/dev/null; rm -rf "$TMP"' EXIT

# ---- a CA, and certificates it signs ---------------------------------------
C="$TMP/certs"
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" \
	-subj /CN=hotpath-test-ca -days 1 >/dev/null 2>&1
for n in otherhost localhost client; do
	openssl req -newkey rsa:2048 -nodes -keyout "$C/$n.key" -out "$C/$n.csr" \
		-subj "/CN=$n" >/dev/null 2>&1 &&
		openssl x509 -req -in "$C/$n.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
			-CAcreateserial -out "$C/$n.pem" -days 1 >/dev/null 2>&1
done
check "openssl made the test certificates" [ -s "$C/otherhost.pem" ] && [ -s "$C/client.pem" ]

# run ARGS...: hotpath with stdout in $TMP/out, stderr in $TMP/err, $rc.
run() {
	"$H" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# start_live CERT [CA]: examples/live publishing over TLS on two ports,
# with CERT's certificate (and clients must show one CA signed); false
# when it could not listen (ports in use).
port=$((20000 + ($$ * 7) % 30000))
start_live() {
	port=$((port + 2))
	P="tls+tcp://127.0.0.1:$port"
	Q="tls+tcp://127.0.0.1:$((port + 1))"
	HOTPATH_PUB="$P" HOTPATH_QUERY="$Q" HOTPATH_PUBLISH_INTERVAL_MS=50 \
	HOTPATH_PUBLISH_TLS_CERT="$C/$1.pem" HOTPATH_PUBLISH_TLS_KEY="$C/$1.key" \
	HOTPATH_PUBLISH_TLS_CA="${2:-}" \
		"$L" 60000 >/dev/null 2>"$TMP/live.err" &
	live=$!
	i=0
	while [ $i -lt 300 ]; do # 30 s or more for its endpoints (a loaded machine)
		grep -q "cannot listen" "$TMP/live.err" && return 1
		"$H" query --timeout 500 -k --cert "$C/client.pem" --key "$C/client.key" \
			"$Q" hello >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
stop_live() {
	kill "$live" 2>/dev/null
	wait "$live" 2>/dev/null
	live=
}

# ---- a certificate for "otherhost" at 127.0.0.1 ------------------------------
if start_live otherhost; then
	run query --cacert "$C/ca.pem" "$Q" sections
	check "query: a certificate for another name is refused" eq "$rc" 1
	check "query: says the name did not match" has_line "$TMP/err" \
		"hotpath: query: TLS: $Q: the program's certificate is not for \"127.0.0.1\": the name did not match (--server-name NAME sets the name to expect)"
	check "query: nothing on stdout" [ ! -s "$TMP/out" ]
	run dump --cacert "$C/ca.pem" --count 1 "$P"
	check "dump: a certificate for another name is refused" eq "$rc" 1
	check "dump: says the name did not match" has_line "$TMP/err" \
		"hotpath: dump: TLS: $P: the program's certificate is not for \"127.0.0.1\": the name did not match (--server-name NAME sets the name to expect)"
	run query --cacert "$C/ca.pem" --server-name otherhost "$Q" sections
	check "query --server-name otherhost: the reply" jqt "$TMP/out" '.cmd == "sections"'
	run dump --cacert "$C/ca.pem" --server-name otherhost --topic hello --count 1 "$P"
	check "dump --server-name otherhost: hello" jqt "$TMP/out" '.type == "hotpath_hello" and .program == "live"'
	run query --cacert "$C/ca.pem" --server-name thirdhost "$Q" sections
	check "query --server-name of a third name: refused" has_line "$TMP/err" \
		"hotpath: query: TLS: $Q: the program's certificate is not for \"thirdhost\": the name did not match (--server-name NAME sets the name to expect)"
	run query "$Q" sections
	check "query without --cacert: exits 1" eq "$rc" 1
	check "query without --cacert: not trusted, says so" has_line "$TMP/err" \
		"hotpath: query: TLS: $Q: the program's certificate is not trusted: not signed by the CA of --cacert (none given), or expired (Peer could not be authenticated)"
	run query --insecure "$Q" sections
	check "query --insecure: no check, the reply" jqt "$TMP/out" '.cmd == "sections"'
	stop_live
else
	ok "tls: ports in use, skipped # SKIP"
	stop_live
fi

# ---- a program that wants a client certificate (publish.tls.ca) ---------------
if start_live localhost "$C/ca.pem"; then
	L_Q="tls+tcp://localhost:$((port + 1))"
	L_P="tls+tcp://localhost:$port"
	run query --cacert "$C/ca.pem" "$L_Q" sections
	check "query without --cert: exits 1" eq "$rc" 1
	check "query without --cert: asks for a client certificate" has_line "$TMP/err" \
		"hotpath: query: TLS: $L_Q: the program refused the handshake (Connection shutdown); one with publish.tls.ca asks for a client certificate: --cert and --key"
	run query --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" "$L_Q" sections
	check "query --cert --key: the reply" jqt "$TMP/out" '.cmd == "sections"'
	run query --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" \
		--server-name localhost "$Q" sections
	check "query at 127.0.0.1 with --server-name localhost: the reply" jqt "$TMP/out" '.cmd == "sections"'
	run dump --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" \
		--topic hello --count 1 "$L_P"
	check "dump --cert --key: hello" jqt "$TMP/out" '.type == "hotpath_hello"'
	# the console, in tmux, with and without its certificate
	if command -v tmux >/dev/null 2>&1; then
		T() { LC_ALL=C.UTF-8 tmux -u -S "$TMP/tmux.sock" "$@"; }
		T new-session -d -s ok -x 120 -y 30 \
			"LC_ALL=C.UTF-8 HOTPATH_CONFIG=/dev/null \"$H\" console --cacert \"$C/ca.pem\" --cert \"$C/client.pem\" --key \"$C/client.key\" \"$L_P\" 2>\"$TMP/ok.err\"; echo \$? >\"$TMP/ok.exit\"; sleep 60"
		T new-session -d -s nocert -x 200 -y 30 \
			"LC_ALL=C.UTF-8 HOTPATH_CONFIG=/dev/null \"$H\" console --timeout 4000 --cacert \"$C/ca.pem\" \"$L_P\" 2>\"$TMP/nocert.err\"; echo \$? >\"$TMP/nocert.exit\"; sleep 60"
		i=0
		while [ $i -lt 300 ]; do
			T capture-pane -p -t ok >"$TMP/screen" 2>/dev/null
			grep -q "live::tick" "$TMP/screen" && break
			sleep 0.1
			i=$((i + 1))
		done
		check "console --cert --key: the program's functions" grep -q "live::tick" "$TMP/screen"
		i=0
		while [ $i -lt 300 ]; do
			T capture-pane -p -t nocert >"$TMP/screen2" 2>/dev/null
			grep -q "TLS: " "$TMP/screen2" && break
			sleep 0.1
			i=$((i + 1))
		done
		check "console without --cert: the status line names TLS" grep -q "TLS: $L_P: the program refused the handshake" "$TMP/screen2"
		i=0
		while [ ! -s "$TMP/nocert.exit" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		check "console --timeout: exits 1" eq "$(cat "$TMP/nocert.exit" 2>/dev/null)" 1
		check "console --timeout: says why" has_line "$TMP/nocert.err" \
			"hotpath: console: no program answered within 4000 ms: TLS: $L_P: the program refused the handshake (Connection shutdown); one with publish.tls.ca asks for a client certificate: --cert and --key"
		T send-keys -t ok q
		i=0
		while [ ! -s "$TMP/ok.exit" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		check "console --cert --key: q exits 0" eq "$(cat "$TMP/ok.exit" 2>/dev/null)" 0
	else
		ok "console over TLS: tmux not installed # SKIP"
	fi
	stop_live
else
	ok "tls with a client certificate: ports in use, skipped # SKIP"
	stop_live
fi

# ---- nothing answers: --timeout and what is said ---------------------------------
free_port=$((port + 2))
run dump --timeout 300 "tcp://127.0.0.1:$free_port"
check "dump at nothing: exits 1 after --timeout" eq "$rc" 1
check "dump at nothing: says nothing listens" has_line "$TMP/err" \
	"hotpath: dump: no program answered within 300 ms: nothing listening at tcp://127.0.0.1:$free_port (Connection refused)"
run query --timeout 300 "tcp://127.0.0.1:$free_port" sections
check "query at nothing: exits 1" eq "$rc" 1
check "query at nothing: says nothing listens" has_line "$TMP/err" \
	"hotpath: query: no reply within 300 ms: nothing listening at tcp://127.0.0.1:$free_port (Connection refused)"
# without a URL: the only program in the discovery folder (here, none)
XDG_RUNTIME_DIR="$TMP/norun"
export XDG_RUNTIME_DIR
run query --timeout 300 sections
check "query without URL: no program" has_line "$TMP/err" \
	"hotpath: query: no profiled program is running (waited 300 ms; hotpath ls lists them)"
run dump --help
check "dump --help: the default timeout" has_re "$TMP/out" "milliseconds \\(default 10000; 0 waits for ever\\)"
check "dump --help: --cert and --key" has_re "$TMP/out" "^      --cert FILE, --key FILE"
run query --help
check "query --help: URL is optional" has_line "$TMP/out" "Usage: hotpath query [OPTIONS] [URL|PID|NAME] REQUEST"
run console --help
check "console --help: --server-name" has_re "$TMP/out" "^      --server-name NAME"
run dump --cert "$C/client.pem" "$P"
check "--cert without --key: usage error" eq "$rc" 2
check "--cert without --key: says so" has_line "$TMP/err" "hotpath dump: --cert and --key go together"
run query --cacert "$TMP/nonexistent.pem" "$Q" sections
check "--cacert of a missing file: usage error" eq "$rc" 2
check "--cacert of a missing file: says so" has_line "$TMP/err" \
	"hotpath query: --cacert: cannot read $TMP/nonexistent.pem: No such file or directory"
run query "tcp://127.0.0.1:$free_port"
check "query URL without REQUEST: usage error" has_line "$TMP/err" "hotpath query: needs a REQUEST after the URL"

finish
