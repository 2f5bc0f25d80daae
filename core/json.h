/* SPDX-License-Identifier: MIT */
/*
 * json.h - the one JSON reader of hotpath (core/json.c): the query
 * requests of wire.c, Lua's hotpath.json_decode and reporter options, and
 * in the command the console's live messages, log replies and the report
 * files of `hotpath report`, compare and merge.
 *
 * A text is read in one pass into one document: a flat array of values in
 * document order (a container is followed by everything it holds) and one
 * block of decoded, NUL-terminated strings.  Reading is bounded (nesting
 * depth, number length, text size) and never recursive, since the text
 * may come from the network.  RFC 8259, UTF-8 checked.
 *
 * json_write.c writes JSON back: a value read here, or one built piece by
 * piece (hpi_jw_*).
 */
#ifndef HPI_JSON_H
#define HPI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

typedef enum hpi_json_type {
	HPI_JSON_NULL,
	HPI_JSON_FALSE,
	HPI_JSON_TRUE,
	HPI_JSON_INT,    /* no fraction or exponent, fits an int64 */
	HPI_JSON_REAL,
	HPI_JSON_STRING,
	HPI_JSON_ARRAY,
	HPI_JSON_OBJECT
} hpi_json_type;

/* One value of a document; borrowed, valid until hpi_json_free. */
typedef struct hpi_jv {
	uint8_t type;      /* hpi_json_type */
	uint32_t n;        /* STRING: bytes; ARRAY, OBJECT: elements */
	uint32_t skip;     /* values this one takes, itself included: its next
			    * sibling (if any) is this + skip */
	const char *key;   /* a member of an object: its key, else NULL */
	union {
		int64_t i;     /* INT */
		double d;      /* REAL */
		const char *s; /* STRING: n bytes and a NUL */
	} v;
} hpi_jv;

/* Errors: name, plain message (with " at byte N" after it), and the
 * message jansson gave for the same fault, which the report loaders have
 * always printed ("r.json:1:4: invalid JSON: '[' or '{' expected near
 * 'this'") and which users and tests read. */
#define HPI_JSON_ERR_MAP(XX)                                                          \
	XX(END, "unexpected end", "unexpected token")                                 \
	XX(ARR_EOF, "unexpected end", "']' expected")                                 \
	XX(CHAR, "unexpected character", "invalid token")                             \
	XX(TOKEN, "unexpected character", "unexpected token")                         \
	XX(KEY, "expected a string key", "string or '}' expected")                    \
	XX(COLON, "expected ':'", "':' expected")                                     \
	XX(OBJ_END, "expected ',' or a closing bracket", "'}' expected")              \
	XX(ARR_END, "expected ',' or a closing bracket", "']' expected")              \
	XX(UNTERMINATED, "unterminated string", "premature end of input")             \
	XX(CONTROL, "control character in a string", "control character")             \
	XX(ESCAPE, "bad escape", "invalid escape")                                    \
	XX(SURROGATE, "lone surrogate in a \\u escape", "invalid Unicode escape")     \
	XX(NUL, "\\u0000 in a string", "\\u0000 is not allowed without JSON_ALLOW_NUL") \
	XX(KEY_NUL, "\\u0000 in an object key", "NUL byte in object key not supported") \
	XX(UTF8, "invalid UTF-8", "unable to decode byte")                            \
	XX(NUMBER, "bad number", "invalid token")                                     \
	XX(LONG_NUMBER, "number too long", "invalid token")                           \
	XX(BIG_INT, "integer out of range", "too big integer")                        \
	XX(BIG_REAL, "number out of range", "real number overflow")                   \
	XX(DEEP, "nested too deep", "maximum parsing depth reached")                  \
	XX(TRAILING, "unexpected text after the value", "end of file expected")       \
	XX(TOP, "expected an object or an array", "'[' or '{' expected")              \
	XX(DUP_KEY, "duplicate object key", "duplicate object key")                   \
	XX(TOO_LARGE, "text too large", "text too large")                             \
	XX(NO_MEMORY, "out of memory", "out of memory")

typedef enum hpi_json_code {
	HPI_JSON_OK = 0,
#define HPI_JSON_XX(name, plain, jansson) HPI_JSON_E_##name,
	HPI_JSON_ERR_MAP(HPI_JSON_XX)
#undef HPI_JSON_XX
} hpi_json_code;

/* Where and why a text is not read. */
typedef struct hpi_json_err {
	hpi_json_code code;
	size_t at;   /* byte offset of the fault (the text's length at its end) */
	size_t tok;  /* byte offset of the token it is in or at */
	char text[96]; /* "<plain message> at byte <at + 1>" */
} hpi_json_err;

/* Flags of hpi_json_parse. */
enum {
	HPI_JSON_TOP_CONTAINER = 1, /* the text is an object or an array */
	HPI_JSON_NO_DUP_KEYS = 2,   /* a key twice in one object is an error */
	/* Lua's reading: a lone surrogate escape becomes U+FFFD, \u0000 stays
	 * in a string (not in a key), bytes are not checked as UTF-8, an
	 * integer past int64 becomes a REAL and a real past double infinity */
	HPI_JSON_LOOSE = 4,
};

#define HPI_JSON_MAX_DEPTH 2048 /* nesting when opts give 0 (jansson's) */
#define HPI_JSON_MAX_NUMBER 400 /* bytes of one number */

/* A document; caller frees with hpi_json_free. */
typedef struct hpi_json hpi_json;

/*
 * Reads len bytes at text (no NUL needed; a NUL byte in it is an error).
 * flags: HPI_JSON_*; max_depth: containers inside each other, 0 for
 * HPI_JSON_MAX_DEPTH.  Returns the document, or NULL with *err filled in
 * (err may be NULL).
 */
hpi_json *hpi_json_parse(const char *text, size_t len, unsigned flags, unsigned max_depth,
			 hpi_json_err *err);
/* Frees a document; NULL is a no-op. */
void hpi_json_free(hpi_json *doc);
/* The top-level value (borrowed from doc). */
const hpi_jv *hpi_json_root(const hpi_json *doc);

/* The plain message of a code ("expected ':'"), and jansson's. */
const char *hpi_json_strerror(hpi_json_code code);
const char *hpi_json_jansson_error(hpi_json_code code);
/*
 * The report loaders' form of err on text: "LINE:COLUMN: invalid JSON:
 * MESSAGE near 'TOKEN'" ("truncated JSON" when the text ended first, "near
 * end of file" when no token), as jansson wrote it.  Caller frees; NULL
 * when out of memory.
 */
char *hpi_json_err_context(const char *text, size_t len, const hpi_json_err *err);

/* Member key of obj (the last one when a key repeats), or NULL when obj
 * is not an object or has none. */
const hpi_jv *hpi_json_get(const hpi_jv *obj, const char *key);
/* Element i of an array, or NULL. */
const hpi_jv *hpi_json_at(const hpi_jv *arr, size_t i);

/* The first element (or member) of container c, or NULL. */
static inline const hpi_jv *hpi_json_first(const hpi_jv *c)
{
	return c != NULL && (c->type == HPI_JSON_ARRAY || c->type == HPI_JSON_OBJECT) && c->n > 0
	       ? c + 1 : NULL;
}

/* The element of c after v, or NULL. */
static inline const hpi_jv *hpi_json_next(const hpi_jv *c, const hpi_jv *v)
{
	const hpi_jv *w = v + v->skip;

	return w < c + c->skip ? w : NULL;
}

#define HPI_JSON_FOREACH(c, v) \
	for (const hpi_jv *v = hpi_json_first(c); v != NULL; v = hpi_json_next((c), v))

static inline hpi_json_type hpi_json_typeof(const hpi_jv *v)
{
	return v != NULL ? (hpi_json_type)v->type : HPI_JSON_NULL;
}

static inline bool hpi_json_is(const hpi_jv *v, hpi_json_type t)
{
	return v != NULL && v->type == t;
}

static inline bool hpi_json_is_number(const hpi_jv *v)
{
	return v != NULL && (v->type == HPI_JSON_INT || v->type == HPI_JSON_REAL);
}

/* The string of v, or NULL when v is not one. */
static inline const char *hpi_json_str(const hpi_jv *v)
{
	return v != NULL && v->type == HPI_JSON_STRING ? v->v.s : NULL;
}

/* The number of v as a double (0 when v is not a number). */
static inline double hpi_json_num(const hpi_jv *v)
{
	return v == NULL ? 0 : v->type == HPI_JSON_INT ? (double)v->v.i
	       : v->type == HPI_JSON_REAL ? v->v.d : 0;
}

/* The elements of an array or object (0 for anything else). */
static inline size_t hpi_json_size(const hpi_jv *v)
{
	return v != NULL && (v->type == HPI_JSON_ARRAY || v->type == HPI_JSON_OBJECT) ? v->n : 0;
}

/* ---- writing (json_write.c) ----------------------------------------------
 *
 * The one JSON writer for messages built piece by piece (the console's MCP
 * server, Lua panels' tables): compact, RFC 8259, strings escaped as
 * hpi_buf_json_str does.  The reports have their own layout (render.c,
 * pretty or one line, the same escapes).  The writer keeps no stack: a
 * comma goes before a value unless it opens its container or follows its
 * key. */

typedef struct hpi_jw {
	hpi_buf *out;  /* borrowed */
	int prec;      /* significant digits of a real (%.*g); 0 for 17 */
	bool first;    /* nothing yet in the open container */
	bool keyed;    /* a key was written, its value not yet */
} hpi_jw;

/* A writer appending to out; prec as hpi_jw.prec. */
static inline hpi_jw hpi_jw_make(hpi_buf *out, int prec)
{
	return (hpi_jw){.out = out, .prec = prec, .first = true};
}

void hpi_jw_open(hpi_jw *w, char c);   /* '{' or '[' */
void hpi_jw_close(hpi_jw *w, char c);  /* '}' or ']' */
void hpi_jw_key(hpi_jw *w, const char *key);
void hpi_jw_str(hpi_jw *w, const char *s); /* NULL writes null */
void hpi_jw_int(hpi_jw *w, int64_t i);
/* A real as jansson wrote it: %.*g with a ".0" when it reads as an
 * integer, exponents without '+' or leading zeros; null when not finite. */
void hpi_jw_real(hpi_jw *w, double d);
void hpi_jw_bool(hpi_jw *w, bool b);
void hpi_jw_null(hpi_jw *w);
/* n bytes of JSON text written as they are (a value the caller wrote). */
void hpi_jw_raw(hpi_jw *w, const char *json, size_t n);
/* A value read by hpi_json_parse, in document order; NULL writes null.
 * When v is an object, its own members whose key is in omit (NULL-ended,
 * or NULL) are left out. */
void hpi_jw_value(hpi_jw *w, const hpi_jv *v, const char *const *omit);

/* A member of the open object: its key, then its value. */
static inline void hpi_jw_kstr(hpi_jw *w, const char *key, const char *s)
{
	hpi_jw_key(w, key);
	hpi_jw_str(w, s);
}

static inline void hpi_jw_kint(hpi_jw *w, const char *key, int64_t i)
{
	hpi_jw_key(w, key);
	hpi_jw_int(w, i);
}

static inline void hpi_jw_kvalue(hpi_jw *w, const char *key, const hpi_jv *v)
{
	hpi_jw_key(w, key);
	hpi_jw_value(w, v, NULL);
}

#endif /* HPI_JSON_H */
