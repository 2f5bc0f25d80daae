#!/bin/sh
# SPDX-License-Identifier: MIT
# bench_cpu.sh - what the CPU sampler costs (docs/cpu.md): the CPU time
# (user + system, every thread: hotpath's collector, which unwinds and
# names, and perf's own process included) of bench/cpu_work's fixed work,
# unsampled and sampled at 999 Hz, side by side in the same run.  Each
# way runs RUNS times, interleaved; the least CPU of each is compared, so a
# noisy machine makes the figures loose, not wrong.  perf record -g (frame
# pointers) and --call-graph dwarf are measured too when perf is installed.
# BASE=DIR also runs DIR/hotpath (another build, e.g. the last release's)
# in the same loop, so a change is measured against it side by side.
# Two figures split the DWARF run's cost: hotpath's collector thread
# (reading rings, unwinding: its CPU over the samples, from the last run's
# threads section), and the fixed cost of a run of one round (starting up,
# reading the maps, naming at the report), which a longer program spreads
# thinner.
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
	"$top_builddir/bench/cpu_time" "$T/time" "$@" >/dev/null 2>"$T/$name.err" || return 1
	cat "$T/time" >>"$T/$name"
}
best() { sort -g "$T/$1" | head -n 1; }

ways="plain dwarf fp itimer"
[ -n "${BASE:-}" ] && ways="plain base dwarf fp itimer"
# kernel functions are named from /proc/kallsyms at the report where it
# shows addresses (root): a one-time read of ~50 ms, measured on its own
KNAMES=
if [ "$(head -c 16 /proc/kallsyms 2>/dev/null | tr -d 0)" != "" ]; then
	KNAMES=1
	ways=$(echo "$ways" | sed 's/dwarf/dwarf knames/')
fi
PERF=$(command -v perf || true)
if [ -n "$PERF" ] && "$PERF" record -q -o "$T/probe.data" -- true >/dev/null 2>&1; then
	ways="$ways perf_fp perf_dwarf"
else
	PERF=
fi
for i in $(seq "$RUNS"); do
	cpu plain "$W" "$ROUNDS"
	cpu plain1 "$W" 1
	HOTPATH_CPU_KERNEL_NAMES=0 cpu dwarf1 "$H" run --cpu -- "$W" 1
	[ -n "${BASE:-}" ] && LD_LIBRARY_PATH="$BASE/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" cpu base "$BASE/hotpath" run --cpu -- "$W" "$ROUNDS"
	HOTPATH_CPU_KERNEL_NAMES=0 cpu dwarf "$H" run --cpu -- "$W" "$ROUNDS"
	[ -n "$KNAMES" ] && cpu knames "$H" run --cpu -- "$W" "$ROUNDS"
	HOTPATH_CPU_KERNEL_NAMES=0 HOTPATH_CPU_UNWIND=fp cpu fp "$H" run --cpu -- "$W" "$ROUNDS"
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
	case $w in plain | plain1 | dwarf1) continue ;; esac
	case $w in
	base) what="BASE: hotpath run --cpu (dwarf)" ;;
	dwarf) what="hotpath run --cpu (perf, dwarf)" ;;
	knames) what="  the same, kernel functions named" ;;
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
awk -v a="$(best plain1)" -v b="$(best dwarf1)" -v base="$base" 'BEGIN {
	printf "  fixed cost (a run of 1 round)      %8.3f s  (%.2f %% of the unsampled run)\n",
		b - a, 100 * (b - a) / base }'
# the last dwarf run's collector (ns of CPU, from its threads section)
jq -r '([.sections[] | select(.id == "threads") | .rows[] | select(.name == "hp-collector") |
	.cpu] | add // 0 | . / 1e9) as $coll |
  ([.sections[] | select(.id == "cpu")][0].meta["cpu.samples"] | tonumber) as $n |
  "  hp-collector in the last dwarf run  \($coll * 1000 | round) ms, \($coll * 1e6 /
	(if $n > 0 then $n else 1 end) * 10 | round / 10) us a sample"' "$T/dwarf.err" 2>/dev/null || true
