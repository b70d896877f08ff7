/* FlatBuffers verifying reader: nothing read from input is trusted until
 * its offset and extent are checked against the buffer (see flatbuf.h). */
#include <string.h>

#include "flatbuf.h"

static int bad(stage_error *err, const char *what)
{
	return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "malformed message metadata: %s", what);
}

static uint32_t load_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t load_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* Follows the uoffset stored at pos. */
static int follow(const uint8_t *buf, size_t len, size_t pos, size_t *target, stage_error *err)
{
	uint32_t off;

	if (pos > len || len - pos < 4)
		return bad(err, "offset outside the buffer");
	off = load_u32(buf + pos);
	if (off > len - pos || off == 0)
		return bad(err, "offset points outside the buffer");
	*target = pos + off;
	return 0;
}

static int table_at(const uint8_t *buf, size_t len, size_t pos, fb_table *t, stage_error *err)
{
	int32_t soff;
	int64_t vt;

	if (pos > len || len - pos < 4 || (pos & 3))
		return bad(err, "table outside the buffer");
	memcpy(&soff, buf + pos, 4);
	vt = (int64_t)pos - soff;
	if (vt < 0 || (vt & 1) || (uint64_t)vt > len - 4)
		return bad(err, "vtable outside the buffer");
	t->buf = buf;
	t->len = len;
	t->pos = pos;
	t->vt = (size_t)vt;
	t->vtlen = load_u16(buf + vt);
	t->tlen = load_u16(buf + vt + 2);
	if (t->vtlen < 4 || (t->vtlen & 1) || t->vtlen > len - t->vt)
		return bad(err, "vtable size");
	if (t->tlen < 4 || t->tlen > len - pos)
		return bad(err, "table size");
	return 0;
}

int stage__fb_root(const uint8_t *buf, size_t len, fb_table *t, stage_error *err)
{
	size_t pos = 0;

	if (follow(buf, len, 0, &pos, err) < 0)
		return -1;
	return table_at(buf, len, pos, t, err);
}

/* Offset of field inside the table, 0 when absent; checks the field's
 * bytes lie inside the table. */
static int field_offset(const fb_table *t, int field, size_t size, size_t *off,
                        stage_error *err)
{
	size_t slot = 4 + 2 * (size_t)field;
	uint16_t o;

	*off = 0;
	if (slot + 2 > t->vtlen)
		return 0;
	o = load_u16(t->buf + t->vt + slot);
	if (o == 0)
		return 0;
	if (o < 4 || (size_t)o + size > t->tlen)
		return bad(err, "field outside its table");
	*off = o;
	return 0;
}

bool stage__fb_has(const fb_table *t, int field)
{
	size_t slot = 4 + 2 * (size_t)field;

	return slot + 2 <= t->vtlen && load_u16(t->buf + t->vt + slot) != 0;
}

#define GET_SCALAR(fn, type) \
	int fn(const fb_table *t, int field, type dflt, type *out, stage_error *err) \
	{ \
		size_t off; \
		if (field_offset(t, field, sizeof(type), &off, err) < 0) \
			return -1; \
		if (off) \
			memcpy(out, t->buf + t->pos + off, sizeof(type)); \
		else \
			*out = dflt; \
		return 0; \
	}
GET_SCALAR(stage__fb_u8, uint8_t)
GET_SCALAR(stage__fb_i16, int16_t)
GET_SCALAR(stage__fb_i32, int32_t)
GET_SCALAR(stage__fb_i64, int64_t)

/* Position a reference field points at; 0 when the field is absent. */
static int ref_field(const fb_table *t, int field, size_t *target, stage_error *err)
{
	size_t off;

	*target = 0;
	if (field_offset(t, field, 4, &off, err) < 0)
		return -1;
	if (!off)
		return 0;
	return follow(t->buf, t->len, t->pos + off, target, err);
}

int stage__fb_table(const fb_table *t, int field, fb_table *out, bool *present,
                    stage_error *err)
{
	size_t pos = 0;

	*present = false;
	if (ref_field(t, field, &pos, err) < 0)
		return -1;
	if (!pos)
		return 0;
	*present = true;
	return table_at(t->buf, t->len, pos, out, err);
}

static int string_at(const uint8_t *buf, size_t len, size_t pos, const char **s, uint32_t *n,
                     stage_error *err)
{
	uint32_t slen;

	if (pos > len || len - pos < 4 || (pos & 3))
		return bad(err, "string outside the buffer");
	slen = load_u32(buf + pos);
	if (slen > len - pos - 4 || len - pos - 4 - slen < 1)
		return bad(err, "string runs past the buffer");
	if (buf[pos + 4 + slen] != 0)
		return bad(err, "string without terminator");
	*s = (const char *)buf + pos + 4;
	*n = slen;
	return 0;
}

int stage__fb_string_field(const fb_table *t, int field, const char **s, uint32_t *n,
                           stage_error *err)
{
	size_t pos = 0;

	*s = NULL;
	*n = 0;
	if (ref_field(t, field, &pos, err) < 0)
		return -1;
	if (!pos)
		return 0;
	return string_at(t->buf, t->len, pos, s, n, err);
}

int stage__fb_vector(const fb_table *t, int field, size_t elem_size, fb_vector *out,
                     stage_error *err)
{
	size_t pos = 0;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	out->buf = t->buf;
	out->len = t->len;
	if (ref_field(t, field, &pos, err) < 0)
		return -1;
	if (!pos)
		return 0;
	if (pos > t->len || t->len - pos < 4 || (pos & 3))
		return bad(err, "vector outside the buffer");
	n = load_u32(t->buf + pos);
	if (n > (t->len - pos - 4) / elem_size)
		return bad(err, "vector runs past the buffer");
	out->pos = pos + 4;
	out->n = n;
	return 0;
}

int stage__fb_vector_table(const fb_vector *v, uint32_t i, fb_table *out, stage_error *err)
{
	size_t pos = 0;

	if (follow(v->buf, v->len, v->pos + 4 * (size_t)i, &pos, err) < 0)
		return -1;
	return table_at(v->buf, v->len, pos, out, err);
}

int stage__fb_vector_string(const fb_vector *v, uint32_t i, const char **s, uint32_t *n,
                            stage_error *err)
{
	size_t pos = 0;

	if (follow(v->buf, v->len, v->pos + 4 * (size_t)i, &pos, err) < 0)
		return -1;
	return string_at(v->buf, v->len, pos, s, n, err);
}

int64_t stage__fb_vector_i64(const fb_vector *v, uint32_t i, size_t elem_size, size_t off)
{
	int64_t x;

	memcpy(&x, v->buf + v->pos + (size_t)i * elem_size + off, 8);
	return x;
}
