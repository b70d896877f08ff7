/* One row of an ev_str_view (kernels.h) as a pointer and a length, for
 * eval-expr's string kernels. */
#ifndef EVAL_STRING_VIEW_H
#define EVAL_STRING_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

typedef struct ev_str {
	const uint8_t *p; /* never NULL, even for an empty string */
	size_t len;
} ev_str;

static inline ev_str ev_str_at(const ev_str_view *v, size_t i)
{
	static const uint8_t empty[1];
	ev_str s;

	if (v->offsets) {
		s.p = v->data ? v->data + v->offsets[i] : empty;
		s.len = (size_t)(v->offsets[i + 1] - v->offsets[i]);
	} else {
		s.p = v->data ? v->data : empty;
		s.len = v->const_len;
	}
	return s;
}

#endif
