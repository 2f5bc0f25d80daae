/* SPDX-License-Identifier: MIT */
/*
 * discover.c - the description files of local programs (discover.h,
 * docs/discovery.md): the private folder, writing a description
 * atomically, and listing the live programs while removing what dead ones
 * left behind.
 *
 * A description is one flat JSON object; the reader here takes strings,
 * integers, null and arrays of strings, and skips any other value, so a
 * later schema may add keys.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "hpi.h"

#define DISCOVER_MAX_FILE (256 * 1024) /* a description is far smaller */
#define DISCOVER_MAX_SECTIONS 256

char *hpi_discover_dir(void)
{
	const char *x = hpi_secure() ? NULL : getenv("XDG_RUNTIME_DIR");

	/* XDG says: an absolute path, else ignored */
	if (x != NULL && x[0] == '/')
		return hpi_asprintf("%s/hotpath", x);
	return hpi_asprintf("/tmp/hotpath-%u", (unsigned)geteuid());
}

int hpi_discover_prepare(const char *dir, bool create, char **cause)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT || !create) {
			*cause = hpi_asprintf("%s: %s", dir, strerror(errno));
			return -1;
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			*cause = hpi_asprintf("cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
		if (lstat(dir, &st) != 0) {
			*cause = hpi_asprintf("%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		*cause = hpi_asprintf("%s is not a folder", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		*cause = hpi_asprintf("%s is owned by uid %u, not by uid %u", dir,
				      (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & 07777) != 0700) {
		*cause = hpi_asprintf("%s has mode %04o, not 0700", dir,
				      (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* ---- reading a description ----------------------------------------------- */

typedef struct json_in {
	const char *p, *end;
} json_in;

/* Skips blanks. */
static void json_ws(json_in *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Whether the next byte is c (taken when it is). */
static bool json_eat(json_in *j, char c)
{
	json_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

/* A JSON string as a new C string (\u escapes below U+0080 decoded, others
 * as '?'; a NUL refused), or NULL. */
static char *json_str(json_in *j)
{
	hpi_buf b;

	if (!json_eat(j, '"'))
		return NULL;
	hpi_buf_init(&b);
	hpi_buf_puts(&b, "");
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;
		if (c == '\\' && j->p < j->end) {
			c = *j->p++;
			if (c == 'u') {
				unsigned v = 0;
				if (j->end - j->p < 4 || sscanf(j->p, "%4x", &v) != 1 || v == 0)
					goto bad;
				j->p += 4;
				c = v < 0x80 ? (char)v : '?';
			} else {
				const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
				const char *k = strchr(from, c);
				if (k == NULL || c == '\0')
					goto bad;
				c = to[k - from];
			}
		} else if ((unsigned char)c < 0x20) {
			goto bad;
		}
		hpi_buf_putc(&b, c);
	}
	if (j->p >= j->end || b.failed)
		goto bad;
	j->p++;
	return b.data;
bad:
	hpi_buf_fini(&b);
	return NULL;
}

/* An unsigned integer, or false. */
static bool json_u64(json_in *j, uint64_t *v)
{
	uint64_t x = 0;
	const char *s;

	json_ws(j);
	s = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*j->p++ - '0');
	}
	*v = x;
	return j->p > s;
}

/* Skips any one value (depth-limited); false when it is not JSON. */
static bool json_skip(json_in *j, int depth)
{
	char *s;

	json_ws(j);
	if (j->p >= j->end || depth > 16)
		return false;
	if (*j->p == '"') {
		if ((s = json_str(j)) == NULL)
			return false;
		free(s);
		return true;
	}
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool obj = close == '}';
		j->p++;
		if (json_eat(j, close))
			return true;
		do {
			if (obj && (!json_skip(j, depth + 1) || !json_eat(j, ':')))
				return false;
			if (!json_skip(j, depth + 1))
				return false;
		} while (json_eat(j, ','));
		return json_eat(j, close);
	}
	/* numbers, true, false, null */
	s = (char *)j->p;
	while (j->p < j->end && strchr("+-.0123456789eEtruefalsn", *j->p) != NULL)
		j->p++;
	return j->p > s;
}

/* An array of strings into p->sections. */
static bool json_sections(json_in *j, hpi_program *p)
{
	if (!json_eat(j, '['))
		return false;
	if (json_eat(j, ']'))
		return true;
	do {
		char *s = json_str(j), **v;
		if (s == NULL || p->nsections >= DISCOVER_MAX_SECTIONS ||
		    (v = realloc(p->sections, (p->nsections + 1) * sizeof(*v))) == NULL) {
			free(s);
			return false;
		}
		p->sections = v;
		v[p->nsections++] = s;
	} while (json_eat(j, ','));
	return json_eat(j, ']');
}

/* A string or null into *dst (replacing what it held). */
static bool json_str_or_null(json_in *j, char **dst)
{
	json_ws(j);
	free(*dst);
	*dst = NULL;
	if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
		j->p += 4;
		return true;
	}
	return (*dst = json_str(j)) != NULL;
}

/* One key's value into p. */
static bool json_field(json_in *j, const char *key, hpi_program *p)
{
	uint64_t v;

	if (strcmp(key, "pid") == 0) {
		if (!json_u64(j, &v) || v == 0 || v > (uint64_t)0x7fffffff)
			return false;
		p->pid = (long)v;
		return true;
	}
	if (strcmp(key, "schema") == 0) {
		if (!json_u64(j, &v) || v > 1000)
			return false;
		p->schema = (int)v;
		return true;
	}
	if (strcmp(key, "start_unix_ns") == 0)
		return json_u64(j, &p->start_unix_ns);
	if (strcmp(key, "proc_start") == 0)
		return json_u64(j, &p->proc_start);
	if (strcmp(key, "program") == 0)
		return json_str_or_null(j, &p->program);
	if (strcmp(key, "caller") == 0)
		return json_str_or_null(j, &p->caller);
	if (strcmp(key, "endpoint") == 0)
		return json_str_or_null(j, &p->endpoint);
	if (strcmp(key, "query") == 0)
		return json_str_or_null(j, &p->query);
	if (strcmp(key, "sections") == 0)
		return json_sections(j, p);
	return json_skip(j, 0);
}

void hpi_program_fini(hpi_program *p)
{
	if (p == NULL)
		return;
	free(p->program);
	free(p->caller);
	free(p->endpoint);
	free(p->query);
	for (size_t i = 0; i < p->nsections; i++)
		free(p->sections[i]);
	free(p->sections);
	free(p->path);
	memset(p, 0, sizeof(*p));
}

int hpi_discover_parse(const char *text, size_t len, hpi_program *p)
{
	json_in j = {text, text + len};

	memset(p, 0, sizeof(*p));
	if (!json_eat(&j, '{'))
		return -1;
	if (!json_eat(&j, '}')) {
		do {
			char *key = json_str(&j);
			bool ok = key != NULL && json_eat(&j, ':') && json_field(&j, key, p);
			free(key);
			if (!ok)
				goto bad;
		} while (json_eat(&j, ','));
		if (!json_eat(&j, '}'))
			goto bad;
	}
	json_ws(&j);
	if (j.p != j.end || p->pid <= 0 || p->program == NULL || p->endpoint == NULL ||
	    p->schema < 1)
		goto bad;
	return 0;
bad:
	hpi_program_fini(p);
	return -1;
}

/* ---- liveness ------------------------------------------------------------ */

uint64_t hpi_discover_proc_start(long pid)
{
	char path[64], buf[1024], *q;
	unsigned long long v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the name in parentheses may hold anything: count after the last ')' */
	if ((q = strrchr(buf, ')')) == NULL)
		return 0;
	q++;
	/* field 3 (state) is the first after ')'; starttime is field 22 */
	for (int f = 3; f < 22; f++) {
		q = strchr(q + 1, ' ');
		if (q == NULL)
			return 0;
	}
	if (sscanf(q, " %llu", &v) != 1)
		return 0;
	return v;
}

bool hpi_discover_alive(long pid, uint64_t proc_start)
{
	uint64_t now;

	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return false;
	if (proc_start == 0 || (now = hpi_discover_proc_start(pid)) == 0)
		return true; /* nothing to compare: the pid runs */
	return now == proc_start;
}

/* ---- writing -------------------------------------------------------------- */

int hpi_discover_write(const char *dir, const hpi_program *p, char **cause)
{
	char *tmp = hpi_asprintf("%s/.%ld.json.tmp", dir, p->pid);
	char *dst = hpi_asprintf("%s/%ld.json", dir, p->pid);
	hpi_buf b;
	int fd = -1, rv = -1;
	size_t off = 0;

	hpi_buf_init(&b);
	hpi_buf_printf(&b, "{\"type\":\"hotpath_program\",\"schema\":%d,\"pid\":%ld,\"program\":",
		       HPI_DISCOVER_SCHEMA, p->pid);
	hpi_buf_json_str(&b, p->program);
	hpi_buf_puts(&b, ",\"caller\":");
	hpi_buf_json_str(&b, p->caller);
	hpi_buf_printf(&b, ",\"start_unix_ns\":%llu,\"proc_start\":%llu,\"endpoint\":",
		       (unsigned long long)p->start_unix_ns, (unsigned long long)p->proc_start);
	hpi_buf_json_str(&b, p->endpoint);
	hpi_buf_puts(&b, ",\"query\":");
	hpi_buf_json_str(&b, p->query);
	hpi_buf_puts(&b, ",\"sections\":[");
	for (size_t i = 0; i < p->nsections; i++) {
		if (i > 0)
			hpi_buf_putc(&b, ',');
		hpi_buf_json_str(&b, p->sections[i]);
	}
	hpi_buf_puts(&b, "]}\n");
	if (tmp == NULL || dst == NULL || b.failed) {
		*cause = hpi_asprintf("out of memory");
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		*cause = hpi_asprintf("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < b.len) {
		ssize_t w = write(fd, b.data + off, b.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*cause = hpi_asprintf("cannot write %s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		*cause = hpi_asprintf("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst) != 0) {
		*cause = hpi_asprintf("cannot rename %s: %s", tmp, strerror(errno));
		goto out;
	}
	rv = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rv != 0 && tmp != NULL)
		unlink(tmp);
	hpi_buf_fini(&b);
	free(tmp);
	free(dst);
	return rv;
}

void hpi_discover_remove(const char *dir, long pid)
{
	static const char *const fmt[] = {"%s/%ld.json", "%s/%ld.pub", "%s/%ld.query",
					  "%s/.%ld.json.tmp"};

	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		char path[4096];
		if (snprintf(path, sizeof(path), fmt[i], dir, pid) < (int)sizeof(path))
			unlink(path);
	}
}

/* ---- listing --------------------------------------------------------------- */

/* Reads dir/name (a regular file of at most DISCOVER_MAX_FILE bytes, not
 * followed through a link) into p; 0 or -1. */
static int discover_read(const char *dir, const char *name, hpi_program *p)
{
	char *path = hpi_asprintf("%s/%s", dir, name), *buf = NULL;
	struct stat st;
	ssize_t n = 0;
	int fd = -1, rv = -1;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > DISCOVER_MAX_FILE ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (n < st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)(st.st_size - n));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	if (hpi_discover_parse(buf, (size_t)n, p) == 0) {
		p->path = path;
		path = NULL;
		rv = 0;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return rv;
}

/* The pid a folder entry belongs to ("42.json", "42.pub", ".42.json.tmp"),
 * and whether it is a description; 0 when it is none of ours. */
static long discover_name_pid(const char *name, bool *desc)
{
	char *end;
	long pid;

	if (name[0] == '.')
		name++;
	if (name[0] < '1' || name[0] > '9')
		return 0;
	pid = strtol(name, &end, 10);
	*desc = strcmp(end, ".json") == 0;
	if (*desc || strcmp(end, ".pub") == 0 || strcmp(end, ".query") == 0 ||
	    strcmp(end, ".json.tmp") == 0)
		return pid;
	return 0;
}

/* qsort: by pid. */
static int discover_cmp(const void *a, const void *b)
{
	long x = ((const hpi_program *)a)->pid, y = ((const hpi_program *)b)->pid;

	return (x > y) - (x < y);
}

/* Removes dir/name. */
static void discover_unlink(const char *dir, const char *name)
{
	char *path = hpi_asprintf("%s/%s", dir, name);

	if (path != NULL)
		unlink(path);
	free(path);
}

/* One folder entry: a live description is appended to *v; a dead
 * program's file is removed (with prune). */
static int discover_entry(const char *dir, const char *name, unsigned flags, hpi_program **v,
			  size_t *n, size_t *pruned)
{
	bool desc = false;
	long pid = discover_name_pid(name, &desc);
	hpi_program p = {0}, *nv;

	if (pid <= 0)
		return 0;
	if (!desc) {
		/* a socket or a temporary file: stale only when no process has
		 * the pid (a live one may be between binding and describing) */
		if ((flags & HPI_DISCOVER_PRUNE) && !hpi_discover_alive(pid, 0)) {
			discover_unlink(dir, name);
			(*pruned)++;
		}
		return 0;
	}
	if (discover_read(dir, name, &p) != 0 || p.pid != pid ||
	    !hpi_discover_alive(p.pid, p.proc_start)) {
		bool read = p.pid != 0;
		/* unreadable while its pid runs: maybe being replaced; leave it */
		if ((flags & HPI_DISCOVER_PRUNE) && (read || !hpi_discover_alive(pid, 0))) {
			discover_unlink(dir, name);
			(*pruned)++;
		}
		hpi_program_fini(&p);
		return 0;
	}
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		hpi_program_fini(&p);
		return -1;
	}
	*v = nv;
	nv[(*n)++] = p;
	return 0;
}

int hpi_discover_list(const char *dir, unsigned flags, hpi_program **out, size_t *n,
		      size_t *pruned, char **cause)
{
	hpi_program *v = NULL;
	size_t nv = 0, np = 0;
	struct dirent *e;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (pruned != NULL)
		*pruned = 0;
	if (access(dir, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (hpi_discover_prepare(dir, false, cause) != 0)
		return -1;
	if ((d = opendir(dir)) == NULL) {
		*cause = hpi_asprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL)
		if (discover_entry(dir, e->d_name, flags, &v, &nv, &np) != 0) {
			closedir(d);
			hpi_discover_free(v, nv);
			*cause = hpi_asprintf("out of memory");
			return -1;
		}
	closedir(d);
	if (nv > 1)
		qsort(v, nv, sizeof(*v), discover_cmp);
	*out = v;
	*n = nv;
	if (pruned != NULL)
		*pruned = np;
	return 0;
}

void hpi_discover_free(hpi_program *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		hpi_program_fini(&v[i]);
	free(v);
}

long hpi_discover_find(const hpi_program *v, size_t n, const char *what)
{
	char *end;
	long pid = strtol(what, &end, 10), found = -1;

	if (*what != '\0' && *end == '\0') {
		for (size_t i = 0; i < n; i++)
			if (v[i].pid == pid)
				return (long)i;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].program, what) == 0) {
			if (found >= 0)
				return -2;
			found = (long)i;
		}
	return found;
}
