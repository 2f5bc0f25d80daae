/* SPDX-License-Identifier: MIT */
/*
 * json.c - the one JSON reader (json.h): one pass, no recursion, into a
 * flat array of values and one block of strings, so that reading a
 * console message of 10,000 rows is two allocations that grow rarely, not
 * one per value.
 *
 * The block of strings is sized once: a decoded string and its NUL never
 * take more bytes than its source with the quotes.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "json.h"

struct hpi_json {
	hpi_jv *v;     /* the values, document order */
	size_t n, cap;
	char *strs;    /* every string and key, NUL-terminated */
};

/* A key seen in an open object (HPI_JSON_NO_DUP_KEYS). */
typedef struct rd_seen {
	uint32_t obj, node; /* the object's value index, the member's + 1 */
} rd_seen;

typedef struct rd {
	const unsigned char *start, *p, *end;
	hpi_json *doc;
	char *out;          /* next free byte of doc->strs */
	unsigned flags, max_depth;
	hpi_json_err *err;
	uint32_t *stack;    /* open containers (value indexes) */
	size_t depth, stack_cap;
	const unsigned char *key_tok; /* the last key read */
	bool nul;           /* a \u0000 was read (HPI_JSON_LOOSE) */
	rd_seen *seen;      /* open-addressed, power of two */
	size_t nseen, seen_cap;
} rd;

/* Byte classes for the string loop: 0 is a byte copied as it is. */
static const unsigned char rd_class[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 2, ['\\'] = 3, [0x80 ... 0xff] = 4,
};

static const char *const rd_plain[] = {
	"no error",
#define HPI_JSON_XX(name, plain, jansson) plain,
	HPI_JSON_ERR_MAP(HPI_JSON_XX)
#undef HPI_JSON_XX
};

static const char *const rd_jansson[] = {
	"no error",
#define HPI_JSON_XX(name, plain, jansson) jansson,
	HPI_JSON_ERR_MAP(HPI_JSON_XX)
#undef HPI_JSON_XX
};

const char *hpi_json_strerror(hpi_json_code code)
{
	return (size_t)code < sizeof(rd_plain) / sizeof(rd_plain[0]) ? rd_plain[code] : "?";
}

const char *hpi_json_jansson_error(hpi_json_code code)
{
	return (size_t)code < sizeof(rd_jansson) / sizeof(rd_jansson[0]) ? rd_jansson[code] : "?";
}

/* Records the fault at at (in token tok); returns false. */
static bool rd_fail(rd *r, hpi_json_code code, const unsigned char *at, const unsigned char *tok)
{
	hpi_json_err *e = r->err;

	if (e == NULL || e->code != HPI_JSON_OK)
		return false;
	e->code = code;
	e->at = (size_t)(at - r->start);
	e->tok = (size_t)(tok - r->start);
	snprintf(e->text, sizeof(e->text), "%s at byte %zu", hpi_json_strerror(code), e->at + 1);
	return false;
}

/* Skips white space. */
static inline const unsigned char *rd_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* A new value at the end of the array; its index, or UINT32_MAX. */
static uint32_t rd_new(rd *r, hpi_json_type type, const char *key)
{
	hpi_json *d = r->doc;
	hpi_jv *v;

	if (d->n == d->cap) {
		size_t cap = d->cap * 2;
		hpi_jv *nv = cap > d->cap ? realloc(d->v, cap * sizeof(*nv)) : NULL;

		if (nv == NULL) {
			rd_fail(r, HPI_JSON_E_NO_MEMORY, r->p, r->p);
			return UINT32_MAX;
		}
		d->v = nv;
		d->cap = cap;
	}
	v = &d->v[d->n];
	v->type = (uint8_t)type;
	v->n = 0;
	v->skip = 1;
	v->key = key;
	v->v.i = 0;
	return (uint32_t)d->n++;
}

/* Appends code point cp as UTF-8. */
static char *rd_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Four hex digits at p (4 bytes there); -1 if not. */
static long rd_hex4(const unsigned char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0'
				  : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Length of the UTF-8 sequence at p (a byte >= 0x80), or 0 when it is
 * none: overlong forms, surrogates and past U+10FFFF are refused. */
static size_t rd_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		   : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	unsigned lo = 0x80, hi = 0xbf;

	if (n == 0 || (size_t)(end - p) < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* One escape, q at the backslash; writes its bytes at *o. */
static bool rd_escape(rd *r, const unsigned char **qp, char **o, const unsigned char *tok)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const unsigned char *q = *qp + 1, *e = r->end;
	const char *hit;
	long cp, lo;

	if (q >= e)
		return rd_fail(r, HPI_JSON_E_UNTERMINATED, e, tok);
	if (*q != 'u') {
		if (*q == '\0' || (hit = strchr(from, *q)) == NULL)
			return rd_fail(r, HPI_JSON_E_ESCAPE, q, tok);
		*(*o)++ = to[hit - from];
		*qp = q + 1;
		return true;
	}
	if (e - q < 5 || (cp = rd_hex4(q + 1)) < 0)
		return rd_fail(r, HPI_JSON_E_ESCAPE, q, tok);
	if (cp >= 0xd800 && cp <= 0xdbff && e - q >= 11 && q[5] == '\\' && q[6] == 'u' &&
	    (lo = rd_hex4(q + 7)) >= 0xdc00 && lo <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		q += 6;
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		if (!(r->flags & HPI_JSON_LOOSE))
			return rd_fail(r, HPI_JSON_E_SURROGATE, q, tok);
		cp = 0xfffd;
	} else if (cp == 0 && !(r->flags & HPI_JSON_LOOSE)) {
		return rd_fail(r, HPI_JSON_E_NUL, q, tok);
	} else if (cp == 0) {
		r->nul = true;
	}
	*o = rd_utf8(*o, (unsigned)cp);
	*qp = q + 5;
	return true;
}

/* A string, r->p at its quote: decoded into the block; its start and
 * length in *s and *n. */
static bool rd_string(rd *r, const char **s, uint32_t *n)
{
	const unsigned char *q = r->p + 1, *e = r->end, *tok = r->p;
	char *o = r->out;
	size_t k;

	for (;;) {
		while (q < e && rd_class[*q] == 0)
			*o++ = (char)*q++;
		if (q >= e)
			return rd_fail(r, HPI_JSON_E_UNTERMINATED, e, tok);
		switch (rd_class[*q]) {
		case 2:
			*o = '\0';
			*s = r->out;
			*n = (uint32_t)(o - r->out);
			r->out = o + 1;
			r->p = q + 1;
			return true;
		case 3:
			if (!rd_escape(r, &q, &o, tok))
				return false;
			break;
		case 1:
			return rd_fail(r, HPI_JSON_E_CONTROL, q, tok);
		default:
			if (r->flags & HPI_JSON_LOOSE) {
				*o++ = (char)*q++;
				break;
			}
			if ((k = rd_utf8_len(q, e)) == 0)
				return rd_fail(r, HPI_JSON_E_UTF8, q, tok);
			memcpy(o, q, k);
			o += k;
			q += k;
			break;
		}
	}
}

static pthread_once_t rd_c_once = PTHREAD_ONCE_INIT;
static locale_t rd_c_locale;

/* The "C" locale, for strtod_l: the user's locale may use ",". */
static void rd_c_init(void)
{
	rd_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Exact powers of ten a double holds. */
static const double rd_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A real from s..e (a valid JSON number): exact and quick for up to 15
 * digits and exponents to 22 (one rounding of exact operands), else
 * strtod in the C locale. */
static double rd_real(const unsigned char *s, const unsigned char *e)
{
	const unsigned char *p = s + (*s == '-');
	uint64_t m = 0;
	int digits = 0, exp10 = 0, ex = 0, esign = 1;
	char tok[HPI_JSON_MAX_NUMBER + 1];
	double d;

	for (; p < e && *p >= '0' && *p <= '9'; p++)
		if (m != 0 || *p != '0')
			m = m * 10 + (uint64_t)(*p - '0'), digits += digits < 20;
	if (p < e && *p == '.') {
		for (p++; p < e && *p >= '0' && *p <= '9'; p++, exp10--) {
			if (m != 0 || *p != '0')
				m = m * 10 + (uint64_t)(*p - '0'), digits += digits < 20;
		}
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			esign = *p++ == '-' ? -1 : 1;
		for (; p < e && *p >= '0' && *p <= '9' && ex < 10000; p++)
			ex = ex * 10 + (*p - '0');
		exp10 += esign * ex;
	}
	if (p == e && digits <= 15 && exp10 >= -22 && exp10 <= 22) {
		d = (double)m;
		d = exp10 < 0 ? d / rd_pow10[-exp10] : d * rd_pow10[exp10];
		return *s == '-' ? -d : d;
	}
	memcpy(tok, s, (size_t)(e - s));
	tok[e - s] = '\0';
	pthread_once(&rd_c_once, rd_c_init);
	return rd_c_locale != (locale_t)0 ? strtod_l(tok, NULL, rd_c_locale) : strtod(tok, NULL);
}

/* A number, r->p at its first byte, into value i. */
static bool rd_number(rd *r, uint32_t i)
{
	const unsigned char *s = r->p, *p = s + (*s == '-'), *e = r->end;
	bool is_int = true;
	uint64_t u = 0;
	bool over = false;
	hpi_jv *v = &r->doc->v[i];

	if (p >= e || *p < '0' || *p > '9')
		return rd_fail(r, HPI_JSON_E_NUMBER, s, s);
	if (*p == '0') {
		p++;
	} else {
		for (; p < e && *p >= '0' && *p <= '9'; p++) {
			over = over || u > (UINT64_MAX - 9) / 10;
			u = u * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p + 1 < e && *p == '.' && p[1] >= '0' && p[1] <= '9') {
		is_int = false;
		for (p++; p < e && *p >= '0' && *p <= '9'; p++)
			;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		const unsigned char *q = p + 1;

		q += q < e && (*q == '+' || *q == '-');
		if (q < e && *q >= '0' && *q <= '9') {
			is_int = false;
			for (p = q; p < e && *p >= '0' && *p <= '9'; p++)
				;
		}
	}
	if (p - s > HPI_JSON_MAX_NUMBER)
		return rd_fail(r, HPI_JSON_E_LONG_NUMBER, s, s);
	r->p = p;
	if (is_int && !over && u <= (*s == '-' ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
		v->type = HPI_JSON_INT;
		v->v.i = *s == '-' ? (int64_t)(0 - u) : (int64_t)u;
		return true;
	}
	if (is_int && !(r->flags & HPI_JSON_LOOSE))
		return rd_fail(r, HPI_JSON_E_BIG_INT, s, s);
	v->type = HPI_JSON_REAL;
	v->v.d = rd_real(s, p);
	if (isinf(v->v.d) && !(r->flags & HPI_JSON_LOOSE))
		return rd_fail(r, HPI_JSON_E_BIG_REAL, s, s);
	return true;
}

/* true, false or null, r->p at its first letter, into value i. */
static bool rd_word(rd *r, uint32_t i)
{
	static const struct { const char *w; size_t n; hpi_json_type t; } words[] = {
		{"true", 4, HPI_JSON_TRUE}, {"false", 5, HPI_JSON_FALSE}, {"null", 4, HPI_JSON_NULL},
	};

	for (size_t k = 0; k < 3; k++) {
		if ((size_t)(r->end - r->p) >= words[k].n && memcmp(r->p, words[k].w, words[k].n) == 0) {
			r->doc->v[i].type = (uint8_t)words[k].t;
			r->p += words[k].n;
			return true;
		}
	}
	return rd_fail(r, HPI_JSON_E_CHAR, r->p, r->p);
}

/* FNV-1a of a key, mixed with its object. */
static size_t rd_hash(const char *key, uint32_t obj)
{
	uint64_t h = 0xcbf29ce484222325ull ^ obj;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 0x100000001b3ull;
	return (size_t)(h ^ h >> 29);
}

/* Notes member node's key in object obj; false when it was there. */
static bool rd_seen_add(rd *r, uint32_t obj, uint32_t node, const unsigned char *tok)
{
	const char *key = r->doc->v[node].key;
	size_t h;

	if (2 * (r->nseen + 1) > r->seen_cap) {
		size_t cap = r->seen_cap ? r->seen_cap * 2 : 64;
		rd_seen *ns = calloc(cap, sizeof(*ns));

		if (ns == NULL)
			return rd_fail(r, HPI_JSON_E_NO_MEMORY, tok, tok);
		for (size_t k = 0; k < r->seen_cap; k++) {
			if (r->seen[k].node == 0)
				continue;
			h = rd_hash(r->doc->v[r->seen[k].node - 1].key, r->seen[k].obj) & (cap - 1);
			while (ns[h].node != 0)
				h = (h + 1) & (cap - 1);
			ns[h] = r->seen[k];
		}
		free(r->seen);
		r->seen = ns;
		r->seen_cap = cap;
	}
	for (h = rd_hash(key, obj) & (r->seen_cap - 1); r->seen[h].node != 0;
	     h = (h + 1) & (r->seen_cap - 1))
		if (r->seen[h].obj == obj && strcmp(r->doc->v[r->seen[h].node - 1].key, key) == 0)
			return rd_fail(r, HPI_JSON_E_DUP_KEY, tok, tok);
	r->seen[h].obj = obj;
	r->seen[h].node = node + 1;
	r->nseen++;
	return true;
}

/* A member's key and its ':', r->p at the key; the key in *key. */
static bool rd_key(rd *r, const char **key)
{
	const unsigned char *tok;
	uint32_t n;

	r->p = rd_ws(r->p, r->end);
	tok = r->key_tok = r->p;
	if (r->p >= r->end || *r->p != '"')
		return rd_fail(r, HPI_JSON_E_KEY, r->p, r->p);
	r->nul = false;
	if (!rd_string(r, key, &n))
		return false;
	if (r->nul)
		return rd_fail(r, HPI_JSON_E_KEY_NUL, tok, tok);
	r->p = rd_ws(r->p, r->end);
	if (r->p >= r->end || *r->p != ':')
		return rd_fail(r, HPI_JSON_E_COLON, r->p, r->p);
	r->p++;
	return true;
}

/* Opens a container (value i); false past the depth. */
static bool rd_push(rd *r, uint32_t i)
{
	if (r->depth >= r->max_depth)
		return rd_fail(r, HPI_JSON_E_DEEP, r->p, r->p);
	if (r->depth == r->stack_cap) {
		size_t cap = r->stack_cap ? r->stack_cap * 2 : 32;
		uint32_t *ns = realloc(r->stack, cap * sizeof(*ns));

		if (ns == NULL)
			return rd_fail(r, HPI_JSON_E_NO_MEMORY, r->p, r->p);
		r->stack = ns;
		r->stack_cap = cap;
	}
	r->stack[r->depth++] = i;
	return true;
}

/* The value due at r->p (a member's when key is set), then the commas,
 * keys and closing brackets after it, until the next value is due; true
 * when the document is complete. */
static bool rd_value(rd *r, const char **key, bool *done)
{
	uint32_t i;
	hpi_jv *c;

	r->p = rd_ws(r->p, r->end);
	if (r->p >= r->end) /* jansson: "']' expected" when in an array */
		return rd_fail(r, *key == NULL && r->depth > 0 &&
			       r->doc->v[r->stack[r->depth - 1]].type == HPI_JSON_ARRAY
			       ? HPI_JSON_E_ARR_EOF : HPI_JSON_E_END, r->p, r->p);
	if ((i = rd_new(r, HPI_JSON_NULL, *key)) == UINT32_MAX)
		return false;
	if (*key != NULL && (r->flags & HPI_JSON_NO_DUP_KEYS) &&
	    !rd_seen_add(r, r->stack[r->depth - 1], i, r->key_tok))
		return false;
	*key = NULL;
	switch (*r->p) {
	case '{':
	case '[':
		r->doc->v[i].type = *r->p == '{' ? HPI_JSON_OBJECT : HPI_JSON_ARRAY;
		if (!rd_push(r, i))
			return false;
		r->p = rd_ws(r->p + 1, r->end);
		if (r->p < r->end && *r->p == (r->doc->v[i].type == HPI_JSON_OBJECT ? '}' : ']')) {
			r->p++;
			r->depth--;
			break;
		}
		if (r->doc->v[i].type == HPI_JSON_OBJECT) {
			if (!rd_key(r, key))
				return false;
		}
		return true;
	case '"':
		r->doc->v[i].type = HPI_JSON_STRING;
		if (!rd_string(r, &r->doc->v[i].v.s, &r->doc->v[i].n))
			return false;
		break;
	case 't':
	case 'f':
	case 'n':
		if (!rd_word(r, i))
			return false;
		break;
	case '}':
	case ']':
	case ',':
	case ':':
		return rd_fail(r, HPI_JSON_E_TOKEN, r->p, r->p);
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
			if (!rd_number(r, i))
				return false;
			break;
		}
		return rd_fail(r, HPI_JSON_E_CHAR, r->p, r->p);
	}
	/* a value is complete: count it, then commas and closing brackets */
	for (;;) {
		if (r->depth == 0) {
			*done = true;
			return true;
		}
		c = &r->doc->v[r->stack[r->depth - 1]];
		c->n++;
		r->p = rd_ws(r->p, r->end);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			if (c->type == HPI_JSON_OBJECT)
				return rd_key(r, key);
			return true;
		}
		if (r->p < r->end && *r->p == (c->type == HPI_JSON_OBJECT ? '}' : ']')) {
			r->p++;
			c->skip = (uint32_t)(r->doc->n - r->stack[r->depth - 1]);
			r->depth--;
			continue;
		}
		return rd_fail(r, c->type == HPI_JSON_OBJECT ? HPI_JSON_E_OBJ_END : HPI_JSON_E_ARR_END,
			       r->p, r->p);
	}
}

hpi_json *hpi_json_parse(const char *text, size_t len, unsigned flags, unsigned max_depth,
			 hpi_json_err *err)
{
	hpi_json_err spare;
	rd r = {.start = (const unsigned char *)text, .p = (const unsigned char *)text,
		.end = (const unsigned char *)text + len, .flags = flags,
		.max_depth = max_depth ? max_depth : HPI_JSON_MAX_DEPTH,
		.err = err ? err : &spare};
	const char *key = NULL;
	bool done = false;

	memset(r.err, 0, sizeof(*r.err));
	if (text == NULL)
		r.start = r.p = r.end = (const unsigned char *)"";
	if (len >= UINT32_MAX - 2) {
		rd_fail(&r, HPI_JSON_E_TOO_LARGE, r.start, r.start);
		return NULL;
	}
	if ((r.doc = calloc(1, sizeof(*r.doc))) == NULL ||
	    (r.doc->strs = malloc(len + 1)) == NULL ||
	    (r.doc->v = malloc((r.doc->cap = len / 8 + 16) * sizeof(hpi_jv))) == NULL) {
		rd_fail(&r, HPI_JSON_E_NO_MEMORY, r.start, r.start);
		goto fail;
	}
	r.out = r.doc->strs;
	if (flags & HPI_JSON_TOP_CONTAINER) {
		const unsigned char *p = rd_ws(r.p, r.end);

		if (p >= r.end || (*p != '{' && *p != '[')) {
			rd_fail(&r, HPI_JSON_E_TOP, p, p);
			goto fail;
		}
	}
	while (!done)
		if (!rd_value(&r, &key, &done))
			goto fail;
	r.p = rd_ws(r.p, r.end);
	if (r.p < r.end) {
		rd_fail(&r, HPI_JSON_E_TRAILING, r.p, r.p);
		goto fail;
	}
	free(r.stack);
	free(r.seen);
	return r.doc;
fail:
	free(r.stack);
	free(r.seen);
	hpi_json_free(r.doc);
	return NULL;
}

void hpi_json_free(hpi_json *doc)
{
	if (doc == NULL)
		return;
	free(doc->v);
	free(doc->strs);
	free(doc);
}

const hpi_jv *hpi_json_root(const hpi_json *doc)
{
	return doc != NULL && doc->n > 0 ? &doc->v[0] : NULL;
}

const hpi_jv *hpi_json_get(const hpi_jv *obj, const char *key)
{
	const hpi_jv *hit = NULL;

	if (!hpi_json_is(obj, HPI_JSON_OBJECT))
		return NULL;
	HPI_JSON_FOREACH(obj, m)
		if (strcmp(m->key, key) == 0)
			hit = m;
	return hit;
}

const hpi_jv *hpi_json_at(const hpi_jv *arr, size_t i)
{
	if (!hpi_json_is(arr, HPI_JSON_ARRAY) || i >= arr->n)
		return NULL;
	HPI_JSON_FOREACH(arr, m)
		if (i-- == 0)
			return m;
	return NULL;
}

/* ---- the report loaders' messages ---------------------------------------- */

/* Where the token at tok ends, as jansson's lexer would have read it. */
static size_t ctx_token_end(const char *t, size_t len, size_t tok)
{
	size_t e = tok;

	if (tok >= len)
		return len;
	if (strchr("{}[]:,", t[tok]) != NULL)
		return tok + 1;
	if ((t[tok] | 0x20) >= 'a' && (t[tok] | 0x20) <= 'z') {
		while (e < len && (t[e] | 0x20) >= 'a' && (t[e] | 0x20) <= 'z')
			e++;
		return e;
	}
	if (t[tok] == '-' || (t[tok] >= '0' && t[tok] <= '9')) {
		for (e++; e < len && strchr("0123456789.eE+-", t[e]) != NULL; e++)
			;
		return e;
	}
	if (t[tok] == '"') {
		for (e++; e < len && t[e] != '"'; e += 1 + (t[e] == '\\' && e + 1 < len))
			if ((unsigned char)t[e] < 0x20)
				return e;
		return e < len ? e + 1 : len;
	}
	for (e++; e < len && ((unsigned char)t[e] & 0xc0) == 0x80; e++)
		;
	return e;
}

char *hpi_json_err_context(const char *text, size_t len, const hpi_json_err *err)
{
	size_t end, line = 1, col = 0, i;
	bool eof;
	char near[64], detail[64];
	const char *msg = hpi_json_jansson_error(err->code);

	/* faults inside a token show the token up to the byte at fault */
	switch (err->code) {
	case HPI_JSON_E_ESCAPE: case HPI_JSON_E_SURROGATE: case HPI_JSON_E_NUL:
	case HPI_JSON_E_UTF8:
		end = err->at + 1 < len ? err->at + 1 : len;
		break;
	case HPI_JSON_E_UNTERMINATED: case HPI_JSON_E_CONTROL:
		end = err->at;
		break;
	default:
		end = ctx_token_end(text, len, err->tok);
		break;
	}
	if (end > len)
		end = len;
	for (i = 0; i < end; i++) {
		if (text[i] == '\n') {
			line++;
			col = 0;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	detail[0] = '\0';
	if (err->code == HPI_JSON_E_CONTROL && err->at < len)
		snprintf(detail, sizeof(detail), text[err->at] == '\n' ? "unexpected newline" :
			 "control character 0x%x", (unsigned char)text[err->at]);
	else if (err->code == HPI_JSON_E_BIG_INT && err->tok < len && text[err->tok] == '-')
		snprintf(detail, sizeof(detail), "too big negative integer");
	else if (err->code == HPI_JSON_E_UTF8 && err->at < len)
		snprintf(detail, sizeof(detail), "unable to decode byte 0x%x",
			 (unsigned char)text[err->at]);
	if (detail[0] != '\0')
		msg = detail;
	eof = end <= err->tok || err->code == HPI_JSON_E_UNTERMINATED;
	near[0] = '\0';
	if (end > err->tok && end - err->tok <= 20)
		snprintf(near, sizeof(near), " near '%.*s'", (int)(end - err->tok), text + err->tok);
	else if (end <= err->tok && err->code != HPI_JSON_E_UTF8)
		snprintf(near, sizeof(near), " near end of file");
	return hpi_asprintf("%zu:%zu: %s JSON: %s%s", line, col,
			    eof && err->at >= len ? "truncated" : "invalid", msg, near);
}
