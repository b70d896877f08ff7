/* Element-wise kernels over one block of rows that the VM calls: the
 * transcendental functions (math_kernels.c, vectorised through glibc's
 * libmvec, chosen at run time by CPU features, with libm's handling of NaN,
 * infinities, -0 and subnormals) and the string predicates
 * (string_kernels.c, with regex through PCRE2).
 *
 * Bool results are one byte per row, 0 or 1. Nulls are the VM's business:
 * kernels compute every row (a null row's input bytes are whatever the
 * column holds and must not crash them). */
#ifndef EVAL_KERNELS_H
#define EVAL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"

/* op: EV_SQRT .. EV_TANH, EV_CBRT, EV_ATAN2, EV_HYPOT, EV_POW, EV_FMOD (b is
 * NULL for one-argument functions). dst may alias a or b. */
void ev_math_f64(ev_op op, double *dst, const double *a, const double *b, size_t n);
void ev_math_f32(ev_op op, float *dst, const float *a, const float *b, size_t n);
/* Which implementation runs ("avx512", "avx2", "sse", "scalar"), for --stats. */
const char *ev_math_isa(void);

/* n strings: row i is data[offsets[i]] .. data[offsets[i+1]] (offsets are
 * the column's own, starting at the block's first row), or, when offsets is
 * NULL, data[0 .. const_len) for every row. */
typedef struct ev_str_view {
	const int32_t *offsets;
	const uint8_t *data;
	size_t const_len;
} ev_str_view;

/* EV_EQ .. EV_GE, bytewise (memcmp order, a prefix sorts first) */
void ev_str_compare(ev_op op, uint8_t *dst, const ev_str_view *a, const ev_str_view *b, size_t n);
/* EV_CONTAINS, EV_STARTSWITH, EV_ENDSWITH */
void ev_str_find(ev_op op, uint8_t *dst, const ev_str_view *s, const ev_str_view *needle, size_t n);
/* length in code points (utf8 columns are valid UTF-8) */
void ev_str_len(int64_t *dst, const ev_str_view *s, size_t n);

typedef struct ev_regex ev_regex;
/* Compiles (and JIT-compiles where PCRE2 can) a UTF pattern. On a bad
 * pattern returns -1 with "bad regex 'PAT': MESSAGE at offset N" in msg. */
int ev_regex_compile(const uint8_t *pattern, size_t len, ev_regex **out, char *msg, size_t msgsz);
/* Per-thread match state: each worker owns one. */
typedef struct ev_regex_scratch ev_regex_scratch;
ev_regex_scratch *ev_regex_scratch_new(const ev_regex *re);
void ev_regex_scratch_free(ev_regex_scratch *s);
/* dst[i] = 1 when the pattern matches somewhere in row i. Returns 0, or -1
 * when PCRE2 fails at run time (match limit), with the reason in msg. */
int ev_regex_match(const ev_regex *re, ev_regex_scratch *s, uint8_t *dst, const ev_str_view *v,
                   size_t n, char *msg, size_t msgsz);
void ev_regex_free(ev_regex *re);

#endif
