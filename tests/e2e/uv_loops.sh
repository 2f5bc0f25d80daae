#!/bin/sh
# SPDX-License-Identifier: MIT
# uv_loops.sh - examples/uv_loop's libuv loop as a user reads it: the
# uv_loops and uv_handles sections in JSON and the table; skipped when
# libuv was not found at configure time.
. "$top_srcdir/tests/e2e/lib.sh"
U="$top_builddir/examples/uv_loop"
[ -x "$U" ] || { echo "1..0 # SKIP libuv not found at configure time (Debian: libuv1-dev)"; exit 77; }

L='.sections[] | select(.id == "uv_loops") | .rows[] | select(.name == "main")'
HOTPATH_FORMAT=json "$U" 40 >"$TMP/out" 2>"$TMP/json"
check "exits 0, its own stdout" eq "$(cat "$TMP/out")" "uv_loop: 42 callbacks"
check "one loop, main" eq "$(jq -c '[.sections[] | select(.id == "uv_loops") | .rows[].name]' "$TMP/json")" '["main"]'
check "at least one iteration per callback (42)" jqt "$TMP/json" "[$L | .iterations >= 42][0]"
check "handles when the watch ended" eq "$(jq -r "$L | [.handles, .requests, .by_type] | @tsv" "$TMP/json")" \
	"$(printf '4\t0\tpipe 1, timer 2, signal 1')"
check "uv_handles: a row per type" eq \
	"$(jq -c '[.sections[] | select(.id == "uv_handles") | .rows[] | [.type, .active]]' "$TMP/json")" \
	'[["pipe",1],["timer",2],["signal",1]]'
check "uv_requests: each tick's fs stat and work request, started and completed" eq \
	"$(jq -c '[.sections[] | select(.id == "uv_requests") | .rows[] | [.name, .type, .active, .started, .completed]]' "$TMP/json")" \
	'[["main","fs",0,40,40],["main","work",0,40,40]]'
check "none active when the watch ended" eq "$(jq -r "$L | .requests_by_type" "$TMP/json")" ""
check "the 200 ms block shows as lag (150 ms or more) and as an iteration" jqt "$TMP/json" \
	"[$L | .lag_max >= 150000000 and .max >= 200000000][0]"
check "idle: most of the 5 ms waits, under the wall time" jqt "$TMP/json" \
	"[$L | .idle > 0 and .idle_percent > 0 and .idle_percent < 100][0]"

HOTPATH_FORMAT=table "$U" 5 >/dev/null 2>"$TMP/table"
check "table: libuv loops, handles and requests" eq "$(grep -cE '^libuv (loops|handles|requests):$' "$TMP/table")" 3

HOTPATH_COLLECTORS_UV_ENABLED=0 HOTPATH_FORMAT=json "$U" 5 >/dev/null 2>"$TMP/off.json"
check "collectors.uv off: no uv sections" jqt "$TMP/off.json" '[.sections[].id | select(startswith("uv_"))] == []'
# Without -DHOTPATH, hotpath/uv.h leaves a program's libuv calls alone: the
# same machine code as the file that includes only uv.h.
CC=${CC:-cc}
cat >"$TMP/reqs.c" <<'EOC'
#include <hotpath/uv.h>
static void on_fs(uv_fs_t *r) { uv_fs_req_cleanup(r); }
static void on_write(uv_write_t *r, int s) { (void)r, (void)s; }
static void on_work(uv_work_t *r) { (void)r; }
static void on_after(uv_work_t *r, int s) { (void)r, (void)s; }
int start(uv_loop_t *l, uv_fs_t *f, uv_stream_t *s, uv_write_t *w, uv_work_t *k, uv_buf_t *b);
int start(uv_loop_t *l, uv_fs_t *f, uv_stream_t *s, uv_write_t *w, uv_work_t *k, uv_buf_t *b)
{
	return uv_fs_read(l, f, 0, b, 1, 0, on_fs) + uv_write(w, s, b, 1, on_write) +
	       uv_queue_work(l, k, on_work, on_after) + uv_fs_stat(l, f, ".", NULL);
}
EOC
sed 's|#include <hotpath/uv.h>|#include <uv.h>|' "$TMP/reqs.c" >"$TMP/plain.c"
$CC -std=gnu11 -O2 -I"$top_srcdir/include" -c "$TMP/reqs.c" -o "$TMP/off.o"
$CC -std=gnu11 -O2 -c "$TMP/plain.c" -o "$TMP/plain.o"
for sec in .text .rodata .data .bss; do
	objcopy -O binary --only-section=$sec "$TMP/off.o" "$TMP/off.bin" 2>/dev/null
	objcopy -O binary --only-section=$sec "$TMP/plain.o" "$TMP/plain.bin" 2>/dev/null
	check "no -DHOTPATH: the requests' $sec identical" cmp -s "$TMP/off.bin" "$TMP/plain.bin"
done
$CC -std=gnu11 -O2 -DHOTPATH -I"$top_srcdir/include" -c "$TMP/reqs.c" -o "$TMP/on.o"
check "-DHOTPATH: the requests go through hotpath's table" [ "$(nm "$TMP/on.o" | grep -c ' U hp__uv_req_begin$')" -eq 1 ]
$CC -std=gnu11 -O2 -DHOTPATH -DHOTPATH_UV_NO_REQUESTS -I"$top_srcdir/include" -c "$TMP/reqs.c" -o "$TMP/none.o"
check "HOTPATH_UV_NO_REQUESTS: left alone" [ "$(nm "$TMP/none.o" | grep -c ' U hp__uv_req_begin$')" -eq 0 ]
# What only a newer libuv compiles (Debian 12 has 1.44): the events column
# (uv_metrics_info, 1.45) and uv_pipe_connect2 (1.46), against libuv's
# declarations of them, the version said to be 1.46.
cat >"$TMP/v146.c" <<'EOC'
#include <stdint.h>
#include <uv.h>
#undef UV_VERSION_HEX
#define UV_VERSION_HEX 0x012e00
typedef struct { uint64_t loop_count, events, events_waiting; uint64_t *reserved[13]; } uv_metrics_t;
int uv_metrics_info(uv_loop_t *loop, uv_metrics_t *metrics);
int uv_pipe_connect2(uv_connect_t *req, uv_pipe_t *handle, const char *name, size_t namelen,
		     unsigned int flags, uv_connect_cb cb);
#include <hotpath/uv.h>
static void on_c(uv_connect_t *r, int s) { (void)r, (void)s; }
int f(uv_connect_t *r, uv_pipe_t *p, uv_loop_t *l);
int f(uv_connect_t *r, uv_pipe_t *p, uv_loop_t *l)
{
	static hp_uv_watch w;
	return hp_uv_loop_watch(&w, l, "x", 0) + uv_pipe_connect2(r, p, "x", 1, 0, on_c);
}
EOC
$CC -std=gnu11 -Wall -Wextra -Werror -O2 -DHOTPATH -I"$top_srcdir/include" -c "$TMP/v146.c" -o "$TMP/v146.o"
check "libuv 1.46: events read with uv_metrics_info, uv_pipe_connect2 counted" eq \
	"$(nm "$TMP/v146.o" | grep -cE ' U (uv_metrics_info|hp__uv_req_begin)$')" 2
finish
