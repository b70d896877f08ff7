#include <string.h>

#include "keys.h"

void cms_key_of_row(const stage_array *a, int64_t i, cms_keybuf *k)
{
	k->null = stage_array_is_null(a, i);
	k->p = k->fixed;
	k->len = 0;
	if (k->null)
		return;
	switch (a->type) {
	case STAGE_UTF8:
	case STAGE_BINARY:
		k->p = stage_array_bytes(a, i, &k->len);
		break;
	case STAGE_BOOL:
		k->fixed[0] = stage_array_bool(a, i);
		k->len = 1;
		break;
	case STAGE_FLOAT32:
		memcpy(k->fixed, (const float *)a->values + i, 4);
		k->len = 4;
		break;
	default: /* int64, float64, timestamp */
		memcpy(k->fixed, (const int64_t *)a->values + i, 8);
		k->len = 8;
		break;
	}
}

void cms_key_append(stage_column_builder *c, const uint8_t *p, size_t len, bool null)
{
	int64_t i64 = 0;
	double f64 = 0;
	float f32 = 0;

	if (null) {
		stage_col_append_null(c);
		return;
	}
	switch (c->type) {
	case STAGE_UTF8:
	case STAGE_BINARY:
		stage_col_append_bytes(c, p, len);
		break;
	case STAGE_BOOL:
		stage_col_append_bool(c, len == 1 && p[0]);
		break;
	case STAGE_FLOAT32:
		memcpy(&f32, p, len < 4 ? len : 4);
		stage_col_append_f32(c, f32);
		break;
	case STAGE_FLOAT64:
		memcpy(&f64, p, len < 8 ? len : 8);
		stage_col_append_f64(c, f64);
		break;
	default:
		memcpy(&i64, p, len < 8 ? len : 8);
		stage_col_append_i64(c, i64);
		break;
	}
}
