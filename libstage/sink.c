/* Buffered writing to a file descriptor. Small pieces (text rows, message
 * headers) collect in the buffer; large bodies go out with writev straight
 * from the caller's memory. EPIPE means downstream closed: not a failure. */
#include <errno.h>
#include <limits.h>
#include <sys/uio.h>

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "stage_internal.h"

#define SINK_BUFFER (1u << 20)
#define SINK_MAX_IOV 64

struct stage_sink {
	int fd;
	uint8_t *buf;
	size_t cap, len;
	uint64_t written;
};

stage_sink *stage_sink_new(int fd, stage_error *err)
{
	stage_sink *s = calloc(1, sizeof(*s));

	if (!s || !(s->buf = malloc(SINK_BUFFER))) {
		free(s);
		stage_error_oom(err, "output buffer");
		return NULL;
	}
	s->fd = fd;
	s->cap = SINK_BUFFER;
	return s;
}

void stage_sink_free(stage_sink *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

static int write_failed(int errnum, stage_error *err)
{
	if (errnum == EPIPE) {
		stage_error_set(err, STAGE_EXIT_OK, "downstream closed");
		err->downstream_closed = true;
		return -1;
	}
	return stage_error_errno(err, errnum, "write");
}

/* Writes the whole vector, resubmitting after short writes. iov is consumed. */
static int write_all(stage_sink *s, struct iovec *iov, int n, stage_error *err)
{
	while (n > 0) {
		ssize_t w = writev(s->fd, iov, n < IOV_MAX ? n : IOV_MAX);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd p = {.fd = s->fd, .events = POLLOUT};

				poll(&p, 1, -1);
				continue;
			}
			return write_failed(errno, err);
		}
		s->written += (uint64_t)w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int stage_sink_flush(stage_sink *s, stage_error *err)
{
	struct iovec v = {.iov_base = s->buf, .iov_len = s->len};

	if (s->len == 0)
		return 0;
	s->len = 0;
	return write_all(s, &v, 1, err);
}

char *stage_sink_reserve(stage_sink *s, size_t n, stage_error *err)
{
	if (n > s->cap - s->len) {
		if (stage_sink_flush(s, err) < 0)
			return NULL;
		if (n > s->cap) {
			uint8_t *nb = realloc(s->buf, n);

			if (!nb) {
				stage_error_oom(err, "output buffer");
				return NULL;
			}
			s->buf = nb;
			s->cap = n;
		}
	}
	return (char *)s->buf + s->len;
}

void stage_sink_commit(stage_sink *s, size_t n)
{
	s->len += n;
}

int stage_sink_write(stage_sink *s, const void *p, size_t n, stage_error *err)
{
	struct iovec v = {.iov_base = (void *)p, .iov_len = n};

	if (n <= s->cap - s->len) {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		return 0;
	}
	return stage_sink_writev(s, &v, 1, err);
}

int stage_sink_writev(stage_sink *s, const struct iovec *iov, int n, stage_error *err)
{
	struct iovec v[SINK_MAX_IOV + 1];
	size_t total = 0;
	int k = 0;

	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total <= s->cap - s->len) {
		for (int i = 0; i < n; i++) {
			if (iov[i].iov_len)
				memcpy(s->buf + s->len, iov[i].iov_base, iov[i].iov_len);
			s->len += iov[i].iov_len;
		}
		return 0;
	}
	if (s->len) {
		v[k].iov_base = s->buf;
		v[k++].iov_len = s->len;
		s->len = 0;
	}
	for (int i = 0; i < n; i++) {
		if (k == SINK_MAX_IOV + 1) {
			if (write_all(s, v, k, err) < 0)
				return -1;
			k = 0;
		}
		v[k++] = iov[i];
	}
	return write_all(s, v, k, err);
}

uint64_t stage_sink_offset(const stage_sink *s)
{
	return s->written + s->len;
}
