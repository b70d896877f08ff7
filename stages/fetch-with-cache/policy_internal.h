/* What the policy modules (policy.h) share: walking a header block, and
 * writing a string in two passes, measure then fill, so that no buffer
 * ever grows: every output is bounded by its inputs. */
#ifndef FETCH_POLICY_INTERNAL_H
#define FETCH_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Delta seconds at and beyond 2^31 (RFC 9111 1.2.2) read as this: large
 * enough to be infinite, small enough that adding two never overflows. */
#define FC_DELTA_INFINITE (INT64_MAX / 2)

/* One "Name: value" line; the value without surrounding whitespace. */
typedef struct fc__field {
	const char *name, *value;
	size_t name_len, value_len;
} fc__field;

/* Steps *p to the next line of a header block; false at its end. Lines
 * without a colon or with an empty or spaced name are skipped. A NULL
 * block reads as empty. */
bool fc__field_next(const char **p, fc__field *f);
/* How many lines of the block carry the field name; *first (when given
 * and there is one) is the first of them. */
size_t fc__field_count(const char *headers, const char *name, fc__field *first);
/* Case-insensitive comparison of a counted string and a C string. */
bool fc__span_is(const char *s, size_t n, const char *word);
/* Whether the comma-separated list s[0..n) holds the token tok[0..tok_n),
 * compared case-insensitively. */
bool fc__list_has(const char *s, size_t n, const char *tok, size_t tok_n);
/* Whether a field of this name is never stored (RFC 9111 3.1): the
 * hop-by-hop fields and those the block's Connection field names. */
bool fc__field_unstorable(const char *headers, const char *name, size_t name_len);

/* fc_cache_control_parse() of a header block's Cache-Control field. */
struct fc_cache_control;
void fc__cache_control_of(const char *headers, struct fc_cache_control *out);

/* 1*DIGIT as delta seconds, saturated at FC_DELTA_INFINITE; FC_ABSENT
 * when s[0..n) is empty or holds anything but digits. */
int64_t fc__delta_parse(const char *s, size_t n);

/* A writer that only counts while p is NULL. */
typedef struct fc__out {
	char *p;
	size_t n;
} fc__out;

void fc__put(fc__out *o, const char *s, size_t n);
/* "Name: value\r\n" */
void fc__put_field(fc__out *o, const fc__field *f);
/* Runs emit twice, to measure and to fill; returns the malloc'd string,
 * NULL on out of memory. */
char *fc__build(void (*emit)(fc__out *o, const void *ctx), const void *ctx);

#endif
