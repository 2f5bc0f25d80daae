#!/bin/sh
# SPDX-License-Identifier: MIT
# metrics.sh - publish.metrics as a scraper reads it (docs/metrics.md):
# examples/service serving OpenMetrics on a loopback port of its own, read
# with curl in both formats, exact counts checked, promtool's linter run when
# it is installed, the same text from `hotpath query` on its query endpoint,
# and a second program on the same port is one warning.  Bounded waits.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
S="$top_builddir/examples/service"
command -v curl >/dev/null 2>&1 || { echo "1..0 # SKIP curl is not installed"; exit 77; }
OM='Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'

svc=
trap 'kill "$svc" 2>/dev/null; rm -rf "$TMP"' EXIT

# start_service PORT: examples/service serving on PORT, queries on ipc; sets
# svc, and fails when the port is taken (then the next one is tried)
start_service() {
	: >"$TMP/svc.err"
	HOTPATH_METRICS="http://127.0.0.1:$1/metrics" HOTPATH_PUB="ipc://$TMP/pub" HOTPATH_QUERY="ipc://$TMP/query" \
		HOTPATH_ON_SIGNAL=1 "$S" 1000 60 >"$TMP/svc.out" 2>"$TMP/svc.err" &
	svc=$!
	i=0
	while [ $i -lt 100 ]; do
		if grep -q "cannot serve" "$TMP/svc.err"; then
			kill "$svc" 2>/dev/null
			wait "$svc" 2>/dev/null
			return 1
		fi
		curl -s -o /dev/null "http://127.0.0.1:$1/metrics" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
port=$((20000 + ($$ * 11) % 30000))
tries=0
until start_service $port; do
	tries=$((tries + 1))
	[ $tries -lt 10 ] || { echo "1..0 # SKIP no free port"; exit 77; }
	port=$((port + 3))
done
U="http://127.0.0.1:$port/metrics"

# the 1,000 requests are done once the channel has received all of them
i=0
while [ $i -lt 100 ]; do
	curl -s -H "$OM" -D "$TMP/om.head" -o "$TMP/om" "$U"
	grep -q 'hotpath_channel_received_total{.*} 1000$' "$TMP/om" && break
	sleep 0.1
	i=$((i + 1))
done
pid=$svc
l="program=\"service\",pid=\"$pid\""

check "OpenMetrics: content type" grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$TMP/om.head"
check "OpenMetrics: ends with # EOF" eq "$(tail -n 1 "$TMP/om")" "# EOF"
check "OpenMetrics: one # EOF" eq "$(grep -c '^# EOF' "$TMP/om")" 1
check "calls: exact" has_line "$TMP/om" "hotpath_function_calls_total{$l,function=\"service::handle_request\"} 1000"
check "calls: TYPE and HELP" has_line "$TMP/om" "# TYPE hotpath_function_calls counter"
check "seconds: UNIT" has_line "$TMP/om" "# UNIT hotpath_function_seconds seconds"
check "histogram: +Inf is every call" has_line "$TMP/om" "hotpath_function_duration_seconds_bucket{$l,function=\"service::handle_request\",le=\"+Inf\"} 1000"
check "histogram: count" has_line "$TMP/om" "hotpath_function_duration_seconds_count{$l,function=\"service::handle_request\"} 1000"
check "histogram: 26 buckets a function" eq "$(grep -c "^hotpath_function_duration_seconds_bucket{$l,function=\"service::handle_request\"" "$TMP/om")" 26
check "histogram: buckets never decrease" sh -c "grep '^hotpath_function_duration_seconds_bucket{.*handle_request' '$TMP/om' | awk '{ if (\$2 < last) exit 1; last = \$2 }'"
check "channel: sent" has_line "$TMP/om" "hotpath_channel_sent_total{$l,channel=\"service::jobs\",type=\"bounded\"} 1000"
check "channel: received" has_line "$TMP/om" "hotpath_channel_received_total{$l,channel=\"service::jobs\",type=\"bounded\"} 1000"
check "channel: bytes" has_line "$TMP/om" "hotpath_channel_sent_bytes_total{$l,channel=\"service::jobs\",type=\"bounded\"} 8000"
check "channel: queued" has_line "$TMP/om" "hotpath_channel_queued{$l,channel=\"service::jobs\",type=\"bounded\"} 0"
check "channel: delay count" has_line "$TMP/om" "hotpath_channel_delay_seconds_count{$l,channel=\"service::jobs\",type=\"bounded\"} 1000"
check "lock: acquisitions" has_line "$TMP/om" "hotpath_lock_acquisitions_total{$l,lock=\"service::stats\"} 1000"
check "lock: hold count" has_line "$TMP/om" "hotpath_lock_hold_seconds_count{$l,lock=\"service::stats\"} 1000"
check "lock: quantiles of HP_MAIN" has_re "$TMP/om" "^hotpath_lock_wait_seconds\{$l,lock=\"service::stats\",quantile=\"0.99\"\} [0-9.]+$"
check "thread: the main thread's CPU" has_re "$TMP/om" "^hotpath_thread_cpu_seconds_total\{$l,thread=\"service\",tid=\"$pid\",mode=\"user\"\} [0-9.]+$"
check "thread: state" has_re "$TMP/om" "^hotpath_thread_state\{$l,thread=\"hp-collector\",tid=\"[0-9]+\",state=\"[a-z ]+\"\} 1$"
check "process: RSS" has_re "$TMP/om" "^hotpath_process_rss_bytes\{$l\} [1-9][0-9]*$"
check "every sample has program and pid" eq "$(grep -v '^#' "$TMP/om" | grep -vc "{$l")" 0

curl -s -D "$TMP/txt.head" -o "$TMP/txt" "$U"
check "text 0.0.4: content type" grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$TMP/txt.head"
check "text 0.0.4: counters typed by sample name" has_line "$TMP/txt" "# TYPE hotpath_function_calls_total counter"
check "text 0.0.4: no UNIT, no EOF" eq "$(grep -c '^# \(UNIT\|EOF\)' "$TMP/txt")" 0
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$TMP/txt" >"$TMP/lint" 2>&1
	check "promtool check metrics accepts it" eq "$?:$(cat "$TMP/lint")" "0:"
else
	echo "# promtool is not installed: its check is skipped"
fi

"$H" query "ipc://$TMP/query" metrics >"$TMP/q" 2>"$TMP/q.err"
check "query metrics: exits 0" eq "$?" 0
check "query metrics: the same families" eq "$(grep '^# TYPE' "$TMP/q" | sort | tr '\n' ' ')" "$(grep '^# TYPE' "$TMP/om" | sort | tr '\n' ' ')"

# a second program on the same port: one line, and it runs on
HOTPATH_METRICS="$U" "$S" 10 0 >"$TMP/two.out" 2>"$TMP/two.err"
check "second program: exits 0" eq "$?" 0
check "second program: one line" has_re "$TMP/two.err" "^\[hotpath\] publish.metrics: cannot serve \"$U\": .*; running without metrics$"
check "second program: its report" has_re "$TMP/two.err" '^\| service::handle_request +\| 10 '

kill -TERM "$svc"
wait "$svc"
check "service: SIGTERM's status" eq "$?" 143
check "service: report has the 1000 calls" has_re "$TMP/svc.err" '^\| service::handle_request +\| 1000 '
check "service: no other line" eq "$(grep -c '^\[hotpath\]' "$TMP/svc.err")" 1
finish
