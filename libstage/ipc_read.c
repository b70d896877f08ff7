/* Arrow IPC stream reader. Every flatbuffer field is verified (flatbuf.h),
 * then every Arrow rule a consumer relies on: Schema first, little-endian,
 * node and buffer counts matching the schema, null counts, 8-aligned
 * buffers inside the body, offsets non-decreasing and inside their data,
 * valid UTF-8 in utf8 columns. Malformed input is an error, never a crash. */
#include <stdio.h>
#include <stdlib.h>

#include "flatbuf.h"
#include "ipc_format.h"
#include "stage_internal.h"

/* Bodies larger than this are read in growing steps, so a hostile length
 * costs memory only as real bytes arrive. */
#define BODY_STEP ((size_t)64 << 20)

enum msg_kind { MSG_END_OF_INPUT, MSG_EOS, MSG_SCHEMA, MSG_BATCH };

struct batch_header {
	int64_t length;
	uint32_t nnodes, nbuffers;
	int64_t *nodes;   /* length, null_count pairs */
	int64_t *buffers; /* offset, length pairs */
	int64_t body_len;
	stage_metadata metadata;
};

struct stage_ipc_reader {
	stage_source *src;
	stage_schema *schema;
	bool *large; /* per column: large utf8/binary on the wire (int64 offsets) */
	bool allow_truncated;
	bool done;
	struct batch_header hdr;
};

static int bad(stage_error *err, const char *fmt, const char *detail)
{
	stage_error_set(err, STAGE_EXIT_BAD_INPUT, fmt, detail);
	return -1;
}

static char *copy_string(const char *s, uint32_t n)
{
	char *c = malloc((size_t)n + 1);

	if (c) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

static int parse_metadata(const fb_table *t, int field, stage_metadata *m, stage_error *err)
{
	fb_vector v;

	if (stage__fb_vector(t, field, 4, &v, err) < 0)
		return -1;
	for (uint32_t i = 0; i < v.n; i++) {
		fb_table kv;
		const char *k, *val;
		uint32_t kn, vn;
		char *key, *value;
		int rc;

		if (stage__fb_vector_table(&v, i, &kv, err) < 0 ||
		    stage__fb_string_field(&kv, KV_KEY, &k, &kn, err) < 0 ||
		    stage__fb_string_field(&kv, KV_VALUE, &val, &vn, err) < 0)
			return -1;
		if (!k)
			continue;
		key = copy_string(k, kn);
		value = copy_string(val ? val : "", vn);
		rc = key && value ? stage_metadata_set(m, key, value, err)
		                  : stage_error_oom(err, "metadata");
		free(key);
		free(value);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static const char *type_union_name(uint8_t t)
{
	static const char *const names[] = {
		"none", "null", "int", "floating point", "binary", "utf8", "bool", "decimal",
		"date", "time", "timestamp", "interval", "list", "struct", "union",
		"fixed-size binary", "fixed-size list", "map", "duration", "large binary",
		"large utf8", "large list", "run-end encoded", "binary view", "utf8 view",
		"list view", "large list view",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* Maps an Arrow type to ours, or explains in `why` which type it was. */
static int map_type(uint8_t type_type, const fb_table *type, bool has_type, stage_type *out,
                    bool *large, char *why, size_t whylen, stage_error *err)
{
	int32_t width = 0;
	uint8_t is_signed = 0;
	int16_t precision = 0, unit = 0;
	const char *tz;
	uint32_t tzn;

	snprintf(why, whylen, "%s", type_union_name(type_type));
	switch (type_type) {
	case TYPE_INT:
		if (!has_type)
			return 1;
		if (stage__fb_i32(type, INT_BIT_WIDTH, 0, &width, err) < 0 ||
		    stage__fb_u8(type, INT_IS_SIGNED, 0, &is_signed, err) < 0)
			return -1;
		snprintf(why, whylen, "%sint%d", is_signed ? "" : "u", (int)width);
		if (width != 64 || !is_signed)
			return 1;
		*out = STAGE_INT64;
		return 0;
	case TYPE_FLOATING_POINT:
		if (!has_type)
			return 1;
		if (stage__fb_i16(type, FP_PRECISION, 0, &precision, err) < 0)
			return -1;
		snprintf(why, whylen, "%s", precision == PRECISION_HALF ? "float16" : "floating point");
		if (precision != PRECISION_SINGLE && precision != PRECISION_DOUBLE)
			return 1;
		*out = precision == PRECISION_DOUBLE ? STAGE_FLOAT64 : STAGE_FLOAT32;
		return 0;
	case TYPE_TIMESTAMP: {
		static const char *const units[] = {"s", "ms", "us", "ns"};

		if (!has_type)
			return 1;
		if (stage__fb_i16(type, TS_UNIT, 0, &unit, err) < 0 ||
		    stage__fb_string_field(type, TS_TIMEZONE, &tz, &tzn, err) < 0)
			return -1;
		snprintf(why, whylen, "timestamp[%s%s%.*s]",
		         unit >= 0 && unit <= 3 ? units[unit] : "?", tz ? ", " : "",
		         (int)(tzn > 64 ? 64 : tzn), tz ? tz : "");
		if (unit != UNIT_NANOSECOND || !tz ||
		    (strcmp(tz, "UTC") != 0 && strcmp(tz, "Etc/UTC") != 0 && strcmp(tz, "+00:00") != 0))
			return 1;
		*out = STAGE_TIMESTAMP;
		return 0;
	}
	case TYPE_BOOL:
		*out = STAGE_BOOL;
		return 0;
	case TYPE_UTF8:
		*out = STAGE_UTF8;
		return 0;
	case TYPE_BINARY:
		*out = STAGE_BINARY;
		return 0;
	/* Polars writes these; they read into utf8/binary while a batch's
	 * column holds under 2 GiB. */
	case TYPE_LARGE_UTF8:
	case TYPE_LARGE_BINARY:
		*out = type_type == TYPE_LARGE_UTF8 ? STAGE_UTF8 : STAGE_BINARY;
		*large = true;
		return 0;
	default:
		return 1;
	}
}

static int parse_field(const fb_table *ft, stage_schema *s, bool *large, stage_error *err)
{
	const char *name;
	uint32_t namelen;
	uint8_t type_type, nullable;
	fb_table type, dict;
	bool has_type, has_dict;
	fb_vector children;
	stage_type st = STAGE_UTF8;
	char why[128], *cname;
	int rc;

	if (stage__fb_string_field(ft, FIELD_NAME, &name, &namelen, err) < 0 ||
	    stage__fb_u8(ft, FIELD_NULLABLE, 0, &nullable, err) < 0 ||
	    stage__fb_u8(ft, FIELD_TYPE_TYPE, 0, &type_type, err) < 0 ||
	    stage__fb_table(ft, FIELD_TYPE, &type, &has_type, err) < 0 ||
	    stage__fb_table(ft, FIELD_DICTIONARY, &dict, &has_dict, err) < 0 ||
	    stage__fb_vector(ft, FIELD_CHILDREN, 4, &children, err) < 0)
		return -1;
	if (name && memchr(name, '\0', namelen))
		return bad(err, "column name contains a NUL byte%s", "");
	cname = copy_string(name ? name : "", namelen);
	if (!cname)
		return stage_error_oom(err, "schema");
	*large = false;
	rc = map_type(type_type, &type, has_type, &st, large, why, sizeof(why), err);
	if (rc == 0 && has_dict)
		rc = stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                     "column '%s': dictionary-encoded fields are not supported", cname);
	else if (rc == 0 && children.n)
		rc = stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                     "column '%s': %s column with child fields", cname,
		                     stage_type_name(st));
	else if (rc > 0)
		rc = stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                     "column '%s': unsupported type %s (supported: int64, float64, "
		                     "float32, bool, utf8, binary, timestamp[ns, UTC])", cname, why);
	if (rc == 0 && stage_schema_add(s, cname, st, err) == 0)
		s->fields[s->ncols - 1].nullable = nullable;
	else
		rc = -1;
	free(cname);
	return rc;
}

static int parse_schema(const fb_table *hdr, stage_schema **out, bool **large,
                        stage_error *err)
{
	stage_schema *s = stage_schema_new();
	int16_t endianness;
	fb_vector fields;
	bool *lg = NULL;

	if (!s)
		return stage_error_oom(err, "schema");
	if (stage__fb_i16(hdr, SCHEMA_ENDIANNESS, 0, &endianness, err) < 0 ||
	    stage__fb_vector(hdr, SCHEMA_FIELDS, 4, &fields, err) < 0)
		goto fail;
	if (endianness != 0) {
		bad(err, "big-endian streams are not supported%s", "");
		goto fail;
	}
	lg = calloc((size_t)fields.n + 1, sizeof(*lg));
	if (!lg) {
		stage_error_oom(err, "schema");
		goto fail;
	}
	for (uint32_t i = 0; i < fields.n; i++) {
		fb_table ft;

		if (stage__fb_vector_table(&fields, i, &ft, err) < 0 ||
		    parse_field(&ft, s, &lg[i], err) < 0)
			goto fail;
	}
	if (parse_metadata(hdr, SCHEMA_CUSTOM_METADATA, &s->metadata, err) < 0)
		goto fail;
	*out = s;
	free(*large);
	*large = lg;
	return 0;
fail:
	free(lg);
	stage_schema_free(s);
	return -1;
}

static int copy_structs(const fb_table *t, int field, uint32_t *n, int64_t **out,
                        stage_error *err)
{
	fb_vector v;
	int64_t *p;

	if (stage__fb_vector(t, field, IPC_STRUCT_SIZE, &v, err) < 0)
		return -1;
	p = realloc(*out, ((size_t)v.n + 1) * 2 * sizeof(int64_t));
	if (!p)
		return stage_error_oom(err, "batch header");
	*out = p;
	for (uint32_t i = 0; i < v.n; i++) {
		p[2 * i] = stage__fb_vector_i64(&v, i, IPC_STRUCT_SIZE, 0);
		p[2 * i + 1] = stage__fb_vector_i64(&v, i, IPC_STRUCT_SIZE, 8);
	}
	*n = v.n;
	return 0;
}

static int parse_batch_header(const fb_table *hdr, struct batch_header *h, stage_error *err)
{
	fb_table comp;
	bool has_comp;

	if (stage__fb_i64(hdr, RB_LENGTH, 0, &h->length, err) < 0 ||
	    copy_structs(hdr, RB_NODES, &h->nnodes, &h->nodes, err) < 0 ||
	    copy_structs(hdr, RB_BUFFERS, &h->nbuffers, &h->buffers, err) < 0 ||
	    stage__fb_table(hdr, RB_COMPRESSION, &comp, &has_comp, err) < 0)
		return -1;
	if (has_comp)
		return bad(err, "compressed record batches are not supported%s",
		           " (write the stream uncompressed)");
	return 0;
}

/* The input ended inside a message or before the end-of-stream marker. */
static int truncated(stage_ipc_reader *r, stage_error *err)
{
	r->done = true;
	if (r->allow_truncated)
		return MSG_END_OF_INPUT;
	return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
	                       "upstream ended without end-of-stream marker (at byte %llu)",
	                       (unsigned long long)stage_source_offset(r->src));
}

/* Reads one message's framing and metadata. A Schema goes to *schema; a
 * RecordBatch header to r->hdr (its body is still unread). */
static int read_message(stage_ipc_reader *r, stage_schema **schema, stage_error *err)
{
	const uint8_t *p;
	size_t avail;
	uint32_t cont;
	int32_t len;
	ssize_t got;
	fb_table msg, hdr;
	int16_t version;
	uint8_t header_type;
	bool has_hdr;
	int kind = -1;

	got = stage_source_peek(r->src, 8, err);
	if (got < 0)
		return -1;
	if (got == 0)
		return MSG_END_OF_INPUT;
	p = stage_source_data(r->src, &avail);
	if (avail < 4)
		return truncated(r, err);
	memcpy(&cont, p, 4);
	if (cont == 0) { /* pre-1.0 end-of-stream marker */
		stage_source_consume(r->src, 4);
		return MSG_EOS;
	}
	if (cont != IPC_CONTINUATION)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "not an Arrow IPC stream: no message marker at byte %llu",
		                       (unsigned long long)stage_source_offset(r->src));
	if (avail < 8)
		return truncated(r, err);
	memcpy(&len, p + 4, 4);
	if (len == 0) {
		stage_source_consume(r->src, 8);
		return MSG_EOS;
	}
	if (len < 0 || (uint32_t)len > STAGE_IPC_MAX_METADATA)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "message metadata of %d bytes at byte %llu (limit %u)", len,
		                       (unsigned long long)stage_source_offset(r->src),
		                       STAGE_IPC_MAX_METADATA);
	got = stage_source_peek(r->src, 8 + (size_t)len, err);
	if (got < 0)
		return -1;
	if ((size_t)got < 8 + (size_t)len)
		return truncated(r, err);
	p = stage_source_data(r->src, &avail) + 8;

	stage_metadata_clear(&r->hdr.metadata);
	if (stage__fb_root(p, (size_t)len, &msg, err) < 0 ||
	    stage__fb_i16(&msg, MSG_VERSION, 0, &version, err) < 0 ||
	    stage__fb_u8(&msg, MSG_HEADER_TYPE, 0, &header_type, err) < 0 ||
	    stage__fb_table(&msg, MSG_HEADER, &hdr, &has_hdr, err) < 0 ||
	    stage__fb_i64(&msg, MSG_BODY_LENGTH, 0, &r->hdr.body_len, err) < 0 ||
	    parse_metadata(&msg, MSG_CUSTOM_METADATA, &r->hdr.metadata, err) < 0)
		goto fail;
	if (version < IPC_V4) {
		stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                "metadata version %d is too old (V4 or V5 needed)", version + 1);
		goto fail;
	}
	if (r->hdr.body_len < 0 || r->hdr.body_len > STAGE_IPC_MAX_BODY) {
		stage_error_set(err, STAGE_EXIT_BAD_INPUT, "message body of %lld bytes (limit %lld)",
		                (long long)r->hdr.body_len, (long long)STAGE_IPC_MAX_BODY);
		goto fail;
	}
	if (header_type == IPC_HEADER_DICTIONARY) {
		bad(err, "dictionary batches are not supported%s", "");
		goto fail;
	}
	if ((header_type != IPC_HEADER_SCHEMA && header_type != IPC_HEADER_RECORD_BATCH) ||
	    !has_hdr) {
		stage_error_set(err, STAGE_EXIT_BAD_INPUT, "unsupported message type %d", header_type);
		goto fail;
	}
	if (header_type == IPC_HEADER_SCHEMA) {
		if (r->hdr.body_len != 0) {
			bad(err, "schema message with a body%s", "");
			goto fail;
		}
		if (parse_schema(&hdr, schema, &r->large, err) < 0)
			goto fail;
		kind = MSG_SCHEMA;
	} else {
		if (parse_batch_header(&hdr, &r->hdr, err) < 0)
			goto fail;
		kind = MSG_BATCH;
	}
	stage_source_consume(r->src, 8 + (size_t)len);
	return kind;
fail:
	stage_error_prefix(err, "message at byte %llu",
	                   (unsigned long long)stage_source_offset(r->src));
	return -1;
}

int stage_ipc_reader_open(stage_ipc_reader **out, stage_source *src, stage_error *err)
{
	stage_ipc_reader *r = calloc(1, sizeof(*r));
	int kind;

	if (!r)
		return stage_error_oom(err, "reader");
	r->src = src;
	/* Message headers are small; bodies are read straight into place. */
	stage_source_set_read_size(src, 64 << 10);
	kind = read_message(r, &r->schema, err);
	if (kind == MSG_SCHEMA) {
		*out = r;
		return 0;
	}
	if (kind >= 0 && kind != MSG_SCHEMA) {
		if (kind == MSG_BATCH)
			stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                "stream does not start with a schema message");
		else
			stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                "upstream ended without end-of-stream marker (no schema)");
	}
	stage_ipc_reader_free(r);
	return -1;
}

const stage_schema *stage_ipc_reader_schema(const stage_ipc_reader *r)
{
	return r->schema;
}

void stage_ipc_reader_allow_truncated(stage_ipc_reader *r, bool allow)
{
	r->allow_truncated = allow;
}

static int read_body(stage_ipc_reader *r, uint8_t **out, stage_error *err)
{
	size_t len = (size_t)r->hdr.body_len, got = 0;
	size_t cap = len < BODY_STEP ? len : BODY_STEP;
	uint8_t *body = malloc(cap ? cap : 8);

	if (!body)
		return stage_error_oom(err, "record batch body");
	while (got < len) {
		ssize_t n;

		if (got == cap) {
			uint8_t *nb;

			cap = cap > len / 2 ? len : cap * 2;
			nb = realloc(body, cap);
			if (!nb) {
				free(body);
				return stage_error_oom(err, "record batch body");
			}
			body = nb;
		}
		n = stage_source_read(r->src, body + got, cap - got, err);
		if (n >= 0 && (size_t)n < cap - got)
			truncated(r, err);
		if (n < 0 || (size_t)n < cap - got) {
			free(body);
			return -1;
		}
		got += (size_t)n;
	}
	*out = body;
	return 0;
}

struct buf_view {
	const uint8_t *p;
	int64_t len;
};

static int column_error(stage_error *err, const char *col, const char *what)
{
	return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "column '%s': %s", col, what);
}

/* Large utf8/binary: int64 offsets become our int32 ones, rebased to 0. */
static int narrow_offsets(stage_array *a, const stage_field *f, struct buf_view *bufs,
                          stage_batch *b, stage_error *err)
{
	int64_t n = a->length, base, *wide = (int64_t *)bufs[1].p;
	int32_t *off;

	if (n == 0 && bufs[1].len < 8) {
		wide = &n; /* any zero */
	} else if (bufs[1].len / 8 < n + 1) {
		return column_error(err, f->name, "offsets buffer too short");
	}
	base = wide[0];
	if (base < 0 || base > bufs[2].len)
		return column_error(err, f->name, "offsets point past the data buffer");
	for (int64_t i = 0; i < n; i++)
		if (wide[i + 1] < wide[i])
			return column_error(err, f->name, "offsets decrease");
	if (wide[n] > bufs[2].len)
		return column_error(err, f->name, "offsets point past the data buffer");
	if (wide[n] - base > INT32_MAX)
		return column_error(err, f->name, "more than 2 GiB of data in one batch");
	off = malloc(((size_t)n + 1) * sizeof(*off));
	if (!off || stage_batch_own(b, off, err) < 0)
		return off ? -1 : stage_error_oom(err, "offsets");
	for (int64_t i = 0; i <= n; i++)
		off[i] = (int32_t)(wide[i] - base);
	a->offsets = off;
	a->values = bufs[2].p + base;
	return 0;
}

static int check_utf8(const stage_array *a, const stage_field *f, stage_error *err)
{
	/* Mostly ASCII in practice: one pass over all the bytes settles it. */
	if (stage__ascii(a->values, (size_t)a->offsets[a->length]))
		return 0;
	for (int64_t i = 0; i < a->length; i++)
		if (!stage_array_is_null(a, i) &&
		    !stage__utf8_valid((const uint8_t *)a->values + a->offsets[i],
		                       (size_t)(a->offsets[i + 1] - a->offsets[i])))
			return column_error(err, f->name, "invalid UTF-8");
	return 0;
}

static int build_array(stage_array *a, const stage_field *f, bool large, const int64_t *node,
                       struct buf_view *bufs, int64_t nrows, stage_batch *b, stage_error *err)
{
	int64_t n = node[0], nulls = node[1], bitmap;
	static const int32_t zero_offset[1];

	if (n != nrows)
		return column_error(err, f->name, "length differs from the batch length");
	if (nulls < 0 || nulls > n)
		return column_error(err, f->name, "null count out of range");
	bitmap = n / 8 + (n % 8 != 0);
	a->type = f->type;
	a->length = n;
	a->null_count = nulls;
	a->validity = NULL;
	if (nulls) {
		if (bufs[0].len < bitmap)
			return column_error(err, f->name, "validity buffer too short");
		a->validity = bufs[0].p;
	}
	switch (f->type) {
	case STAGE_BOOL:
		if (bufs[1].len < bitmap)
			return column_error(err, f->name, "values buffer too short");
		a->values = bufs[1].p;
		return 0;
	case STAGE_UTF8:
	case STAGE_BINARY: {
		int32_t *off = (int32_t *)bufs[1].p;
		int32_t base;

		if (large)
			return narrow_offsets(a, f, bufs, b, err) < 0 ? -1
			       : f->type == STAGE_UTF8 ? check_utf8(a, f, err) : 0;
		if (n == 0 && bufs[1].len < 4) {
			a->offsets = zero_offset;
			a->values = bufs[2].p;
			return 0;
		}
		if (bufs[1].len / 4 < n + 1)
			return column_error(err, f->name, "offsets buffer too short");
		base = off[0];
		if (base < 0)
			return column_error(err, f->name, "negative offset");
		for (int64_t i = 0; i < n; i++)
			if (off[i + 1] < off[i])
				return column_error(err, f->name, "offsets decrease");
		if (off[n] > bufs[2].len)
			return column_error(err, f->name, "offsets point past the data buffer");
		/* Readers rely on offsets[0] == 0; the body is ours to rebase. */
		if (base)
			for (int64_t i = 0; i <= n; i++)
				off[i] -= base;
		a->offsets = off;
		a->values = bufs[2].p + base;
		return f->type == STAGE_UTF8 ? check_utf8(a, f, err) : 0;
	}
	default:
		if (bufs[1].len / (int64_t)stage_type_width(f->type) < n)
			return column_error(err, f->name, "values buffer too short");
		a->values = bufs[1].p;
		return 0;
	}
}

static int decode_batch(stage_ipc_reader *r, uint8_t *body, stage_batch **out, stage_error *err)
{
	struct batch_header *h = &r->hdr;
	const stage_schema *s = r->schema;
	size_t need = 0;
	stage_batch *b;
	struct buf_view *views;

	for (size_t i = 0; i < s->ncols; i++)
		need += stage_type_is_varwidth(s->fields[i].type) ? 3 : 2;
	/* Columns bound a batch's length by their buffers; without columns only
	 * this cap does. */
	if (h->length < 0 || h->length > INT32_MAX || h->nnodes != s->ncols ||
	    h->nbuffers != need) {
		free(body);
		if (h->length < 0 || h->length > INT32_MAX)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "batch length %lld out of range (0 to %d)",
			                       (long long)h->length, INT32_MAX);
		if (h->nnodes != s->ncols)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "batch has %u field nodes, schema has %zu columns",
			                       h->nnodes, s->ncols);
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "batch has %u buffers, schema needs %zu", h->nbuffers, need);
	}
	views = malloc((need + 1) * sizeof(*views));
	b = stage_batch_new(s->ncols, err);
	if (!views || !b) {
		free(views);
		free(body);
		stage_batch_free(b);
		return stage_error_oom(err, "batch");
	}
	if (stage_batch_own(b, body, err) < 0) {
		free(views);
		stage_batch_free(b);
		return -1;
	}
	for (size_t i = 0; i < need; i++) {
		int64_t off = h->buffers[2 * i], len = h->buffers[2 * i + 1];

		if (off < 0 || len < 0 || off > h->body_len || len > h->body_len - off) {
			bad(err, "buffer outside the message body%s", "");
			goto fail;
		}
		if (off % 8) {
			bad(err, "buffer not 8-byte aligned in the message body%s", "");
			goto fail;
		}
		views[i] = (struct buf_view){body + off, len};
	}
	b->nrows = h->length;
	for (size_t i = 0, k = 0; i < s->ncols; i++) {
		if (build_array(&b->cols[i], &s->fields[i], r->large[i], h->nodes + 2 * i, views + k,
		                h->length, b, err) < 0)
			goto fail;
		k += stage_type_is_varwidth(s->fields[i].type) ? 3 : 2;
	}
	b->metadata = h->metadata;
	h->metadata = (stage_metadata){0};
	free(views);
	*out = b;
	return 0;
fail:
	free(views);
	stage_batch_free(b);
	return -1;
}

static int upstream_failed(const stage_metadata *m, stage_error *err)
{
	const char *msg = stage_metadata_get(m, STAGE_META_ERROR);
	const char *stage = stage_metadata_get(m, STAGE_META_STAGE);

	return stage_error_set(err, STAGE_EXIT_FAILURE, "upstream %s failed: %s",
	                       stage ? stage : "stage", msg);
}

int stage_ipc_reader_next(stage_ipc_reader *r, stage_batch **out, stage_error *err)
{
	for (;;) {
		stage_schema *next = NULL;
		uint8_t *body = NULL;
		int kind, rc;

		if (r->done)
			return 0;
		kind = read_message(r, &next, err);
		if (kind < 0)
			return -1;
		switch (kind) {
		case MSG_END_OF_INPUT:
			if (r->done)
				return 0;
			return truncated(r, err) < 0 ? -1 : 0;
		case MSG_EOS:
			/* Another stream may follow (cat a.arrow b.arrow). */
			rc = (int)stage_source_peek(r->src, 1, err);
			if (rc <= 0) {
				r->done = true;
				return rc;
			}
			kind = read_message(r, &next, err);
			if (kind < 0)
				return -1;
			if (kind != MSG_SCHEMA) {
				stage_schema_free(next);
				return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
				                       "data after end-of-stream marker is not a new stream");
			}
			rc = stage_schema_compare(r->schema, next, err);
			stage_schema_free(next);
			if (rc < 0)
				return stage_error_prefix(err, "concatenated streams");
			continue;
		case MSG_SCHEMA:
			stage_schema_free(next);
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "schema message in the middle of a stream");
		}
		if (read_body(r, &body, err) < 0)
			return r->done && r->allow_truncated ? 0 : -1;
		if (decode_batch(r, body, out, err) < 0)
			return stage_error_prefix(err, "record batch ending at byte %llu",
			                          (unsigned long long)stage_source_offset(r->src));
		if (stage_metadata_get(&(*out)->metadata, STAGE_META_ERROR)) {
			rc = upstream_failed(&(*out)->metadata, err);
			stage_batch_free(*out);
			*out = NULL;
			return rc;
		}
		return 1;
	}
}

void stage_ipc_reader_free(stage_ipc_reader *r)
{
	if (!r)
		return;
	stage_schema_free(r->schema);
	free(r->large);
	free(r->hdr.nodes);
	free(r->hdr.buffers);
	stage_metadata_clear(&r->hdr.metadata);
	free(r);
}
