/* A small FlatBuffers builder and verifying reader, for exactly the tables
 * the Arrow IPC messages need. No FlatBuffers library is involved.
 *
 * Builder: the buffer grows from its end towards its start, as in the
 * reference implementation, so children are written before their parents
 * and every uoffset points forward. A "ref" is an object's distance from
 * the end of the buffer. Every field is written explicitly, even when it
 * equals the schema default.
 *
 * Reader: every offset, vtable, vector and string is bounds-checked before
 * use; loads go through memcpy, so odd alignment cannot fault. */
#ifndef STAGE_FLATBUF_H
#define STAGE_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage_error.h"

#define FB_MAX_FIELDS 16

typedef uint32_t fb_ref;

typedef struct fb_builder {
	uint8_t *buf;
	size_t cap, size; /* data occupies buf[cap - size, cap) */
	size_t minalign;
	bool failed;
	bool in_table;
	size_t table_start;
	fb_ref fields[FB_MAX_FIELDS];
	int nfields;
} fb_builder;

void stage__fb_init(fb_builder *b);
void stage__fb_release(fb_builder *b);
/* Empties the builder, keeping its memory. */
void stage__fb_reset(fb_builder *b);

fb_ref stage__fb_string(fb_builder *b, const char *s, size_t len);
/* A vector of inline structs of `size` bytes each, aligned to `align`. */
fb_ref stage__fb_struct_vector(fb_builder *b, const void *elems, size_t n, size_t size,
                               size_t align);
/* A vector of references to tables or strings. */
fb_ref stage__fb_ref_vector(fb_builder *b, const fb_ref *refs, size_t n);

void stage__fb_table_start(fb_builder *b);
void stage__fb_add_u8(fb_builder *b, int field, uint8_t v);
void stage__fb_add_i16(fb_builder *b, int field, int16_t v);
void stage__fb_add_i32(fb_builder *b, int field, int32_t v);
void stage__fb_add_i64(fb_builder *b, int field, int64_t v);
void stage__fb_add_ref(fb_builder *b, int field, fb_ref ref);
fb_ref stage__fb_table_end(fb_builder *b);

/* Writes the root offset. Returns the finished bytes (size a multiple of 8)
 * or NULL when building ran out of memory. */
const uint8_t *stage__fb_finish(fb_builder *b, fb_ref root, size_t *size);

/* A verified table inside a buffer. */
typedef struct fb_table {
	const uint8_t *buf;
	size_t len;
	size_t pos;      /* table start */
	size_t vt;       /* vtable start */
	uint16_t vtlen;  /* vtable bytes */
	uint16_t tlen;   /* table inline bytes */
} fb_table;

/* A verified vector: n elements starting at buf + pos. */
typedef struct fb_vector {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	uint32_t n;
} fb_vector;

/* Verifies the root table. Each reader call returns 0 or -1 with a message
 * in err (status BAD_INPUT) naming what was malformed (`what`). */
int stage__fb_root(const uint8_t *buf, size_t len, fb_table *t, stage_error *err);
/* Whether field is present in the table. */
bool stage__fb_has(const fb_table *t, int field);
int stage__fb_u8(const fb_table *t, int field, uint8_t dflt, uint8_t *out, stage_error *err);
int stage__fb_i16(const fb_table *t, int field, int16_t dflt, int16_t *out, stage_error *err);
int stage__fb_i32(const fb_table *t, int field, int32_t dflt, int32_t *out, stage_error *err);
int stage__fb_i64(const fb_table *t, int field, int64_t dflt, int64_t *out, stage_error *err);
/* Absent table: *present = false. */
int stage__fb_table(const fb_table *t, int field, fb_table *out, bool *present,
                    stage_error *err);
/* Absent string: *s = NULL, *n = 0. */
int stage__fb_string_field(const fb_table *t, int field, const char **s, uint32_t *n,
                           stage_error *err);
/* Absent vector: n = 0. elem_size is the inline size of one element. */
int stage__fb_vector(const fb_table *t, int field, size_t elem_size, fb_vector *out,
                     stage_error *err);
/* Element i of a vector of tables. */
int stage__fb_vector_table(const fb_vector *v, uint32_t i, fb_table *out, stage_error *err);
/* Element i of a vector of strings. */
int stage__fb_vector_string(const fb_vector *v, uint32_t i, const char **s, uint32_t *n,
                            stage_error *err);
/* Reads an int64 at byte offset `off` within element i of a struct vector. */
int64_t stage__fb_vector_i64(const fb_vector *v, uint32_t i, size_t elem_size, size_t off);

#endif
