/* Buffered reading from a file descriptor. Small reads (message headers,
 * text lines) come from the buffer; large ones (record batch bodies) go
 * straight into the caller's memory. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "stage_internal.h"

#define SOURCE_INITIAL_BUFFER (1u << 20)

struct stage_source {
	int fd;
	uint8_t *buf;
	size_t cap, start, end;
	bool eof, drained;
	uint64_t consumed;
};

stage_source *stage_source_new(int fd, stage_error *err)
{
	stage_source *s = calloc(1, sizeof(*s));

	if (!s || !(s->buf = malloc(SOURCE_INITIAL_BUFFER))) {
		free(s);
		stage_error_oom(err, "input buffer");
		return NULL;
	}
	s->fd = fd;
	s->cap = SOURCE_INITIAL_BUFFER;
	return s;
}

void stage_source_free(stage_source *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

const uint8_t *stage_source_data(const stage_source *s, size_t *avail)
{
	*avail = s->end - s->start;
	return s->buf + s->start;
}

void stage_source_consume(stage_source *s, size_t n)
{
	s->start += n;
	s->consumed += n;
	if (s->start == s->end)
		s->start = s->end = 0;
}

/* The descriptor may be non-blocking (inherited from a shell that set it);
 * we never change its flags, so wait for readiness instead. */
static ssize_t read_some(stage_source *s, void *dst, size_t n, stage_error *err)
{
	for (;;) {
		ssize_t r = read(s->fd, dst, n);

		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = {.fd = s->fd, .events = POLLIN};

			poll(&p, 1, -1);
			continue;
		}
		return stage_error_errno(err, errno, "read");
	}
}

static bool more_ready(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) > 0;
}

ssize_t stage_source_fill(stage_source *s, stage_error *err)
{
	ssize_t r;
	size_t space;

	if (s->eof)
		return 0;
	if (s->end == s->cap) {
		if (s->start > 0) {
			memmove(s->buf, s->buf + s->start, s->end - s->start);
			s->end -= s->start;
			s->start = 0;
		} else {
			size_t ncap = s->cap * 2;
			uint8_t *nb;

			if (s->cap >= STAGE_SOURCE_MAX_BUFFER)
				return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
				                       "a line or message is longer than %u MiB",
				                       STAGE_SOURCE_MAX_BUFFER >> 20);
			nb = realloc(s->buf, ncap);
			if (!nb)
				return stage_error_oom(err, "input buffer");
			s->buf = nb;
			s->cap = ncap;
		}
	}
	space = s->cap - s->end;
	r = read_some(s, s->buf + s->end, space, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		s->eof = true;
		s->drained = true;
		return 0;
	}
	s->end += (size_t)r;
	s->drained = (size_t)r < space && !more_ready(s->fd);
	return r;
}

ssize_t stage_source_peek(stage_source *s, size_t want, stage_error *err)
{
	while (s->end - s->start < want) {
		ssize_t r = stage_source_fill(s, err);

		if (r < 0)
			return -1;
		if (r == 0)
			break;
	}
	return (ssize_t)(s->end - s->start);
}

ssize_t stage_source_read(stage_source *s, void *dst, size_t n, stage_error *err)
{
	size_t have = s->end - s->start, got = have < n ? have : n;
	uint8_t *out = dst;

	memcpy(out, s->buf + s->start, got);
	stage_source_consume(s, got);
	while (got < n && !s->eof) {
		ssize_t r;

		if (n - got < s->cap / 2) {
			r = stage_source_peek(s, n - got, err);
			if (r < 0)
				return -1;
			have = (size_t)r < n - got ? (size_t)r : n - got;
			memcpy(out + got, s->buf + s->start, have);
			stage_source_consume(s, have);
			got += have;
			break;
		}
		r = read_some(s, out + got, n - got, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			s->eof = s->drained = true;
			break;
		}
		got += (size_t)r;
		s->consumed += (uint64_t)r;
	}
	return (ssize_t)got;
}

bool stage_source_drained(const stage_source *s)
{
	return s->drained;
}

bool stage_source_eof(const stage_source *s)
{
	return s->eof;
}

uint64_t stage_source_offset(const stage_source *s)
{
	return s->consumed;
}
