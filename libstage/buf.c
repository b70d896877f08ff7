/* Growable byte buffers with a hard maximum: every buffer that untrusted
 * input can grow stops at a stated size instead of eating memory. */
#include <stdlib.h>

#include "stage_internal.h"

int stage__buf_reserve(stage__buf *b, size_t extra, stage_error *err)
{
	size_t need, cap;
	uint8_t *p;

	if (extra <= b->cap - b->len)
		return 0;
	if (extra > b->max || b->len > b->max - extra)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "buffer would exceed its limit of %zu bytes", b->max);
	need = b->len + extra;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max)
		cap = b->max;
	p = realloc(b->data, cap);
	if (!p)
		return stage_error_oom(err, "growing a buffer");
	b->data = p;
	b->cap = cap;
	return 0;
}

int stage__buf_append(stage__buf *b, const void *p, size_t n, stage_error *err)
{
	if (stage__buf_reserve(b, n, err) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void stage__buf_release(stage__buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
