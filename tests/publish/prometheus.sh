#!/bin/sh
# SPDX-License-Identifier: MIT
# prometheus.sh - a real Prometheus (Debian's prometheus package) scraping
# examples/service's publish.metrics and `hotpath exporter`, which finds the
# service and an examples/live started after it (docs/metrics.md): exact
# call counts and plausible rates and latencies through Prometheus' HTTP
# API, a program that ends disappears, promtool accepts the exporter's
# text.  Prometheus runs on a loopback port of its own with a temporary
# configuration and storage (never the system's service).  SKIPs (77) when
# prometheus is not installed; .ci/run installs it.  Bounded waits.
. "$top_srcdir/tests/e2e/lib.sh"
H="$top_builddir/hotpath"
S="$top_builddir/examples/service"
LIVE="$top_builddir/examples/live"
for tool in prometheus promtool curl jq; do
	command -v $tool >/dev/null 2>&1 || { echo "1..0 # SKIP $tool is not installed"; exit 77; }
done

svc= live= exp= prom=
cleanup() {
	for p in $prom $exp $live $svc; do kill "$p" 2>/dev/null; done
	for p in $prom $exp $live $svc; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
# discovery in a folder of the test's own, programs on their ipc sockets
XDG_RUNTIME_DIR="$TMP/run"
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset HOTPATH_PUB HOTPATH_QUERY

# wait_for CMD...: polls CMD every 0.2 s for at most 20 s
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		"$@" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
up() { curl -s -o /dev/null "$1"; }

# three free loopback ports: the service's metrics, the exporter, Prometheus
base=$((21000 + ($$ * 13) % 20000))
try=0
while :; do
	A=$base B=$((base + 1)) C=$((base + 2))
	HOTPATH_METRICS="http://127.0.0.1:$A/metrics" HOTPATH_ON_SIGNAL=1 \
		"$S" 1000 120 >"$TMP/svc.out" 2>"$TMP/svc.err" &
	svc=$!
	"$H" exporter --listen "127.0.0.1:$B" --timeout 500 2>"$TMP/exp.err" &
	exp=$!
	if wait_for up "http://127.0.0.1:$A/metrics" && wait_for up "http://127.0.0.1:$B/metrics"; then
		break
	fi
	kill $svc $exp 2>/dev/null
	wait $svc $exp 2>/dev/null
	try=$((try + 1))
	[ $try -lt 5 ] || { echo "1..0 # SKIP no free ports"; exit 77; }
	base=$((base + 7))
done
# started after the exporter: it must appear there
"$LIVE" 120000 >/dev/null 2>"$TMP/live.err" &
live=$!

cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: direct
    static_configs:
      - targets: ["127.0.0.1:$A"]
  - job_name: exporter
    static_configs:
      - targets: ["127.0.0.1:$B"]
EOF
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$C" --log.level=warn >"$TMP/prom.log" 2>&1 &
prom=$!
P="http://127.0.0.1:$C"
if ! wait_for up "$P/-/ready"; then
	echo "# prometheus did not start on 127.0.0.1:$C:"
	sed 's/^/# /' "$TMP/prom.log" | tail -n 5
	echo "1..0 # SKIP prometheus cannot listen"
	exit 77
fi

# q EXPR: the first result's value, or nothing
q() {
	curl -s -G --data-urlencode "query=$1" "$P/api/v1/query" | jq -r '.data.result[0].value[1] // empty'
}
# is EXPR VALUE: the query gives exactly VALUE
is() { [ "$(q "$1")" = "$2" ]; }
# within EXPR LO HI: LO <= value <= HI
within() {
	v=$(q "$1")
	[ -n "$v" ] && awk -v v="$v" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

fn='function="service::handle_request"'
wait_for is "hotpath_function_calls_total{job=\"direct\",$fn}" 1000
check "direct: exact calls" is "hotpath_function_calls_total{job=\"direct\",$fn}" 1000
check "direct: pid label" is "count(hotpath_function_calls_total{job=\"direct\",program=\"service\",pid=\"$svc\"})" 2
check "direct: histogram count" is "hotpath_function_duration_seconds_count{job=\"direct\",$fn}" 1000
check "direct: channel received" is "hotpath_channel_received_total{job=\"direct\",channel=\"service::jobs\"}" 1000
check "direct: lock acquisitions" is "hotpath_lock_acquisitions_total{job=\"direct\",lock=\"service::stats\"}" 1000
wait_for is "hotpath_function_calls_total{job=\"exporter\",program=\"service\",$fn}" 1000
check "exporter: exact calls of the service" is "hotpath_function_calls_total{job=\"exporter\",program=\"service\",$fn}" 1000
check "exporter: the service's pid" is "count(hotpath_function_calls_total{job=\"exporter\",program=\"service\",pid=\"$svc\"})" 2
wait_for is "count(hotpath_function_calls_total{job=\"exporter\",program=\"live\",pid=\"$live\"})" 2
check "exporter: live, started after it, appears" is "count(hotpath_function_calls_total{job=\"exporter\",program=\"live\",pid=\"$live\"})" 2
check "exporter: hotpath_up" is "hotpath_up{job=\"exporter\",program=\"service\"}" 1

# a rate needs samples over a few seconds: service::tick sleeps 10 ms
tick='function="service::tick"'
wait_for within "rate(hotpath_function_calls_total{job=\"direct\",$tick}[1m])" 5 150
check "rate over the last minute: 5..150 ticks/s" within "rate(hotpath_function_calls_total{job=\"direct\",$tick}[1m])" 5 150
wait_for within "rate(hotpath_function_calls_total{job=\"exporter\",$tick}[1m])" 5 150
check "same rate through the exporter" within "rate(hotpath_function_calls_total{job=\"exporter\",$tick}[1m])" 5 150
check "median tick from the histogram: 10 ms..1 s" within "histogram_quantile(0.5, rate(hotpath_function_duration_seconds_bucket{job=\"direct\",$tick}[1m]))" 0.009 1
check "time per second in tick: 0.05..1.1" within "rate(hotpath_function_seconds_total{job=\"direct\",$tick}[1m])" 0.05 1.1
check "the service's RSS" within "hotpath_process_rss_bytes{job=\"direct\"}" 100000 10000000000

curl -s "http://127.0.0.1:$B/metrics" >"$TMP/exp.txt"
promtool check metrics <"$TMP/exp.txt" >"$TMP/lint" 2>&1
check "promtool check metrics accepts the exporter's text" eq "$?:$(cat "$TMP/lint")" "0:"
curl -s "http://127.0.0.1:$A/metrics" | promtool check metrics >"$TMP/lint" 2>&1
check "promtool check metrics accepts the program's text" eq "$?:$(cat "$TMP/lint")" "0:"

# live ends: the exporter stops serving it, Prometheus marks it stale
kill -TERM $live
wait $live 2>/dev/null
live=
gone() { [ -z "$(q "count(hotpath_function_calls_total{job=\"exporter\",program=\"live\"})")" ]; }
wait_for gone
check "exporter: live disappears once it ended" gone
# (one scrape of a loaded machine may miss the service: polled, bounded)
wait_for is "hotpath_function_calls_total{job=\"exporter\",program=\"service\",$fn}" 1000
check "exporter: the service stays" is "hotpath_function_calls_total{job=\"exporter\",program=\"service\",$fn}" 1000
finish
