/* FlatBuffers builder: back to front, children before parents, every field
 * written explicitly (see flatbuf.h). */
#include <stdlib.h>
#include <string.h>

#include "flatbuf.h"

void stage__fb_init(fb_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->minalign = 1;
}

void stage__fb_release(fb_builder *b)
{
	free(b->buf);
	stage__fb_init(b);
}

void stage__fb_reset(fb_builder *b)
{
	b->size = 0;
	b->minalign = 1;
	b->failed = false;
	b->in_table = false;
}

/* Makes room for n more bytes in front of the data. */
static bool room(fb_builder *b, size_t n)
{
	size_t ncap;
	uint8_t *nb;

	if (b->failed)
		return false;
	if (b->cap - b->size >= n)
		return true;
	ncap = b->cap ? b->cap : 1024;
	while (ncap - b->size < n)
		ncap *= 2;
	nb = malloc(ncap);
	if (!nb) {
		b->failed = true;
		return false;
	}
	if (b->size)
		memcpy(nb + ncap - b->size, b->buf + b->cap - b->size, b->size);
	free(b->buf);
	b->buf = nb;
	b->cap = ncap;
	return true;
}

static void push(fb_builder *b, const void *p, size_t n)
{
	if (n == 0 || !room(b, n))
		return;
	b->size += n;
	memcpy(b->buf + b->cap - b->size, p, n);
}

static void pad(fb_builder *b, size_t n)
{
	static const uint8_t zeros[8];

	while (n) {
		size_t k = n < 8 ? n : 8;

		push(b, zeros, k);
		n -= k;
	}
}

/* Pads so that after `extra` more bytes the data is aligned to `align`. */
static void prep(fb_builder *b, size_t align, size_t extra)
{
	if (align > b->minalign)
		b->minalign = align;
	pad(b, (size_t)(-(b->size + extra)) & (align - 1));
}

static void push_u32(fb_builder *b, uint32_t v)
{
	prep(b, 4, 0);
	push(b, &v, 4);
}

/* A uoffset at the next 4-aligned slot, pointing at ref. */
static void push_ref(fb_builder *b, fb_ref ref)
{
	prep(b, 4, 0);
	push_u32(b, (uint32_t)(b->size + 4 - ref));
}

fb_ref stage__fb_string(fb_builder *b, const char *s, size_t len)
{
	prep(b, 4, len + 1);
	pad(b, 1);
	push(b, s, len);
	push_u32(b, (uint32_t)len);
	return (fb_ref)b->size;
}

fb_ref stage__fb_struct_vector(fb_builder *b, const void *elems, size_t n, size_t size,
                               size_t align)
{
	prep(b, 4, n * size);
	prep(b, align, n * size);
	push(b, elems, n * size);
	push_u32(b, (uint32_t)n);
	return (fb_ref)b->size;
}

fb_ref stage__fb_ref_vector(fb_builder *b, const fb_ref *refs, size_t n)
{
	prep(b, 4, 4 * n);
	for (size_t i = n; i-- > 0;)
		push_ref(b, refs[i]);
	push_u32(b, (uint32_t)n);
	return (fb_ref)b->size;
}

void stage__fb_table_start(fb_builder *b)
{
	b->in_table = true;
	b->table_start = b->size;
	b->nfields = 0;
	memset(b->fields, 0, sizeof(b->fields));
}

static void mark(fb_builder *b, int field)
{
	b->fields[field] = (fb_ref)b->size;
	if (field + 1 > b->nfields)
		b->nfields = field + 1;
}

#define ADD_SCALAR(fn, type) \
	void fn(fb_builder *b, int field, type v) \
	{ \
		prep(b, sizeof(v), sizeof(v)); \
		push(b, &v, sizeof(v)); \
		mark(b, field); \
	}
ADD_SCALAR(stage__fb_add_u8, uint8_t)
ADD_SCALAR(stage__fb_add_i16, int16_t)
ADD_SCALAR(stage__fb_add_i32, int32_t)
ADD_SCALAR(stage__fb_add_i64, int64_t)

void stage__fb_add_ref(fb_builder *b, int field, fb_ref ref)
{
	push_ref(b, ref);
	mark(b, field);
}

fb_ref stage__fb_table_end(fb_builder *b)
{
	int32_t soffset = 0;
	size_t table, vtable;
	uint16_t entry;

	prep(b, 4, 4);
	push(b, &soffset, 4);
	table = b->size;
	for (int i = b->nfields; i-- > 0;) {
		entry = b->fields[i] ? (uint16_t)(table - b->fields[i]) : 0;
		push(b, &entry, 2);
	}
	entry = (uint16_t)(table - b->table_start);
	push(b, &entry, 2);
	entry = (uint16_t)(4 + 2 * b->nfields);
	push(b, &entry, 2);
	vtable = b->size;
	/* The table's first word: vtable position relative to the table, which
	 * lies after the vtable in memory, so positive. */
	soffset = (int32_t)(vtable - table);
	if (!b->failed)
		memcpy(b->buf + b->cap - table, &soffset, 4);
	b->in_table = false;
	return (fb_ref)table;
}

const uint8_t *stage__fb_finish(fb_builder *b, fb_ref root, size_t *size)
{
	size_t align = b->minalign < 8 ? 8 : b->minalign;

	prep(b, align, 4);
	push_u32(b, (uint32_t)(b->size + 4 - root));
	if (b->failed)
		return NULL;
	*size = b->size;
	return b->buf + b->cap - b->size;
}
