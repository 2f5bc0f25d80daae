/* SPDX-License-Identifier: MIT */
/*
 * hotpath/uv.h - libuv work requests and one-shot timers tracked as
 * futures (docs/streams-futures.md), with one wrapper call each and no
 * change to their callbacks:
 *
 *   hp_uv_queue_work(&probe, loop, req, work_cb, after_cb);
 *   hp_uv_timer_start(&probe, timer, timer_cb, timeout_ms);
 *   hp_uv_timer_stop(timer);
 *
 * A work request is a future begun when queued; its work callback is its
 * one poll; it is ready when the after callback runs (cancelled when libuv
 * says UV_ECANCELED).  A one-shot timer is begun when started, polled by
 * its callback and then ready; hp_uv_timer_stop before it fires cancels it.
 *
 * While a request or timer is pending, its ->data holds the adapter's
 * record (the program's own value is kept there and put back before each
 * of its callbacks runs): read ->data only inside the callbacks.  Without
 * -DHOTPATH these are the plain libuv calls.  Not included by hotpath.h.
 *
 * Loop metrics (docs/uv.md): a watched loop reports its iterations, events
 * (libuv 1.45 and later), idle time (uv_metrics_idle_time), time per
 * iteration, its active handles by type and requests, and its lag, in the
 * report's uv_loops section, and its requests by type (counted by the
 * wrappers below: the program's uv_fs_*, uv_write, ... calls in the files
 * that include this header) in uv_requests:
 *
 *   static hp_uv_watch w;                       (storage of the program's)
 *   hp_uv_loop_watch(&w, loop, "main", 100);    before uv_run; lag probed
 *                                                every 100 ms (0: no probe)
 *   uv_run(loop, UV_RUN_DEFAULT);
 *   hp_uv_loop_unwatch(&w);                     closes its two handles:
 *                                                run the loop once more
 *                                                before uv_loop_close
 */
#ifndef HOTPATH_UV_H
#define HOTPATH_UV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <hotpath.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef HOTPATH

/* ---- requests by type ------------------------------------------------------
 *
 * With -DHOTPATH, a file that includes this header has libuv's
 * request-starting calls (uv_fs_*, uv_write, uv_write2, uv_tcp_connect,
 * uv_pipe_connect, uv_pipe_connect2 (1.46+), uv_shutdown, uv_udp_send, uv_getaddrinfo,
 * uv_getnameinfo, uv_queue_work, uv_random) counted per loop and type
 * (docs/uv.md): while profiling, a call with a callback is started with
 * the adapter's callback, which counts its completion and calls the
 * program's (kept in libhotpath's table, not in the request); a call
 * without one (libuv's synchronous form) counts as started and completed.
 * Nothing else of the request changes (->data stays the program's).  Not
 * profiling: the plain call after one load and a test.  Define
 * HOTPATH_UV_NO_REQUESTS before including it to leave the calls alone;
 * (uv_write)(...) in parentheses is the plain call.
 */

#define HP__UV_REQ_TYPES 16u /* uv_req_type values counted (core/uvloop.c UVL_TYPES) */

typedef void (*hp__uv_fn)(void);
HP_API int hp__uv_req_begin(const void *loop, void *req, uint32_t type, hp__uv_fn cb);
HP_API void hp__uv_req_forget(void *req);
HP_API hp__uv_fn hp__uv_req_end(void *req);
HP_API void hp__uv_req_sync(const void *loop, uint32_t type);
HP_API void hp__uv_reqs(const void *loop, uint64_t *started, uint64_t *completed, unsigned n);

#define HP__UV_ON() __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED)

/* The adapter's callbacks: the completion counted, then the program's. */
static HP_SKIP void hp__uv_fs_done(uv_fs_t *req)
{
	uv_fs_cb cb = (uv_fs_cb)hp__uv_req_end(req);

	if (cb != NULL)
		cb(req);
}

#define HP__UV_DONE(name, req_t, cb_t)                                \
	static HP_SKIP void hp__uv_##name##_done(req_t *req, int status) \
	{                                                                \
		cb_t cb = (cb_t)hp__uv_req_end(req);                     \
		if (cb != NULL)                                          \
			cb(req, status);                                 \
	}
HP__UV_DONE(write, uv_write_t, uv_write_cb)
HP__UV_DONE(connect, uv_connect_t, uv_connect_cb)
HP__UV_DONE(shutdown, uv_shutdown_t, uv_shutdown_cb)
HP__UV_DONE(udp_send, uv_udp_send_t, uv_udp_send_cb)
HP__UV_DONE(work, uv_work_t, uv_after_work_cb)
#undef HP__UV_DONE

static HP_SKIP void hp__uv_getaddrinfo_done(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	uv_getaddrinfo_cb cb = (uv_getaddrinfo_cb)hp__uv_req_end(req);

	if (cb != NULL)
		cb(req, status, res);
}

static HP_SKIP void hp__uv_getnameinfo_done(uv_getnameinfo_t *req, int status, const char *host,
					    const char *service)
{
	uv_getnameinfo_cb cb = (uv_getnameinfo_cb)hp__uv_req_end(req);

	if (cb != NULL)
		cb(req, status, host, service);
}

/* The uv_fs_* calls: X(op, the parameters between req and cb, their names). */
#define HP__UV_PARAMS(...) __VA_ARGS__
#define HP__UV_FS_MAP(X)                                                                     \
	X(close, (uv_file file), (file))                                                     \
	X(open, (const char *path, int flags, int mode), (path, flags, mode))                \
	X(read, (uv_file file, const uv_buf_t bufs[], unsigned int nbufs, int64_t offset),   \
	  (file, bufs, nbufs, offset))                                                       \
	X(unlink, (const char *path), (path))                                                \
	X(write, (uv_file file, const uv_buf_t bufs[], unsigned int nbufs, int64_t offset),  \
	  (file, bufs, nbufs, offset))                                                       \
	X(mkdir, (const char *path, int mode), (path, mode))                                 \
	X(mkdtemp, (const char *tpl), (tpl))                                                 \
	X(rmdir, (const char *path), (path))                                                 \
	X(scandir, (const char *path, int flags), (path, flags))                             \
	X(stat, (const char *path), (path))                                                  \
	X(fstat, (uv_file file), (file))                                                     \
	X(lstat, (const char *path), (path))                                                 \
	X(rename, (const char *path, const char *new_path), (path, new_path))                \
	X(fsync, (uv_file file), (file))                                                     \
	X(fdatasync, (uv_file file), (file))                                                 \
	X(ftruncate, (uv_file file, int64_t offset), (file, offset))                         \
	X(sendfile, (uv_file out_fd, uv_file in_fd, int64_t in_offset, size_t length),       \
	  (out_fd, in_fd, in_offset, length))                                                \
	X(access, (const char *path, int mode), (path, mode))                                \
	X(chmod, (const char *path, int mode), (path, mode))                                 \
	X(fchmod, (uv_file file, int mode), (file, mode))                                    \
	X(utime, (const char *path, double atime, double mtime), (path, atime, mtime))       \
	X(futime, (uv_file file, double atime, double mtime), (file, atime, mtime))          \
	X(link, (const char *path, const char *new_path), (path, new_path))                  \
	X(symlink, (const char *path, const char *new_path, int flags), (path, new_path, flags)) \
	X(readlink, (const char *path), (path))                                              \
	X(realpath, (const char *path), (path))                                              \
	X(chown, (const char *path, uv_uid_t uid, uv_gid_t gid), (path, uid, gid))           \
	X(fchown, (uv_file file, uv_uid_t uid, uv_gid_t gid), (file, uid, gid))              \
	X(copyfile, (const char *path, const char *new_path, int flags), (path, new_path, flags)) \
	X(lchown, (const char *path, uv_uid_t uid, uv_gid_t gid), (path, uid, gid))
/* Those of later libuv versions. */
#if UV_VERSION_HEX >= 0x011c00 /* 1.28 */
#define HP__UV_FS_MAP_1_28(X)                                \
	X(opendir, (const char *path), (path))               \
	X(readdir, (uv_dir_t *dir), (dir))                   \
	X(closedir, (uv_dir_t *dir), (dir))
#else
#define HP__UV_FS_MAP_1_28(X)
#endif
#if UV_VERSION_HEX >= 0x011f00 /* 1.31 */
#define HP__UV_FS_MAP_1_31(X) X(statfs, (const char *path), (path))
#else
#define HP__UV_FS_MAP_1_31(X)
#endif
#if UV_VERSION_HEX >= 0x012200 /* 1.34 */
#define HP__UV_FS_MAP_1_34(X) X(mkstemp, (const char *tpl), (tpl))
#else
#define HP__UV_FS_MAP_1_34(X)
#endif
#if UV_VERSION_HEX >= 0x012400 /* 1.36 */
#define HP__UV_FS_MAP_1_36(X) \
	X(lutime, (const char *path, double atime, double mtime), (path, atime, mtime))
#else
#define HP__UV_FS_MAP_1_36(X)
#endif
#define HP__UV_FS_ALL(X) \
	HP__UV_FS_MAP(X) HP__UV_FS_MAP_1_28(X) HP__UV_FS_MAP_1_31(X) HP__UV_FS_MAP_1_34(X) HP__UV_FS_MAP_1_36(X)

/* hp__uv_fs_<op>: uv_fs_<op>, counted. */
#define HP__UV_FS_WRAP(op, params, args)                                                      \
	static inline HP_SKIP int hp__uv_fs_##op(uv_loop_t *loop, uv_fs_t *req,                 \
						 HP__UV_PARAMS params, uv_fs_cb cb)            \
	{                                                                                       \
		int rv;                                                                         \
		if (!HP__UV_ON())                                                               \
			return uv_fs_##op(loop, req, HP__UV_PARAMS args, cb);                   \
		if (cb == NULL) {                                                               \
			rv = uv_fs_##op(loop, req, HP__UV_PARAMS args, NULL);                   \
			hp__uv_req_sync(loop, UV_FS);                                           \
			return rv;                                                              \
		}                                                                               \
		if (!hp__uv_req_begin(loop, req, UV_FS, (hp__uv_fn)cb))                         \
			return uv_fs_##op(loop, req, HP__UV_PARAMS args, cb);                   \
		if ((rv = uv_fs_##op(loop, req, HP__UV_PARAMS args, hp__uv_fs_done)) < 0)       \
			hp__uv_req_forget(req);                                                 \
		return rv;                                                                      \
	}
HP__UV_FS_ALL(HP__UV_FS_WRAP)
#undef HP__UV_FS_WRAP

/* A request started by call with the adapter's callback done in place of
 * the program's cb, counted as type on loop; rv the call's result. */
#define HP__UV_START(loop, req, type, cb, done, call)                                   \
	do {                                                                            \
		if (!HP__UV_ON() || !hp__uv_req_begin((loop), (req), (type), (hp__uv_fn)(cb))) \
			return call(cb);                                                \
		if ((rv = call(done)) < 0)                                              \
			hp__uv_req_forget(req);                                         \
		return rv;                                                              \
	} while (0)

static inline HP_SKIP int hp__uv_write(uv_write_t *req, uv_stream_t *handle, const uv_buf_t bufs[],
				       unsigned int nbufs, uv_write_cb cb)
{
	int rv;
#define HP__CALL(c) uv_write(req, handle, bufs, nbufs, c)
	HP__UV_START(handle ? handle->loop : NULL, req, UV_WRITE, cb, hp__uv_write_done, HP__CALL);
#undef HP__CALL
}

static inline HP_SKIP int hp__uv_write2(uv_write_t *req, uv_stream_t *handle, const uv_buf_t bufs[],
					unsigned int nbufs, uv_stream_t *send_handle, uv_write_cb cb)
{
	int rv;
#define HP__CALL(c) uv_write2(req, handle, bufs, nbufs, send_handle, c)
	HP__UV_START(handle ? handle->loop : NULL, req, UV_WRITE, cb, hp__uv_write_done, HP__CALL);
#undef HP__CALL
}

static inline HP_SKIP int hp__uv_tcp_connect(uv_connect_t *req, uv_tcp_t *handle,
					     const struct sockaddr *addr, uv_connect_cb cb)
{
	int rv;
#define HP__CALL(c) uv_tcp_connect(req, handle, addr, c)
	HP__UV_START(handle ? handle->loop : NULL, req, UV_CONNECT, cb, hp__uv_connect_done, HP__CALL);
#undef HP__CALL
}

/* uv_pipe_connect reports every failure through its callback. */
static inline HP_SKIP void hp__uv_pipe_connect(uv_connect_t *req, uv_pipe_t *handle, const char *name,
					       uv_connect_cb cb)
{
	if (HP__UV_ON() && hp__uv_req_begin(handle ? handle->loop : NULL, req, UV_CONNECT, (hp__uv_fn)cb))
		uv_pipe_connect(req, handle, name, hp__uv_connect_done);
	else
		uv_pipe_connect(req, handle, name, cb);
}

#if UV_VERSION_HEX >= 0x012e00 /* 1.46 */
static inline HP_SKIP int hp__uv_pipe_connect2(uv_connect_t *req, uv_pipe_t *handle, const char *name,
					       size_t namelen, unsigned int flags, uv_connect_cb cb)
{
	int rv;
#define HP__CALL(c) uv_pipe_connect2(req, handle, name, namelen, flags, c)
	HP__UV_START(handle ? handle->loop : NULL, req, UV_CONNECT, cb, hp__uv_connect_done, HP__CALL);
#undef HP__CALL
}
#endif

static inline HP_SKIP int hp__uv_shutdown(uv_shutdown_t *req, uv_stream_t *handle, uv_shutdown_cb cb)
{
	int rv;
#define HP__CALL(c) uv_shutdown(req, handle, c)
	HP__UV_START(handle ? handle->loop : NULL, req, UV_SHUTDOWN, cb, hp__uv_shutdown_done, HP__CALL);
#undef HP__CALL
}

static inline HP_SKIP int hp__uv_udp_send(uv_udp_send_t *req, uv_udp_t *handle, const uv_buf_t bufs[],
					  unsigned int nbufs, const struct sockaddr *addr,
					  uv_udp_send_cb cb)
{
	int rv;
#define HP__CALL(c) uv_udp_send(req, handle, bufs, nbufs, addr, c)
	HP__UV_START(handle ? handle->loop : NULL, req, UV_UDP_SEND, cb, hp__uv_udp_send_done, HP__CALL);
#undef HP__CALL
}

static inline HP_SKIP int hp__uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work,
					    uv_after_work_cb after)
{
	int rv;
#define HP__CALL(c) uv_queue_work(loop, req, work, c)
	HP__UV_START(loop, req, UV_WORK, after, hp__uv_work_done, HP__CALL);
#undef HP__CALL
}

/* The next three run at once without a callback: started and completed. */
#define HP__UV_SYNC(loop, type, call)                             \
	do {                                                      \
		rv = call(NULL);                                  \
		if (HP__UV_ON())                                  \
			hp__uv_req_sync((loop), (type));          \
		return rv;                                        \
	} while (0)

static inline HP_SKIP int hp__uv_getaddrinfo(uv_loop_t *loop, uv_getaddrinfo_t *req, uv_getaddrinfo_cb cb,
					     const char *node, const char *service,
					     const struct addrinfo *hints)
{
	int rv;
#define HP__CALL(c) uv_getaddrinfo(loop, req, c, node, service, hints)
	if (cb == NULL)
		HP__UV_SYNC(loop, UV_GETADDRINFO, HP__CALL);
	HP__UV_START(loop, req, UV_GETADDRINFO, cb, hp__uv_getaddrinfo_done, HP__CALL);
#undef HP__CALL
}

static inline HP_SKIP int hp__uv_getnameinfo(uv_loop_t *loop, uv_getnameinfo_t *req, uv_getnameinfo_cb cb,
					     const struct sockaddr *addr, int flags)
{
	int rv;
#define HP__CALL(c) uv_getnameinfo(loop, req, c, addr, flags)
	if (cb == NULL)
		HP__UV_SYNC(loop, UV_GETNAMEINFO, HP__CALL);
	HP__UV_START(loop, req, UV_GETNAMEINFO, cb, hp__uv_getnameinfo_done, HP__CALL);
#undef HP__CALL
}

#if UV_VERSION_HEX >= 0x012100 /* 1.33 */
static HP_SKIP void hp__uv_random_done(uv_random_t *req, int status, void *buf, size_t buflen)
{
	uv_random_cb cb = (uv_random_cb)hp__uv_req_end(req);

	if (cb != NULL)
		cb(req, status, buf, buflen);
}

static inline HP_SKIP int hp__uv_random(uv_loop_t *loop, uv_random_t *req, void *buf, size_t buflen,
					unsigned flags, uv_random_cb cb)
{
	int rv;
#define HP__CALL(c) uv_random(loop, req, buf, buflen, flags, c)
	if (cb == NULL)
		HP__UV_SYNC(loop, UV_RANDOM, HP__CALL);
	HP__UV_START(loop, req, UV_RANDOM, cb, hp__uv_random_done, HP__CALL);
#undef HP__CALL
}
#endif
#undef HP__UV_START
#undef HP__UV_SYNC

/* The program's calls, counted. */
#ifndef HOTPATH_UV_NO_REQUESTS
#define uv_fs_close(...) hp__uv_fs_close(__VA_ARGS__)
#define uv_fs_open(...) hp__uv_fs_open(__VA_ARGS__)
#define uv_fs_read(...) hp__uv_fs_read(__VA_ARGS__)
#define uv_fs_unlink(...) hp__uv_fs_unlink(__VA_ARGS__)
#define uv_fs_write(...) hp__uv_fs_write(__VA_ARGS__)
#define uv_fs_mkdir(...) hp__uv_fs_mkdir(__VA_ARGS__)
#define uv_fs_mkdtemp(...) hp__uv_fs_mkdtemp(__VA_ARGS__)
#define uv_fs_rmdir(...) hp__uv_fs_rmdir(__VA_ARGS__)
#define uv_fs_scandir(...) hp__uv_fs_scandir(__VA_ARGS__)
#define uv_fs_stat(...) hp__uv_fs_stat(__VA_ARGS__)
#define uv_fs_fstat(...) hp__uv_fs_fstat(__VA_ARGS__)
#define uv_fs_lstat(...) hp__uv_fs_lstat(__VA_ARGS__)
#define uv_fs_rename(...) hp__uv_fs_rename(__VA_ARGS__)
#define uv_fs_fsync(...) hp__uv_fs_fsync(__VA_ARGS__)
#define uv_fs_fdatasync(...) hp__uv_fs_fdatasync(__VA_ARGS__)
#define uv_fs_ftruncate(...) hp__uv_fs_ftruncate(__VA_ARGS__)
#define uv_fs_sendfile(...) hp__uv_fs_sendfile(__VA_ARGS__)
#define uv_fs_access(...) hp__uv_fs_access(__VA_ARGS__)
#define uv_fs_chmod(...) hp__uv_fs_chmod(__VA_ARGS__)
#define uv_fs_fchmod(...) hp__uv_fs_fchmod(__VA_ARGS__)
#define uv_fs_utime(...) hp__uv_fs_utime(__VA_ARGS__)
#define uv_fs_futime(...) hp__uv_fs_futime(__VA_ARGS__)
#define uv_fs_link(...) hp__uv_fs_link(__VA_ARGS__)
#define uv_fs_symlink(...) hp__uv_fs_symlink(__VA_ARGS__)
#define uv_fs_readlink(...) hp__uv_fs_readlink(__VA_ARGS__)
#define uv_fs_realpath(...) hp__uv_fs_realpath(__VA_ARGS__)
#define uv_fs_chown(...) hp__uv_fs_chown(__VA_ARGS__)
#define uv_fs_fchown(...) hp__uv_fs_fchown(__VA_ARGS__)
#define uv_fs_copyfile(...) hp__uv_fs_copyfile(__VA_ARGS__)
#define uv_fs_lchown(...) hp__uv_fs_lchown(__VA_ARGS__)
#if UV_VERSION_HEX >= 0x011c00
#define uv_fs_opendir(...) hp__uv_fs_opendir(__VA_ARGS__)
#define uv_fs_readdir(...) hp__uv_fs_readdir(__VA_ARGS__)
#define uv_fs_closedir(...) hp__uv_fs_closedir(__VA_ARGS__)
#endif
#if UV_VERSION_HEX >= 0x011f00
#define uv_fs_statfs(...) hp__uv_fs_statfs(__VA_ARGS__)
#endif
#if UV_VERSION_HEX >= 0x012200
#define uv_fs_mkstemp(...) hp__uv_fs_mkstemp(__VA_ARGS__)
#endif
#if UV_VERSION_HEX >= 0x012400
#define uv_fs_lutime(...) hp__uv_fs_lutime(__VA_ARGS__)
#endif
#define uv_write(...) hp__uv_write(__VA_ARGS__)
#define uv_write2(...) hp__uv_write2(__VA_ARGS__)
#define uv_tcp_connect(...) hp__uv_tcp_connect(__VA_ARGS__)
#define uv_pipe_connect(...) hp__uv_pipe_connect(__VA_ARGS__)
#define uv_shutdown(...) hp__uv_shutdown(__VA_ARGS__)
#define uv_udp_send(...) hp__uv_udp_send(__VA_ARGS__)
#define uv_getaddrinfo(...) hp__uv_getaddrinfo(__VA_ARGS__)
#define uv_getnameinfo(...) hp__uv_getnameinfo(__VA_ARGS__)
#define uv_queue_work(...) hp__uv_queue_work(__VA_ARGS__)
#if UV_VERSION_HEX >= 0x012100
#define uv_random(...) hp__uv_random(__VA_ARGS__)
#endif
#if UV_VERSION_HEX >= 0x012e00
#define uv_pipe_connect2(...) hp__uv_pipe_connect2(__VA_ARGS__)
#endif
#endif /* HOTPATH_UV_NO_REQUESTS */


/* ---- futures ------------------------------------------------------------- */

typedef struct hp__uv_rec {
	void *cb;          /* uv_work_cb or uv_timer_cb */
	uv_after_work_cb after;
	void *data;        /* the program's ->data */
	hp_future f;
} hp__uv_rec;

/* Work callback (a threadpool thread): the future's one poll. */
static void hp__uv_work(uv_work_t *req)
{
	hp__uv_rec *r = (hp__uv_rec *)req->data;
	uint64_t t;

	req->data = r->data;
	t = hp_future_poll_begin(&r->f);
	((uv_work_cb)r->cb)(req);
	hp_future_poll_end(&r->f, t);
	r->data = req->data;
	req->data = r;
}

/* After callback (the loop thread): ready or cancelled, then the program's. */
static void hp__uv_after(uv_work_t *req, int status)
{
	hp__uv_rec *r = (hp__uv_rec *)req->data;
	uv_after_work_cb after = r->after;

	req->data = r->data;
	if (status == UV_ECANCELED)
		hp_future_cancelled(&r->f);
	else
		hp_future_ready(&r->f, NULL);
	free(r);
	if (after != NULL)
		after(req, status);
}

/* uv_queue_work, tracked as a call of probe p. */
static inline HP_SKIP int hp_uv_queue_work(hp_future_probe *p, uv_loop_t *loop, uv_work_t *req,
				   uv_work_cb work, uv_after_work_cb after)
{
	hp__uv_rec *r = (hp__uv_rec *)malloc(sizeof(*r));
	int rv;

	if (r == NULL)
		return UV_ENOMEM;
	r->cb = (void *)work;
	r->after = after;
	r->data = req->data;
	r->f = hp_future_begin(p);
	req->data = r;
	if ((rv = hp__uv_queue_work(loop, req, hp__uv_work, hp__uv_after)) != 0) {
		req->data = r->data;
		hp_future_cancelled(&r->f);
		free(r);
	}
	return rv;
}

/* Timer callback: the poll, then ready (one-shot). */
static void hp__uv_timer(uv_timer_t *timer)
{
	hp__uv_rec *r = (hp__uv_rec *)timer->data;
	uv_timer_cb cb = (uv_timer_cb)r->cb;
	hp_future f = r->f;
	uint64_t t;

	timer->data = r->data;
	free(r);
	t = hp_future_poll_begin(&f);
	cb(timer);
	hp_future_poll_end(&f, t);
	hp_future_ready(&f, NULL);
}

/* uv_timer_start of a one-shot timer, tracked as a call of probe p. */
static inline HP_SKIP int hp_uv_timer_start(hp_future_probe *p, uv_timer_t *timer, uv_timer_cb cb,
				    uint64_t timeout)
{
	hp__uv_rec *r = (hp__uv_rec *)malloc(sizeof(*r));
	int rv;

	if (r == NULL)
		return UV_ENOMEM;
	r->cb = (void *)cb;
	r->after = NULL;
	r->data = timer->data;
	r->f = hp_future_begin(p);
	timer->data = r;
	if ((rv = uv_timer_start(timer, hp__uv_timer, timeout, 0)) != 0) {
		timer->data = r->data;
		hp_future_cancelled(&r->f);
		free(r);
	}
	return rv;
}

/* uv_timer_stop of a timer started with hp_uv_timer_start: one that has
 * not fired is cancelled. */
static inline HP_SKIP int hp_uv_timer_stop(uv_timer_t *timer)
{
	if (uv_is_active((uv_handle_t *)timer)) {
		hp__uv_rec *r = (hp__uv_rec *)timer->data;
		timer->data = r->data;
		hp_future_cancelled(&r->f);
		free(r);
	}
	return uv_timer_stop(timer);
}

/* ---- loop metrics -------------------------------------------------------- */

/* A watched loop; the program's storage, valid until hp_uv_loop_unwatch's
 * handles are closed (the loop's next run). */
typedef struct hp_uv_watch {
	uv_loop_t *loop;
	uv_check_t check;      /* after each poll: the iteration ends */
	uv_timer_t lag;        /* the lag probe, when lag_ms > 0 */
	hp_site site;
	char name[64];
	uint64_t last;         /* uv_hrtime() at the last iteration's end */
	uint64_t idle;         /* uv_metrics_idle_time() then */
	uint64_t events;       /* uv_metrics_info()'s events then (1.45+) */
	uint64_t walked;       /* uv_hrtime() of the last handle sample */
	uint64_t lag_at;       /* uv_hrtime() when the probe was started */
	uint32_t samples;      /* handle samples taken */
	unsigned lag_ms;
	/* the loop's requests by type when the watch began (hp__uv_reqs) */
	uint64_t req_started[HP__UV_REQ_TYPES], req_completed[HP__UV_REQ_TYPES];
} hp_uv_watch;

/* Handles sampled at most this often (ns), and at unwatch. */
#define HP__UV_WALK_NS 100000000u
#define HP__UV_REQS 255u /* the w0 of the active requests' record */
/* The w0 of a request type's records: + uv_req_type (plugins/uv/uv.c). */
#define HP__UV_REQ_ACTIVE 0x100u    /* started and not completed */
#define HP__UV_REQ_STARTED 0x200u   /* since the watch began */
#define HP__UV_REQ_COMPLETED 0x300u /* since the watch began */

HP_API void hp__uv_record(uint32_t site, uint32_t kind, uint32_t w0, uint64_t pay, uint32_t w1);

/* The watch's site id, registering it on first use. */
static inline HP_SKIP uint32_t hp__uv_site(hp_uv_watch *w)
{
	uint32_t id = __atomic_load_n(&w->site.id, __ATOMIC_ACQUIRE);

	return id ? id : hp__site_register(&w->site, NULL);
}

typedef struct hp__uv_count {
	hp_uv_watch *w;
	uint32_t n[UV_HANDLE_TYPE_MAX];
} hp__uv_count;

/* uv_walk's callback: the active handles of the program, by type. */
static void hp__uv_count_one(uv_handle_t *h, void *arg)
{
	hp__uv_count *c = (hp__uv_count *)arg;

	if (h == (uv_handle_t *)&c->w->check || h == (uv_handle_t *)&c->w->lag || !uv_is_active(h) || uv_is_closing(h))
		return;
	if ((unsigned)h->type < UV_HANDLE_TYPE_MAX)
		c->n[h->type]++;
}

/* One sample of the loop's active handles by type and active requests. */
static void hp__uv_sample(hp_uv_watch *w, uint64_t now)
{
	hp__uv_count c;
	uint32_t site, seq;
	uint64_t st[HP__UV_REQ_TYPES], done[HP__UV_REQ_TYPES];

	if (!__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		return;
	site = hp__uv_site(w);
	seq = ++w->samples;
	memset(&c, 0, sizeof(c));
	c.w = w;
	w->walked = now;
	uv_walk(w->loop, hp__uv_count_one, &c);
	for (unsigned t = 0; t < UV_HANDLE_TYPE_MAX; t++)
		if (c.n[t] != 0)
			hp__uv_record(site, HP__EV_UV_HANDLES, t, c.n[t], seq);
	hp__uv_record(site, HP__EV_UV_HANDLES, HP__UV_REQS, w->loop->active_reqs.count, seq);
	hp__uv_reqs(w->loop, st, done, HP__UV_REQ_TYPES);
	for (unsigned t = 0; t < HP__UV_REQ_TYPES; t++) {
		uint64_t v[3] = {st[t] - done[t], st[t] - w->req_started[t], done[t] - w->req_completed[t]};
		for (unsigned k = 0; k < 3; k++)
			if (v[k] != 0)
				hp__uv_record(site, HP__EV_UV_HANDLES, HP__UV_REQ_ACTIVE * (k + 1) + t, v[k], seq);
	}
}

/* The loop's events so far, or ~0 when libuv cannot say (before 1.45). */
static inline uint64_t hp__uv_events(uv_loop_t *loop)
{
#if UV_VERSION_HEX >= 0x012d00
	uv_metrics_t m;

	if (uv_metrics_info(loop, &m) == 0)
		return m.events;
#else
	(void)loop;
#endif
	return UINT64_MAX;
}

/* After each poll: one iteration ended (time since the last one's end). */
static void hp__uv_check(uv_check_t *h)
{
	hp_uv_watch *w = (hp_uv_watch *)h->data;
	uint64_t now = uv_hrtime(), idle = uv_metrics_idle_time(w->loop);
	uint64_t ev = hp__uv_events(w->loop), dur = now - w->last;
	uint32_t d = dur < 0x80000000u ? (uint32_t)dur
				       : 0x80000000u | (uint32_t)(dur / 1000 > 0x7fffffff ? 0x7fffffff : dur / 1000);
	uint32_t e = ev == UINT64_MAX || w->events == UINT64_MAX ? UINT32_MAX
		     : (uint32_t)(ev - w->events > 0xfffffffe ? 0xfffffffe : ev - w->events);

	if (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		hp__uv_record(hp__uv_site(w), HP__EV_UV_ITER, e, idle - w->idle, d);
	w->last = now;
	w->idle = idle;
	w->events = ev;
	if (now - w->walked >= HP__UV_WALK_NS)
		hp__uv_sample(w, now);
}

/* The lag probe: how late it fired, then again. */
static void hp__uv_lag(uv_timer_t *h)
{
	hp_uv_watch *w = (hp_uv_watch *)h->data;
	uint64_t now = uv_hrtime(), due = w->lag_at + (uint64_t)w->lag_ms * 1000000u;

	if (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		hp__uv_record(hp__uv_site(w), HP__EV_UV_LAG, 0, now > due ? now - due : 0, 0);
	w->lag_at = now;
	uv_timer_start(h, hp__uv_lag, w->lag_ms, 0);
}

/* Starts watching loop (call it on the loop's thread, before uv_run),
 * reported as name; lag_ms > 0 probes the loop's lag that often.  The
 * watch's handles do not keep the loop alive.  0, or a libuv error. */
#define hp_uv_loop_watch(w, loop, name, lag_ms) hp__uv_loop_watch((w), (loop), (name), (lag_ms), __FILE__, __LINE__)
static inline HP_SKIP int hp__uv_loop_watch(hp_uv_watch *w, uv_loop_t *loop, const char *name,
					    unsigned lag_ms, const char *file, int line)
{
	int rv;

	memset(w, 0, sizeof(*w));
	w->loop = loop;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->site.label = w->name;
	w->site.file = file;
	w->site.line = line;
	w->site.kind = HP_SITE_UV_LOOP;
	w->lag_ms = lag_ms;
	if ((rv = uv_loop_configure(loop, UV_METRICS_IDLE_TIME)) != 0 ||
	    (rv = uv_check_init(loop, &w->check)) != 0)
		return rv;
	w->check.data = w;
	uv_check_start(&w->check, hp__uv_check);
	uv_unref((uv_handle_t *)&w->check);
	uv_timer_init(loop, &w->lag);
	w->lag.data = w;
	uv_unref((uv_handle_t *)&w->lag);
	w->last = uv_hrtime();
	w->idle = uv_metrics_idle_time(loop);
	w->events = hp__uv_events(loop);
	w->walked = w->last;
	hp__uv_reqs(loop, w->req_started, w->req_completed, HP__UV_REQ_TYPES);
	if (lag_ms > 0) {
		w->lag_at = w->last;
		uv_timer_start(&w->lag, hp__uv_lag, lag_ms, 0);
	}
	return 0;
}

/* Stops watching: a last sample of the handles, and the watch's handles
 * closed (they are gone after the loop's next run). */
static inline HP_SKIP void hp_uv_loop_unwatch(hp_uv_watch *w)
{
	hp__uv_sample(w, uv_hrtime());
	uv_close((uv_handle_t *)&w->check, NULL);
	uv_close((uv_handle_t *)&w->lag, NULL);
}

#else /* !HOTPATH: the plain calls */

#define hp_uv_queue_work(p, loop, req, work, after) \
	((void)sizeof(p), uv_queue_work((loop), (req), (work), (after)))
#define hp_uv_timer_start(p, timer, cb, timeout) \
	((void)sizeof(p), uv_timer_start((timer), (cb), (timeout), 0))
#define hp_uv_timer_stop(timer) uv_timer_stop(timer)

typedef struct hp_uv_watch {
	char unused;
} hp_uv_watch;
static inline int hp__uv_watch_off(void)
{
	return 0;
}
#define hp_uv_loop_watch(w, loop, name, lag_ms) \
	((void)sizeof(w), (void)sizeof(loop), (void)sizeof(name), (void)sizeof(lag_ms), \
	 hp__uv_watch_off())
#define hp_uv_loop_unwatch(w) ((void)sizeof(w))

#endif /* HOTPATH */

#ifdef __cplusplus
}
#endif

#endif /* HOTPATH_UV_H */
