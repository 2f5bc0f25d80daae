#!/bin/sh
# SPDX-License-Identifier: MIT
# bench_cpu.sh - what the CPU sampler costs (docs/cpu.md): the CPU time
# (user + system, every thread: hotpath's collector, which unwinds and
# names, and perf's own process included) of bench/cpu_work's fixed work,
# unsampled and sampled at 999 Hz, side by side in the same run.  Each
# way runs RUNS times, interleaved; the least CPU of each is compared, so a
# noisy machine makes the figures loose, not wrong.  perf record -g (frame
# pointers) and --call-graph dwarf are measured too when perf is installed.
top_builddir=${top_builddir:-.}
W="$top_builddir/bench/cpu_work"
H="$top_builddir/hotpath"
ROUNDS=${ROUNDS:-2000}
RUNS=${RUNS:-3}
T=$(mktemp -d "${TMPDIR:-/tmp}/hp_bench_cpu.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOTPATH_CONFIG=/dev/null HOTPATH_PUB=off HOTPATH_QUERY=off HOTPATH_FORMAT=json

# cpu NAME CMD...: runs CMD, appends its CPU seconds to $T/NAME
cpu() {
	name=$1
	shift
	/usr/bin/time -f "%U %S" -o "$T/time" "$@" >/dev/null 2>"$T/$name.err" || return 1
	awk '{ print $1 + $2 }' "$T/time" >>"$T/$name"
}
best() { sort -g "$T/$1" | head -n 1; }

ways="plain dwarf fp itimer"
PERF=$(command -v perf || true)
if [ -n "$PERF" ] && "$PERF" record -q -o "$T/probe.data" -- true >/dev/null 2>&1; then
	ways="$ways perf_fp perf_dwarf"
else
	PERF=
fi
for i in $(seq "$RUNS"); do
	cpu plain "$W" "$ROUNDS"
	cpu dwarf "$H" run --cpu -- "$W" "$ROUNDS"
	HOTPATH_CPU_UNWIND=fp cpu fp "$H" run --cpu -- "$W" "$ROUNDS"
	HOTPATH_CPU_METHOD=itimer cpu itimer "$H" run --cpu -- "$W" "$ROUNDS"
	if [ -n "$PERF" ]; then
		cpu perf_fp "$PERF" record -q -F 999 -g -o "$T/fp.data" -- "$W" "$ROUNDS"
		cpu perf_dwarf "$PERF" record -q -F 999 --call-graph dwarf,8192 -o "$T/dw.data" -- "$W" "$ROUNDS"
	fi
done
base=$(best plain)
samples=$(sed -n 's/.*"cpu.samples":"\([0-9]*\)".*/\1/p' "$T/dwarf.err" | head -n 1)
echo "bench_cpu: bench/cpu_work $ROUNDS rounds, 2 threads, best of $RUNS runs (CPU seconds, all threads)"
printf '  %-34s %8.3f s\n' "unsampled" "$base"
for w in $ways; do
	[ "$w" = plain ] && continue
	case $w in
	dwarf) what="hotpath run --cpu (perf, dwarf)" ;;
	fp) what="hotpath run --cpu (perf, fp)" ;;
	itimer) what="hotpath run --cpu (itimer)" ;;
	perf_fp) what="perf record -g -F 999" ;;
	perf_dwarf) what="perf record --call-graph dwarf" ;;
	esac
	b=$(best "$w")
	awk -v w="$what" -v b="$b" -v base="$base" \
		'BEGIN { printf "  %-34s %8.3f s  %+6.2f %%\n", w, b, 100 * (b - base) / base }'
done
echo "  ($samples samples in the last dwarf run; the issue's budget: +2 % at 999 Hz)"
