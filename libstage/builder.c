/* Column builders: append values row by row into Arrow-layout buffers that
 * then move, without copying, into a stage_batch. Appends cannot fail on the
 * spot; a failure is remembered and reported by stage_builder_finish(). */
#include <stdio.h>
#include <stdlib.h>

#include "stage_internal.h"

/* Offsets are int32, so one column of one batch holds under 2 GiB of bytes. */
#define VARWIDTH_MAX ((size_t)INT32_MAX)

static void col_fail(stage_column_builder *c, const char *why)
{
	if (!c->failed)
		snprintf(c->failure, sizeof(c->failure), "%s", why);
	c->failed = true;
}

/* Grows *p (cap bytes) to hold need bytes, zero-filling the new part so
 * bitmap bits past the end stay 0. */
static bool grow(stage_column_builder *c, uint8_t **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	uint8_t *np;

	if (need <= *cap)
		return true;
	if (c->failed)
		return false;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap);
	if (!np) {
		col_fail(c, "out of memory building a column");
		return false;
	}
	memset(np + *cap, 0, ncap - *cap);
	*p = np;
	*cap = ncap;
	return true;
}

static bool reset_column(stage_column_builder *c)
{
	c->length = 0;
	c->null_count = 0;
	c->values_len = 0;
	if (stage_type_is_varwidth(c->type)) {
		size_t cap = c->offsets_cap * sizeof(int32_t);

		if (!grow(c, (uint8_t **)&c->offsets, &cap, 64 * sizeof(int32_t)))
			return false;
		c->offsets_cap = cap / sizeof(int32_t);
		c->offsets[0] = 0;
	}
	return true;
}

int stage_builder_init(stage_builder *b, const stage_schema *s, stage_error *err)
{
	b->ncols = s->ncols;
	b->cols = calloc(s->ncols ? s->ncols : 1, sizeof(*b->cols));
	if (!b->cols)
		return stage_error_oom(err, "column builders");
	for (size_t i = 0; i < s->ncols; i++) {
		b->cols[i].type = s->fields[i].type;
		if (!reset_column(&b->cols[i]))
			return stage_error_oom(err, "column builders");
	}
	return 0;
}

void stage_builder_release(stage_builder *b)
{
	for (size_t i = 0; i < b->ncols; i++) {
		free(b->cols[i].validity);
		free(b->cols[i].values);
		free(b->cols[i].offsets);
		free(b->cols[i].residual);
	}
	free(b->cols);
	b->cols = NULL;
	b->ncols = 0;
}

size_t stage_builder_bytes(const stage_builder *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->ncols; i++) {
		const stage_column_builder *c = &b->cols[i];

		n += c->values_len + (size_t)c->length / 8;
		if (stage_type_is_varwidth(c->type))
			n += (size_t)c->length * sizeof(int32_t);
	}
	return n;
}

int stage_builder_finish(stage_builder *b, stage_batch **out, stage_error *err)
{
	int64_t nrows = b->ncols ? b->cols[0].length : 0;
	stage_batch *batch;

	for (size_t i = 0; i < b->ncols; i++) {
		if (b->cols[i].failed)
			return stage_error_set(err, STAGE_EXIT_FAILURE, "column %zu: %s", i + 1,
			                       b->cols[i].failure);
		if (b->cols[i].length != nrows)
			return stage_error_set(err, STAGE_EXIT_FAILURE,
			                       "column %zu has %lld rows, column 1 has %lld", i + 1,
			                       (long long)b->cols[i].length, (long long)nrows);
	}
	batch = stage_batch_new(b->ncols, err);
	if (!batch)
		return -1;
	batch->nrows = nrows;
	for (size_t i = 0; i < b->ncols; i++) {
		stage_column_builder *c = &b->cols[i];
		stage_array *a = &batch->cols[i];
		void *mem[4] = {c->validity, c->values, c->offsets, NULL};

		/* Residuals past the last non-zero one are zero. */
		if (c->residual && !grow(c, (uint8_t **)&c->residual, &c->residual_cap,
		                         (size_t)c->length * sizeof(double))) {
			stage_batch_free(batch);
			return stage_error_oom(err, "column residuals");
		}
		mem[3] = c->residual;
		a->residual = c->residual;
		c->residual = NULL;
		c->residual_cap = 0;
		a->type = c->type;
		a->length = c->length;
		a->null_count = c->null_count;
		a->validity = c->null_count ? c->validity : NULL;
		a->offsets = c->offsets;
		c->validity = c->values = NULL;
		c->offsets = NULL;
		c->validity_cap = c->values_cap = c->offsets_cap = 0;
		/* A column with no appended values still needs a values pointer. */
		if (!mem[1] && !grow(c, &c->values, &c->values_cap, 8)) {
			stage_batch_free(batch);
			return stage_error_oom(err, "column values");
		}
		if (!mem[1]) {
			mem[1] = c->values;
			c->values = NULL;
			c->values_cap = 0;
		}
		a->values = mem[1];
		for (int k = 0; k < 4; k++) {
			if (stage_batch_own(batch, mem[k], err) < 0) {
				for (int j = k + 1; j < 4; j++)
					free(mem[j]);
				stage_batch_free(batch);
				return -1;
			}
		}
		if (!reset_column(c)) {
			stage_batch_free(batch);
			return stage_error_oom(err, "column builders");
		}
	}
	*out = batch;
	return 0;
}

static void set_valid(stage_column_builder *c, bool valid)
{
	int64_t i = c->length;

	if (valid && !c->validity)
		return;
	if (!grow(c, &c->validity, &c->validity_cap, (size_t)(i / 8 + 1)))
		return;
	if (!valid && c->null_count == 0) {
		/* First null: every earlier row was valid. */
		memset(c->validity, 0xff, (size_t)(i / 8));
		for (int64_t k = i & ~(int64_t)7; k < i; k++)
			c->validity[k >> 3] |= (uint8_t)(1u << (k & 7));
	}
	if (valid)
		c->validity[i >> 3] |= (uint8_t)(1u << (i & 7));
	else
		c->validity[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

static void append_fixed(stage_column_builder *c, const void *v, size_t width)
{
	if (!grow(c, &c->values, &c->values_cap, c->values_len + width))
		return;
	memcpy(c->values + c->values_len, v, width);
	c->values_len += width;
	set_valid(c, true);
	c->length++;
}

static bool push_offset(stage_column_builder *c, size_t end)
{
	size_t cap = c->offsets_cap * sizeof(int32_t);

	if (end > VARWIDTH_MAX) {
		col_fail(c, "more than 2 GiB of text in one batch column");
		return false;
	}
	if (!grow(c, (uint8_t **)&c->offsets, &cap, ((size_t)c->length + 2) * sizeof(int32_t)))
		return false;
	c->offsets_cap = cap / sizeof(int32_t);
	c->offsets[c->length + 1] = (int32_t)end;
	return true;
}

void stage_col_append_null(stage_column_builder *c)
{
	if (c->failed)
		return;
	switch (c->type) {
	case STAGE_UTF8:
	case STAGE_BINARY:
		if (!push_offset(c, c->values_len))
			return;
		break;
	case STAGE_BOOL:
		if (!grow(c, &c->values, &c->values_cap, (size_t)(c->length / 8 + 1)))
			return;
		break;
	default: {
		static const uint8_t zero[8];

		if (!grow(c, &c->values, &c->values_cap, c->values_len + stage_type_width(c->type)))
			return;
		memcpy(c->values + c->values_len, zero, stage_type_width(c->type));
		c->values_len += stage_type_width(c->type);
	}
	}
	set_valid(c, false);
	if (c->failed)
		return;
	c->null_count++;
	c->length++;
}

void stage_col_append_nulls(stage_column_builder *c, int64_t n)
{
	int64_t end = c->length + n;
	size_t width = stage_type_width(c->type);

	if (c->failed || n <= 0 ||
	    !grow(c, &c->validity, &c->validity_cap, (size_t)(end / 8 + 1)))
		return;
	/* Bits past the length are still zero (buffers grow zero-filled), so
	 * only a first null has work to do: every earlier row was valid. */
	if (c->null_count == 0) {
		memset(c->validity, 0xff, (size_t)(c->length / 8));
		for (int64_t k = c->length & ~(int64_t)7; k < c->length; k++)
			c->validity[k >> 3] |= (uint8_t)(1u << (k & 7));
	}
	if (stage_type_is_varwidth(c->type)) {
		size_t cap = c->offsets_cap * sizeof(int32_t);

		if (!grow(c, (uint8_t **)&c->offsets, &cap, ((size_t)end + 1) * sizeof(int32_t)))
			return;
		c->offsets_cap = cap / sizeof(int32_t);
		for (int64_t k = c->length + 1; k <= end; k++)
			c->offsets[k] = (int32_t)c->values_len;
	} else if (c->type == STAGE_BOOL) {
		if (!grow(c, &c->values, &c->values_cap, (size_t)(end / 8 + 1)))
			return;
	} else {
		if (!grow(c, &c->values, &c->values_cap, c->values_len + (size_t)n * width))
			return;
		memset(c->values + c->values_len, 0, (size_t)n * width);
		c->values_len += (size_t)n * width;
	}
	c->null_count += n;
	c->length = end;
}

void stage_col_append_i64(stage_column_builder *c, int64_t v)
{
	append_fixed(c, &v, sizeof(v));
}

void stage_col_append_f64(stage_column_builder *c, double v)
{
	append_fixed(c, &v, sizeof(v));
}

void stage_col_append_f64_residual(stage_column_builder *c, double v, double residual)
{
	if (residual != 0 &&
	    grow(c, (uint8_t **)&c->residual, &c->residual_cap,
	         ((size_t)c->length + 1) * sizeof(double)))
		c->residual[c->length] = residual;
	append_fixed(c, &v, sizeof(v));
}

void stage_col_append_f32(stage_column_builder *c, float v)
{
	append_fixed(c, &v, sizeof(v));
}

void stage_col_append_bool(stage_column_builder *c, bool v)
{
	int64_t i = c->length;

	if (!grow(c, &c->values, &c->values_cap, (size_t)(i / 8 + 1)))
		return;
	if (v)
		c->values[i >> 3] |= (uint8_t)(1u << (i & 7));
	set_valid(c, true);
	c->length++;
}

void stage_col_append_bytes(stage_column_builder *c, const void *p, size_t n)
{
	if (c->failed)
		return;
	if (n > VARWIDTH_MAX - c->values_len) {
		col_fail(c, "more than 2 GiB of text in one batch column");
		return;
	}
	if (!grow(c, &c->values, &c->values_cap, c->values_len + n) ||
	    !push_offset(c, c->values_len + n))
		return;
	if (n)
		memcpy(c->values + c->values_len, p, n);
	c->values_len += n;
	set_valid(c, true);
	c->length++;
}
