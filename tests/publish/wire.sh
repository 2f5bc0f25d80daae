#!/bin/sh
# SPDX-License-Identifier: MIT
# wire.sh - live metrics as a subscriber reads them (docs/wire.md):
# examples/live publishing on endpoints of its own (ipc:// in the test's
# folder, one loopback port), read with `hotpath dump`, `hotpath query` and
# nngcat; every message checked with jq.  Every wait is bounded.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
L="$top_builddir/examples/live"
P="ipc://$TMP/pub"
Q="ipc://$TMP/query"

# runs until SIGTERM (at most 60 s), then reports (report.on_signal)
HOTPATH_PUB="$P" HOTPATH_QUERY="$Q" HOTPATH_PUBLISH_INTERVAL_MS=50 HOTPATH_ON_SIGNAL=1 \
	"$L" 60000 >"$TMP/live.out" 2>"$TMP/live.err" &
live=$!
trap 'kill "$live" 2>/dev/null; rm -rf "$TMP"' EXIT

# ---- hello -------------------------------------------------------------------
"$H" dump --topic hello --count 1 --timeout 4000 "$P" >"$TMP/hello" 2>"$TMP/err"
check "dump hello: exits 0" [ $? -eq 0 ]
check "dump hello: one line" eq "$(wc -l <"$TMP/hello" | tr -d ' ')" 1
J="$TMP/hello"
check "hello: type, schema, topic" jqt "$J" '.type == "hotpath_hello" and .schema == 1 and .topic == "hello"'
check "hello: pid" jqt "$J" ".pid == $live"
check "hello: program and caller" jqt "$J" '.program == "live" and .caller == "live::main"'
check "hello: host" jqt "$J" ".host == \"$(hostname)\""
check "hello: start and elapsed" jqt "$J" '(.start_unix_ns | type) == "number" and .start_unix_ns > 1600000000000000000 and .elapsed_ns >= 0'
check "hello: endpoints and interval" jqt "$J" ".endpoint == \"$P\" and .query == \"$Q\" and .interval_ms == 50"
check "hello: generator" jqt "$J" '.generator | startswith("hotpath ")'
check "hello: counters" jqt "$J" '(.sent | type) == "number" and (.dropped | type) == "number" and .events_dropped == 0'
check "hello: sections" jqt "$J" '[.sections[].id] | index("functions") != null and index("threads") != null'
check "hello: section shape" jqt "$J" 'all(.sections[]; (.id|type) == "string" and (.title|type) == "string" and (.rows|type) == "number")'

# ---- sections ------------------------------------------------------------------
"$H" dump --topic functions --count 2 --timeout 4000 "$P" >"$TMP/fn" 2>"$TMP/err"
check "dump functions: exits 0" [ $? -eq 0 ]
jq -s . "$TMP/fn" >"$TMP/fn.json" 2>/dev/null
J="$TMP/fn.json"
check "functions: two messages" jqt "$J" 'length == 2'
check "functions: envelope" jqt "$J" 'all(.[]; .type == "hotpath_section" and .schema == 1 and .topic == "functions")'
check "functions: pid" jqt "$J" "all(.[]; .pid == $live)"
check "functions: seq grows" jqt "$J" '.[0].seq < .[1].seq'
check "functions: a report of one section" jqt "$J" 'all(.[]; .report.type == "hotpath_report" and .report.version == 1 and (.report.sections | length) == 1 and .report.sections[0].id == "functions")'
check "functions: percentiles of HP_MAIN" jqt "$J" 'all(.[]; .report.percentiles == [50, 99])'
check "functions: rows" jqt "$J" '[.[1].report.sections[0].rows[].name] | sort == ["live::crunch", "live::tick"]'
check "functions: no logs in messages" jqt "$J" 'all(.[].report.sections[0].rows[]; has("log") | not)'
check "functions: calls grow" jqt "$J" '.[1].report.sections[0].rows[0].calls >= .[0].report.sections[0].rows[0].calls'

"$H" dump --raw --count 4 --timeout 4000 "$P" >"$TMP/raw" 2>"$TMP/err"
check "dump --raw: exits 0" [ $? -eq 0 ]
ok_raw=true
while IFS= read -r line; do
	topic=${line%% *}
	body=${line#* }
	[ "$(printf '%s' "$body" | jq -r .topic 2>/dev/null)" = "$topic" ] || ok_raw=false
done <"$TMP/raw"
check "dump --raw: topic, space, JSON whose topic is the prefix" $ok_raw
check "dump --raw: four lines" eq "$(wc -l <"$TMP/raw" | tr -d ' ')" 4

# ---- queries ---------------------------------------------------------------------
"$H" query "$Q" sections >"$TMP/q" 2>"$TMP/err"
check "query sections: exits 0" [ $? -eq 0 ]
check "query sections: reply" jqt "$TMP/q" '.type == "hotpath_reply" and .schema == 1 and .cmd == "sections" and ([.sections[].id] | index("functions") != null)'
"$H" query "$Q" '{"cmd":"snapshot"}' >"$TMP/q" 2>"$TMP/err"
check "query snapshot: exits 0" [ $? -eq 0 ]
check "query snapshot: a whole report" jqt "$TMP/q" ".cmd == \"snapshot\" and .report.type == \"hotpath_report\" and .report.pid == $live and .report.program == \"live\" and (.report.sections | length) >= 2"
"$H" query "$Q" '{"cmd":"section","section":"process"}' >"$TMP/q" 2>"$TMP/err"
check "query section: one section" jqt "$TMP/q" '.cmd == "section" and .report.sections[0].id == "process"'
"$H" query "$Q" '{"cmd":"section","section":"functions"}' >"$TMP/q" 2>"$TMP/err"
check "query section: with the logs" jqt "$TMP/q" 'all(.report.sections[0].rows[]; (.log | length) > 0)'
"$H" query "$Q" '{"cmd":"log","section":"functions","row":"live::tick"}' >"$TMP/q" 2>"$TMP/err"
check "query log: exits 0" [ $? -eq 0 ]
check "query log: the row's recent calls" jqt "$TMP/q" '.cmd == "log" and .row == "live::tick" and .report.sections[0].id == "functions.log" and (.report.sections[0].rows | length) > 0 and all(.report.sections[0].rows[]; .duration > 0)'
"$H" query "$Q" '{"cmd":"log","section":"functions","row":"nope"}' >"$TMP/q" 2>"$TMP/err"
check "query bad row: exits 1" [ $? -eq 1 ]
check "query bad row: error reply" jqt "$TMP/q" '.type == "hotpath_error" and .error == "no_row"'
"$H" query "$Q" '{"cmd":' >"$TMP/q" 2>"$TMP/err"
check "query bad JSON: exits 1" [ $? -eq 1 ]
check "query bad JSON: error reply" jqt "$TMP/q" '.type == "hotpath_error" and .schema == 1 and .error == "bad_request"'
"$H" query "$Q" frobnicate >"$TMP/q" 2>"$TMP/err"
check "query unknown cmd: error reply" jqt "$TMP/q" '.error == "unknown_cmd"'
big=$(head -c 5000 /dev/zero | tr '\0' ' ')
"$H" query "$Q" "{\"cmd\":\"sections\"$big}" >"$TMP/q" 2>"$TMP/err"
check "query too large: error reply" jqt "$TMP/q" '.error == "too_large"'
"$H" query "$Q" hello >"$TMP/q" 2>"$TMP/err"
check "query hello: like the message" jqt "$TMP/q" ".type == \"hotpath_hello\" and .pid == $live"

# ---- nngcat (nng-utils) reads the same messages ------------------------------------
if command -v nngcat >/dev/null 2>&1; then
	timeout 10 nngcat --sub --dial "$P" --subscribe "hello " --count 1 --ascii >"$TMP/cat" 2>"$TMP/err"
	check "nngcat sub: exits 0" [ $? -eq 0 ]
	check "nngcat sub: topic then space" has_re "$TMP/cat" '^hello \{"type":"hotpath_hello",'
	sed 's/^hello //' "$TMP/cat" >"$TMP/cat.json"
	check "nngcat sub: the hello body" jqt "$TMP/cat.json" ".type == \"hotpath_hello\" and .pid == $live"
	# nngcat 1.5.2 --req exits 1 after its reply ("Cannot set recv
	# timeout") and now and then gives up before it: up to 3 tries
	for try in 1 2 3; do
		timeout 10 nngcat --req --dial "$Q" --data '{"cmd":"sections"}' --count 1 --ascii >"$TMP/cat" 2>"$TMP/err"
		[ -s "$TMP/cat" ] && break
	done
	check "nngcat req: reply" jqt "$TMP/cat" '.type == "hotpath_reply" and .cmd == "sections"'
else
	not_ok "nngcat not found (nng-utils)"
fi

# ---- an endpoint in use: one warning, the program runs on ----------------------------
HOTPATH_PUB="$P" HOTPATH_QUERY="$Q" "$L" 200 >"$TMP/out2" 2>"$TMP/err2"
check "in use: exits 0" [ $? -eq 0 ]
check "in use: one [hotpath] warning" eq "$(grep -c '^\[hotpath\] publish' "$TMP/err2")" 1
check "in use: the warning" has_line "$TMP/err2" "[hotpath] publish.endpoint: cannot listen on \"$P\": Address in use; running without publishing"
check "in use: the report follows" has_re "$TMP/err2" '^\| live::tick +\|'

# ---- no reply, bad usage ------------------------------------------------------------------
"$H" query --timeout 300 "ipc://$TMP/nobody" sections >"$TMP/q" 2>"$TMP/err"
check "query nobody: exits 1" [ $? -eq 1 ]
check "query nobody: says so" has_line "$TMP/err" "hotpath: query: no reply within 300 ms: nothing listening at ipc://$TMP/nobody (Connection refused)"
"$H" dump --timeout 300 "ipc://$TMP/nobody" >"$TMP/q" 2>"$TMP/err"
check "dump nobody: exits 1" [ $? -eq 1 ]
check "dump nobody: says so" has_line "$TMP/err" "hotpath: dump: no program answered within 300 ms: nothing listening at ipc://$TMP/nobody (Connection refused)"
"$H" dump --count 0 >/dev/null 2>"$TMP/err"
check "dump --count 0: usage" [ $? -eq 2 ]
"$H" query "$Q" >/dev/null 2>"$TMP/err"
check "query without request: usage" [ $? -eq 2 ]
"$H" dump --help >"$TMP/q" 2>&1
check "dump --help" has_re "$TMP/q" '^Usage: hotpath dump '

kill -TERM "$live"
wait "$live"
check "live: ends on SIGTERM" [ $? -eq 143 ]
check "live: reported" has_re "$TMP/live.err" '^\| live::tick +\|'
check "live: no warning" eq "$(grep -c '^\[hotpath\] publish' "$TMP/live.err")" 0
check "live: nothing on stdout" [ ! -s "$TMP/live.out" ]

# ---- a loopback TCP port, query off --------------------------------------------------------
port=$((20000 + $$ % 30000))
T="tcp://127.0.0.1:$port"
HOTPATH_PUB="$T" HOTPATH_QUERY=off "$L" 60000 >/dev/null 2>"$TMP/err3" &
live=$!
"$H" dump --topic hello --count 1 --timeout 8000 "$T" >"$TMP/hello" 2>"$TMP/err"
if grep -q "Address in use" "$TMP/err3"; then
	ok "tcp: port $port busy, skipped"
else
	check "tcp: hello" jqt "$TMP/hello" ".endpoint == \"$T\" and .query == null and .pid == $live"
fi
kill "$live"
wait "$live"

# ---- tls+tcp with publish.tls (a self-signed certificate for localhost) ----------------------
port=$((port + 2))
T="tls+tcp://127.0.0.1:$port"
HOTPATH_PUB="$T" HOTPATH_QUERY=off "$L" 200 >/dev/null 2>"$TMP/err4"
check "tls without a certificate: one warning" has_line "$TMP/err4" "[hotpath] publish.endpoint: cannot listen on \"$T\": a tls+ endpoint needs publish.tls.cert and publish.tls.key; running without publishing"
if command -v openssl >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
		-subj /CN=localhost -days 1 >/dev/null 2>&1; then
	HOTPATH_PUB="$T" HOTPATH_QUERY="tls+tcp://127.0.0.1:$((port + 1))" \
	HOTPATH_PUBLISH_TLS_CERT="$TMP/cert.pem" HOTPATH_PUBLISH_TLS_KEY="$TMP/key.pem" \
		"$L" 60000 >/dev/null 2>"$TMP/err3" &
	live=$!
	"$H" dump --insecure --topic hello --count 1 --timeout 8000 "$T" >"$TMP/hello" 2>"$TMP/err"
	if grep -q "Address in use" "$TMP/err3"; then
		ok "tls: port $port busy, skipped"
	else
		check "tls: hello" jqt "$TMP/hello" ".endpoint == \"$T\" and .pid == $live"
		"$H" query --cacert "$TMP/cert.pem" "tls+tcp://localhost:$((port + 1))" sections >"$TMP/q" 2>"$TMP/err"
		check "tls: query, certificate checked" jqt "$TMP/q" '.cmd == "sections"'
		"$H" query --timeout 500 "tls+tcp://127.0.0.1:$((port + 1))" sections >"$TMP/q" 2>"$TMP/err"
		check "tls: an unknown certificate is refused" [ $? -eq 1 ]
	fi
	kill "$live"
	wait "$live"
else
	not_ok "openssl cannot make a test certificate"
fi
finish
