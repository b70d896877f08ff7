/* Arrow IPC stream writer: Schema message, RecordBatch messages whose
 * bodies go out by writev straight from the batch's buffers, and the
 * end-of-stream marker. */
#include <stdlib.h>

#include "flatbuf.h"
#include "ipc_format.h"
#include "stage_internal.h"

struct stage_ipc_writer {
	stage_sink *sink;
	stage_schema *schema;
	fb_builder fb;
	struct iovec *iov;
	size_t iov_cap;
	bool finished;
};

static const uint8_t zero_pad[8];
static const int32_t empty_offsets[1];

static fb_ref metadata_vector(fb_builder *fb, const stage_metadata *m)
{
	fb_ref refs[m->n ? m->n : 1];

	for (size_t i = 0; i < m->n; i++) {
		fb_ref k = stage__fb_string(fb, m->kv[i].key, strlen(m->kv[i].key));
		fb_ref v = stage__fb_string(fb, m->kv[i].value, strlen(m->kv[i].value));

		stage__fb_table_start(fb);
		stage__fb_add_ref(fb, KV_KEY, k);
		stage__fb_add_ref(fb, KV_VALUE, v);
		refs[i] = stage__fb_table_end(fb);
	}
	return stage__fb_ref_vector(fb, refs, m->n);
}

static uint8_t type_table(fb_builder *fb, stage_type t, fb_ref *ref)
{
	fb_ref tz;

	switch (t) {
	case STAGE_INT64:
		stage__fb_table_start(fb);
		stage__fb_add_i32(fb, INT_BIT_WIDTH, 64);
		stage__fb_add_u8(fb, INT_IS_SIGNED, 1);
		*ref = stage__fb_table_end(fb);
		return TYPE_INT;
	case STAGE_FLOAT64:
	case STAGE_FLOAT32:
		stage__fb_table_start(fb);
		stage__fb_add_i16(fb, FP_PRECISION,
		                  t == STAGE_FLOAT64 ? PRECISION_DOUBLE : PRECISION_SINGLE);
		*ref = stage__fb_table_end(fb);
		return TYPE_FLOATING_POINT;
	case STAGE_TIMESTAMP:
		tz = stage__fb_string(fb, "UTC", 3);
		stage__fb_table_start(fb);
		stage__fb_add_i16(fb, TS_UNIT, UNIT_NANOSECOND);
		stage__fb_add_ref(fb, TS_TIMEZONE, tz);
		*ref = stage__fb_table_end(fb);
		return TYPE_TIMESTAMP;
	case STAGE_BOOL:
	case STAGE_UTF8:
	case STAGE_BINARY:
		stage__fb_table_start(fb);
		*ref = stage__fb_table_end(fb);
		return t == STAGE_BOOL ? TYPE_BOOL : t == STAGE_UTF8 ? TYPE_UTF8 : TYPE_BINARY;
	}
	return 0;
}

static fb_ref schema_table(fb_builder *fb, const stage_schema *s)
{
	fb_ref fields[s->ncols ? s->ncols : 1], fv, meta, features;

	for (size_t i = 0; i < s->ncols; i++) {
		const stage_field *f = &s->fields[i];
		fb_ref name = stage__fb_string(fb, f->name, strlen(f->name));
		fb_ref children = stage__fb_ref_vector(fb, NULL, 0);
		fb_ref type = 0;
		uint8_t type_type = type_table(fb, f->type, &type);

		stage__fb_table_start(fb);
		stage__fb_add_ref(fb, FIELD_NAME, name);
		stage__fb_add_u8(fb, FIELD_NULLABLE, f->nullable);
		stage__fb_add_u8(fb, FIELD_TYPE_TYPE, type_type);
		stage__fb_add_ref(fb, FIELD_TYPE, type);
		stage__fb_add_ref(fb, FIELD_CHILDREN, children);
		fields[i] = stage__fb_table_end(fb);
	}
	fv = stage__fb_ref_vector(fb, fields, s->ncols);
	meta = metadata_vector(fb, &s->metadata);
	features = stage__fb_struct_vector(fb, NULL, 0, 8, 8);
	stage__fb_table_start(fb);
	stage__fb_add_i16(fb, SCHEMA_ENDIANNESS, 0);
	stage__fb_add_ref(fb, SCHEMA_FIELDS, fv);
	stage__fb_add_ref(fb, SCHEMA_CUSTOM_METADATA, meta);
	stage__fb_add_ref(fb, SCHEMA_FEATURES, features);
	return stage__fb_table_end(fb);
}

static fb_ref message_table(fb_builder *fb, uint8_t header_type, fb_ref header,
                            int64_t body_len, const stage_metadata *m)
{
	fb_ref meta = m->n ? metadata_vector(fb, m) : 0;

	stage__fb_table_start(fb);
	stage__fb_add_i16(fb, MSG_VERSION, IPC_V5);
	stage__fb_add_u8(fb, MSG_HEADER_TYPE, header_type);
	stage__fb_add_ref(fb, MSG_HEADER, header);
	stage__fb_add_i64(fb, MSG_BODY_LENGTH, body_len);
	if (meta)
		stage__fb_add_ref(fb, MSG_CUSTOM_METADATA, meta);
	return stage__fb_table_end(fb);
}

/* Continuation marker, metadata length, flatbuffer: the flatbuffer's size is
 * a multiple of 8, so the body that follows starts 8-aligned. The body's
 * memory belongs to `keep` (NULL: no body), which the sink holds on to while
 * the write goes on in the background. */
static int write_message(stage_ipc_writer *w, fb_ref msg, struct iovec *body, int nbody,
                         const stage_batch *keep, stage_error *err)
{
	uint32_t prefix[2] = {IPC_CONTINUATION, 0};
	const uint8_t *meta;
	size_t size;

	meta = stage__fb_finish(&w->fb, msg, &size);
	if (!meta)
		return stage_error_oom(err, "message metadata");
	prefix[1] = (uint32_t)size;
	body[0] = (struct iovec){.iov_base = prefix, .iov_len = sizeof(prefix)};
	body[1] = (struct iovec){.iov_base = (void *)meta, .iov_len = size};
	if (!keep)
		return stage_sink_writev(w->sink, body, nbody + 2, err);
	/* A reference count is not part of the batch's value. */
	return stage_sink_writev_keep(w->sink, body, nbody + 2, 2, (stage_batch *)keep, err);
}

int stage_ipc_writer_open(stage_ipc_writer **out, stage_sink *sink, const stage_schema *s,
                          stage_error *err)
{
	stage_ipc_writer *w = calloc(1, sizeof(*w));
	struct iovec iov[2];
	stage_metadata none = {0};

	if (!w)
		return stage_error_oom(err, "writer");
	w->sink = sink;
	stage__fb_init(&w->fb);
	w->schema = stage_schema_copy(s, err);
	if (!w->schema)
		goto fail;
	if (write_message(w, message_table(&w->fb, IPC_HEADER_SCHEMA, schema_table(&w->fb, s), 0,
	                                   &none),
	                  iov, 0, NULL, err) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	stage_ipc_writer_free(w);
	return -1;
}

/* One body buffer: its descriptor, its bytes and the padding to 8. */
struct body_layout {
	int64_t *desc;   /* offset, length pairs */
	struct iovec *iov;
	int nbuf, niov;
	int64_t len;
};

static void add_buffer(struct body_layout *L, const void *p, int64_t n)
{
	int64_t padded = (n + 7) & ~(int64_t)7;

	L->desc[2 * L->nbuf] = L->len;
	L->desc[2 * L->nbuf + 1] = n;
	L->nbuf++;
	if (n > 0)
		L->iov[L->niov++] = (struct iovec){.iov_base = (void *)p, .iov_len = (size_t)n};
	if (padded > n)
		L->iov[L->niov++] = (struct iovec){.iov_base = (void *)zero_pad,
		                                   .iov_len = (size_t)(padded - n)};
	L->len += padded;
}

static int check_batch(const stage_ipc_writer *w, const stage_batch *b, stage_error *err)
{
	if (b->ncols != w->schema->ncols)
		return stage_error_set(err, STAGE_EXIT_FAILURE,
		                       "batch has %zu columns, schema has %zu", b->ncols,
		                       w->schema->ncols);
	for (size_t i = 0; i < b->ncols; i++)
		if (b->cols[i].type != w->schema->fields[i].type || b->cols[i].length != b->nrows)
			return stage_error_set(err, STAGE_EXIT_FAILURE,
			                       "column '%s' does not match the schema",
			                       w->schema->fields[i].name);
	return 0;
}

int stage_ipc_writer_write(stage_ipc_writer *w, const stage_batch *b, stage_error *err)
{
	size_t nbuf = 0, need;
	int64_t *nodes;
	struct body_layout L = {0};
	fb_ref nv, bv, rb;
	int rc = -1;

	if (check_batch(w, b, err) < 0)
		return -1;
	for (size_t i = 0; i < b->ncols; i++)
		nbuf += stage_type_is_varwidth(b->cols[i].type) ? 3 : 2;
	/* two iovecs per buffer plus two for the message prefix */
	need = 2 * nbuf + 2;
	if (need > w->iov_cap) {
		struct iovec *v = realloc(w->iov, need * sizeof(*v));

		if (!v)
			return stage_error_oom(err, "writer");
		w->iov = v;
		w->iov_cap = need;
	}
	nodes = malloc((2 * b->ncols + 2 * nbuf + 2) * sizeof(int64_t));
	if (!nodes)
		return stage_error_oom(err, "writer");
	L.desc = nodes + 2 * b->ncols;
	L.iov = w->iov + 2;
	for (size_t i = 0; i < b->ncols; i++) {
		const stage_array *a = &b->cols[i];
		int64_t n = a->length, bitmap = (n + 7) / 8;

		nodes[2 * i] = n;
		nodes[2 * i + 1] = a->null_count;
		add_buffer(&L, a->validity, a->null_count ? bitmap : 0);
		switch (a->type) {
		case STAGE_BOOL:
			add_buffer(&L, a->values, bitmap);
			break;
		case STAGE_UTF8:
		case STAGE_BINARY:
			add_buffer(&L, a->offsets ? (const void *)a->offsets : empty_offsets,
			           (n + 1) * 4);
			add_buffer(&L, a->values, n ? a->offsets[n] : 0);
			break;
		default:
			add_buffer(&L, a->values, n * (int64_t)stage_type_width(a->type));
		}
	}
	stage__fb_reset(&w->fb);
	nv = stage__fb_struct_vector(&w->fb, nodes, b->ncols, IPC_STRUCT_SIZE, 8);
	bv = stage__fb_struct_vector(&w->fb, L.desc, (size_t)L.nbuf, IPC_STRUCT_SIZE, 8);
	stage__fb_table_start(&w->fb);
	stage__fb_add_i64(&w->fb, RB_LENGTH, b->nrows);
	stage__fb_add_ref(&w->fb, RB_NODES, nv);
	stage__fb_add_ref(&w->fb, RB_BUFFERS, bv);
	rb = stage__fb_table_end(&w->fb);
	rc = write_message(w, message_table(&w->fb, IPC_HEADER_RECORD_BATCH, rb, L.len,
	                                    &b->metadata),
	                   w->iov, L.niov, b, err);
	free(nodes);
	return rc;
}

int stage_ipc_writer_finish(stage_ipc_writer *w, stage_error *err)
{
	static const uint32_t eos[2] = {IPC_CONTINUATION, 0};

	if (w->finished)
		return 0;
	w->finished = true;
	if (stage_sink_write(w->sink, eos, sizeof(eos), err) < 0)
		return -1;
	return stage_sink_flush(w->sink, err);
}

int stage_ipc_writer_fail(stage_ipc_writer *w, const char *stage, const char *message,
                          stage_error *err)
{
	stage_batch *b = stage_batch_new(w->schema->ncols, err);
	int rc = -1;

	if (!b)
		return -1;
	for (size_t i = 0; i < b->ncols; i++) {
		b->cols[i].type = w->schema->fields[i].type;
		b->cols[i].values = zero_pad;
		b->cols[i].offsets = empty_offsets;
	}
	if (stage_metadata_set(&b->metadata, STAGE_META_ERROR, message, err) == 0 &&
	    stage_metadata_set(&b->metadata, STAGE_META_STAGE, stage, err) == 0 &&
	    stage_ipc_writer_write(w, b, err) == 0)
		rc = stage_ipc_writer_finish(w, err);
	stage_batch_free(b);
	return rc;
}

void stage_ipc_writer_free(stage_ipc_writer *w)
{
	if (!w)
		return;
	stage__fb_release(&w->fb);
	stage_schema_free(w->schema);
	free(w->iov);
	free(w);
}
