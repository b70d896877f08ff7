/* Value helpers every text writer shares: fixed-width values through the
 * stage_format_* functions, binary values as lowercase hex, and spotting
 * well-formed UTF-8 where a format must not pass bad bytes on. */
#include "text_out_internal.h"

size_t stage__tout_fixed(char *o, const stage_array *a, int64_t i)
{
	switch (a->type) {
	case STAGE_INT64:
		return stage_format_i64(o, stage_array_i64(a, i));
	case STAGE_FLOAT64:
		return stage_format_f64(o, stage_array_f64(a, i));
	case STAGE_FLOAT32:
		return stage_format_f32(o, stage_array_f32(a, i));
	case STAGE_TIMESTAMP:
		return stage_format_timestamp(o, stage_array_i64(a, i));
	case STAGE_BOOL:
		if (stage_array_bool(a, i)) {
			memcpy(o, "true", 4);
			return 4;
		}
		memcpy(o, "false", 5);
		return 5;
	case STAGE_UTF8:
	case STAGE_BINARY:
		break;
	}
	return 0;
}

char *stage__tout_hex(char *o, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		*o++ = hex[p[i] >> 4];
		*o++ = hex[p[i] & 15];
	}
	return o;
}

int stage__tout_put_hex(stage_sink *k, const uint8_t *p, size_t n, stage_error *err)
{
	while (n) {
		size_t piece = n < TOUT_PIECE ? n : TOUT_PIECE;
		char *o = stage_sink_reserve(k, 2 * piece, err);

		if (!o)
			return -1;
		stage__tout_hex(o, p, piece);
		stage_sink_commit(k, 2 * piece);
		p += piece;
		n -= piece;
	}
	return 0;
}
