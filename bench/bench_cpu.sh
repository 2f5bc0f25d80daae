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
#
# The floors: bench/libcpufloor.so (cpu_floor.c) preloaded into cpu_work
# samples it the way plugins/cpu/perf.c does, with the same kind of sample
# (an event per thread, a ring per thread woken at 3/4), but only counts
# the samples: what the kernel (and a hypervisor) charges the program's
# threads for the sampling itself.  Each hotpath row says how far it is
# above the floor of its kind; "us a sample" is its CPU over the unsampled
# run's, divided by the samples it took (ITIMER_PROF is checked at the
# kernel's tick, so it may take fewer samples than asked for: the
# "per s" column is samples per second of CPU).
# Two figures split the DWARF run's cost further: hotpath's collector
# thread (reading rings, unwinding: its CPU over the samples, from the last
# run's threads section), and the fixed cost of a run of one round
# (starting up, reading the maps, naming at the report), which a longer
# program spreads thinner.
# FLOORS="ip stack=8192 ..." chooses the floors (words of cpu_floor.c's
# CPU_FLOOR, "tid,time" added to all but ip and itimer); FLOORS=none: none.
top_builddir=${top_builddir:-.}
W="$top_builddir/bench/cpu_work"
H="$top_builddir/hotpath"
FL="$top_builddir/bench/.libs/libcpufloor.so"
ROUNDS=${ROUNDS:-2000}
RUNS=${RUNS:-3}
FLOORS=${FLOORS:-ip base stack=2048 stack=4096 stack=8192 stack=16384 kchain,stack=8192 uchain itimer}
T=$(mktemp -d "${TMPDIR:-/tmp}/hp_bench_cpu.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOTPATH_CONFIG=/dev/null HOTPATH_PUB=off HOTPATH_QUERY=off HOTPATH_FORMAT=json
load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?'; }
LOAD0=$(load)

# cpu NAME CMD...: runs CMD, appends "CPU-seconds samples" to $T/NAME (the
# samples from its report, cpu_floor's line or perf's data)
cpu() {
	name=$1
	shift
	"$top_builddir/bench/cpu_time" "$T/time" "$@" >/dev/null 2>"$T/$name.err" || return 1
	n=$(sed -n -e 's/.*"cpu.samples":"\([0-9]*\)".*/\1/p' \
		-e 's/^cpu_floor: .*: \([0-9]*\) samples.*/\1/p' "$T/$name.err" | head -n 1)
	case $name in perf_*)
		n=$("$PERF" report -i "$T/$name.data" --stats 2>/dev/null |
			awk '/SAMPLE events/ { print $3; exit }') ;;
	esac
	echo "$(cat "$T/time") ${n:-0}" >>"$T/$name"
}
best() { sort -g "$T/$1" | head -n 1 | cut -d' ' -f1; }
best_n() { sort -g "$T/$1" | head -n 1 | cut -d' ' -f2; }

# floor_spec WORD: cpu_floor's CPU_FLOOR for a floor's name
floor_spec() {
	case $1 in
	ip | itimer) echo "$1" ;;
	base) echo "tid,time" ;;
	*) echo "tid,time,$1" ;;
	esac
}
floors=
if [ "$FLOORS" != none ] && [ -f "$FL" ]; then
	i=0
	for f in $FLOORS; do
		i=$((i + 1))
		floors="$floors f$i"
		echo "$f" >"$T/f$i.name"
	done
fi

ways="plain dwarf fp itimer"
[ -n "${BASE:-}" ] && ways="plain base dwarf fp itimer"
# kernel functions are named from /proc/kallsyms at the report where it
# shows addresses (root): measured on rows of their own, with the cache of
# kallsyms (kallsyms.c; in $T, written by the first run) and without
KNAMES=
if [ "$(head -c 16 /proc/kallsyms 2>/dev/null | tr -d 0)" != "" ]; then
	KNAMES=1
	ways=$(echo "$ways" | sed 's/dwarf/dwarf knames knames_nc/')
	mkdir "$T/cache"
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
	for f in $floors; do
		cpu "$f" env CPU_FLOOR="$(floor_spec "$(cat "$T/$f.name")")" LD_PRELOAD="$FL" "$W" "$ROUNDS"
	done
	[ -n "${BASE:-}" ] && LD_LIBRARY_PATH="$BASE/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" cpu base "$BASE/hotpath" run --cpu -- "$W" "$ROUNDS"
	HOTPATH_CPU_KERNEL_NAMES=0 cpu dwarf "$H" run --cpu -- "$W" "$ROUNDS"
	# kallsyms cached per boot (the first run writes the cache), and
	# read at every report where no cache can be written
	[ -n "$KNAMES" ] && XDG_CACHE_HOME="$T/cache" cpu knames "$H" run --cpu -- "$W" "$ROUNDS"
	[ -n "$KNAMES" ] && XDG_CACHE_HOME=/nonexistent/hotpath-bench cpu knames_nc "$H" run --cpu -- "$W" "$ROUNDS"
	HOTPATH_CPU_KERNEL_NAMES=0 HOTPATH_CPU_UNWIND=fp cpu fp "$H" run --cpu -- "$W" "$ROUNDS"
	HOTPATH_CPU_METHOD=itimer cpu itimer "$H" run --cpu -- "$W" "$ROUNDS"
	if [ -n "$PERF" ]; then
		cpu perf_fp "$PERF" record -q -F 999 -g -o "$T/perf_fp.data" -- "$W" "$ROUNDS"
		cpu perf_dwarf "$PERF" record -q -F 999 --call-graph dwarf,8192 -o "$T/perf_dwarf.data" -- "$W" "$ROUNDS"
	fi
done
base=$(best plain)

# row LABEL NAME [FLOORNAME]: one line; with FLOORNAME, the share above it
row() {
	b=$(best "$2")
	n=$(best_n "$2")
	fb=
	[ -n "${3:-}" ] && [ -f "$T/$3" ] && fb=$(best "$3")
	awk -v w="$1" -v b="$b" -v n="$n" -v base="$base" -v fb="$fb" 'BEGIN {
		line = sprintf("  %-36s %7.3f s %+7.2f %%", w, b, 100 * (b - base) / base)
		if (n > 0)
			line = line sprintf(" %6d %5.0f/s %6.1f us", n, n / b, 1e6 * (b - base) / n)
		if (fb != "")
			line = line sprintf("  %+.2f %% above its floor", 100 * (b - fb) / base)
		print line }'
}
# the floor a way is measured against: its kind of sample
floor_of() {
	for f in $floors; do
		[ "$(cat "$T/$f.name")" = "$1" ] && echo "$f" && return
	done
}
echo "bench_cpu: bench/cpu_work $ROUNDS rounds, 2 threads, best of $RUNS runs (CPU seconds, all threads; load $LOAD0 to $(load))"
printf '  %-36s %9s %9s %6s %7s %9s\n' "" "CPU" "vs. none" samples "per s" "a sample"
printf '  %-36s %7.3f s\n' "unsampled" "$base"
for f in $floors; do
	nm=$(cat "$T/$f.name")
	case $nm in
	ip) what="floor: cpu-clock 999 Hz, ip only" ;;
	base) what="floor: ip, tid, time" ;;
	itimer) what="floor: ITIMER_PROF, count only" ;;
	uchain) what="floor: + user fp chain (kernel's)" ;;
	kchain,stack=8192) what="floor: + kernel chain, 8 KiB stack" ;;
	stack=*) what="floor: + $((${nm#stack=} / 1024)) KiB stack copy, regs" ;;
	*) what="floor: $nm" ;;
	esac
	row "$what" "$f"
done
for w in $ways; do
	fl=
	case $w in
	plain) continue ;;
	base) what="BASE: hotpath run --cpu (dwarf)" fl=$(floor_of stack=8192) ;;
	dwarf) what="hotpath run --cpu (perf, dwarf)" fl=$(floor_of stack=8192) ;;
	knames) what="  the same, kernel functions named" fl=$(floor_of kchain,stack=8192) ;;
	knames_nc) what="    without the kallsyms cache" fl=$(floor_of kchain,stack=8192) ;;
	fp) what="hotpath run --cpu (perf, fp)" fl=$(floor_of uchain) ;;
	itimer) what="hotpath run --cpu (itimer)" fl=$(floor_of itimer) ;;
	perf_fp) what="perf record -g -F 999" ;;
	perf_dwarf) what="perf record --call-graph dwarf" ;;
	esac
	row "$what" "$w" "$fl"
done
echo "  (the issue's budget: +2 % at 999 Hz; a floor is the sampling alone, which no sampler at that rate avoids)"
awk -v a="$(best plain1)" -v b="$(best dwarf1)" -v base="$base" 'BEGIN {
	printf "  fixed cost (a run of 1 round)      %8.3f s  (%.2f %% of the unsampled run)\n",
		b - a, 100 * (b - a) / base }'
# the last dwarf run's collector (ns of CPU, from its threads section)
jq -r '([.sections[] | select(.id == "threads") | .rows[] | select(.name == "hp-collector") |
	.cpu] | add // 0 | . / 1e9) as $coll |
  ([.sections[] | select(.id == "cpu")][0].meta["cpu.samples"] | tonumber) as $n |
  "  hp-collector in the last dwarf run  \($coll * 1000 | round) ms, \($coll * 1e6 /
	(if $n > 0 then $n else 1 end) * 10 | round / 10) us a sample"' "$T/dwarf.err" 2>/dev/null || true
