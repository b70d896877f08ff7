/* Buffered writing to a file descriptor through the event loop, with
 * write-behind: a filled buffer (or a record batch body, kept alive by a
 * batch reference) is handed to the loop and the caller goes on working
 * while it drains. One write is in flight at a time, which keeps the bytes
 * in order. EPIPE means downstream closed: not a failure. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>

#include "stage_internal.h"
#include "stage_loop.h"

#define SINK_BUFFER (1u << 20)
#define SINK_MAX_IOV 1024

struct inflight {
	bool active, done;
	int64_t result;
	size_t len;
	stage_batch *keep;
};

struct stage_sink {
	int fd;          /* -1: a memory sink, whose buffer only grows */
	stage_loop *loop;
	uint8_t *buf[2]; /* buf[cur] fills while the other may be in flight */
	size_t cap[2];
	int cur;
	size_t len;
	uint64_t written;
	struct inflight out;
};

/* A 64 KiB pipe between two stages costs a context switch per 64 KiB of a
 * multi-megabyte batch; a larger one lets a batch pass in a few. Unlike
 * O_NONBLOCK this changes nothing another process could trip over, and
 * where it is refused (the pipe-max-size limit) the pipe stays as it was. */
static void grow_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		fcntl(fd, F_SETPIPE_SZ, SINK_BUFFER);
}

stage_sink *stage_sink_new(int fd, stage_error *err)
{
	stage_sink *s = calloc(1, sizeof(*s));

	if (!s)
		goto oom;
	for (int i = 0; i < 2; i++) {
		s->buf[i] = malloc(SINK_BUFFER);
		s->cap[i] = SINK_BUFFER;
		if (!s->buf[i])
			goto oom;
	}
	s->loop = stage_io_loop(err);
	if (!s->loop)
		goto fail;
	s->fd = fd;
	grow_pipe(fd);
	return s;
oom:
	stage_error_oom(err, "output buffer");
fail:
	if (s) {
		free(s->buf[0]);
		free(s->buf[1]);
	}
	free(s);
	return NULL;
}

static void on_written(void *arg, int64_t result)
{
	struct inflight *o = arg;

	o->result = result;
	o->done = true;
}

/* Waits for the write in flight; its error, if any, is reported now. */
static int settle(stage_sink *s, stage_error *err)
{
	struct inflight *o = &s->out;

	if (!o->active)
		return 0;
	while (!o->done)
		if (stage_loop_run_once(s->loop, -1, err) < 0)
			return -1;
	o->active = false;
	stage_batch_free(o->keep);
	o->keep = NULL;
	if (o->result >= 0) {
		s->written += (uint64_t)o->result;
		return 0;
	}
	if (o->result == -EPIPE) {
		stage_error_set(err, STAGE_EXIT_OK, "downstream closed");
		err->downstream_closed = true;
		return -1;
	}
	return stage_error_errno(err, (int)-o->result, "write");
}

/* Starts writing iov (after the previous write finished). When the first
 * entry is our own buffer, the other buffer becomes the current one. */
static int submit(stage_sink *s, const struct iovec *iov, int n, bool own_buffer,
                  stage_batch *keep, stage_error *err)
{
	struct inflight *o = &s->out;

	if (settle(s, err) < 0)
		return -1;
	*o = (struct inflight){.active = true, .keep = keep ? stage_batch_ref(keep) : NULL};
	for (int i = 0; i < n; i++)
		o->len += iov[i].iov_len;
	if (stage_loop_writev(s->loop, s->fd, iov, n, on_written, o, err) < 0) {
		stage_batch_free(o->keep);
		*o = (struct inflight){0};
		return -1;
	}
	if (own_buffer) {
		s->cur ^= 1;
		s->len = 0;
	}
	return 0;
}

stage_sink *stage__sink_new_memory(stage_error *err)
{
	stage_sink *s = calloc(1, sizeof(*s));

	if (!s || !(s->buf[0] = malloc(SINK_BUFFER))) {
		free(s);
		stage_error_oom(err, "output buffer");
		return NULL;
	}
	s->cap[0] = SINK_BUFFER;
	s->fd = -1;
	return s;
}

int stage__sink_take(stage_sink *s, uint8_t **p, size_t *n, stage_error *err)
{
	/* A small result is copied out and the buffer kept; a large one is
	 * handed over and replaced, as the next batch likely needs as much. */
	bool small = s->len < s->cap[0] / 4;
	uint8_t *fresh = malloc(small ? s->len + 1 : s->cap[0]);

	if (!fresh)
		return stage_error_oom(err, "output buffer");
	*n = s->len;
	s->len = 0;
	if (small) {
		memcpy(fresh, s->buf[0], *n);
		*p = fresh;
		return 0;
	}
	*p = s->buf[0];
	s->buf[0] = fresh;
	return 0;
}

int stage_sink_push(stage_sink *s, stage_error *err)
{
	struct iovec v = {.iov_base = s->buf[s->cur], .iov_len = s->len};

	if (s->len == 0 || s->fd < 0)
		return 0;
	return submit(s, &v, 1, true, NULL, err);
}

int stage_sink_flush(stage_sink *s, stage_error *err)
{
	if (stage_sink_push(s, err) < 0)
		return -1;
	return settle(s, err);
}

void stage_sink_free(stage_sink *s)
{
	stage_error ignored;

	if (!s)
		return;
	if (s->fd >= 0)
		settle(s, &ignored);
	free(s->buf[0]);
	free(s->buf[1]);
	free(s);
}

char *stage_sink_reserve(stage_sink *s, size_t n, stage_error *err)
{
	if (n > s->cap[s->cur] - s->len) {
		size_t want = s->fd < 0 ? s->len + n : n;

		if (stage_sink_push(s, err) < 0)
			return NULL;
		if (want > s->cap[s->cur]) {
			if (s->fd < 0 && want < 2 * s->cap[s->cur])
				want = 2 * s->cap[s->cur];
			uint8_t *nb = realloc(s->buf[s->cur], want);

			if (!nb) {
				stage_error_oom(err, "output buffer");
				return NULL;
			}
			s->buf[s->cur] = nb;
			s->cap[s->cur] = want;
		}
	}
	return (char *)s->buf[s->cur] + s->len;
}

void stage_sink_commit(stage_sink *s, size_t n)
{
	s->len += n;
}

int stage_sink_write(stage_sink *s, const void *p, size_t n, stage_error *err)
{
	struct iovec v = {.iov_base = (void *)p, .iov_len = n};

	return stage_sink_writev(s, &v, 1, err);
}

static size_t total_len(const struct iovec *iov, int n)
{
	size_t total = 0;

	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

static int copy_in(stage_sink *s, const struct iovec *iov, int n, stage_error *err)
{
	char *o = stage_sink_reserve(s, total_len(iov, n), err);

	if (!o)
		return -1;
	for (int i = 0; i < n; i++) {
		if (iov[i].iov_len)
			memcpy(o, iov[i].iov_base, iov[i].iov_len);
		o += iov[i].iov_len;
	}
	s->len += total_len(iov, n);
	return 0;
}

int stage_sink_writev(stage_sink *s, const struct iovec *iov, int n, stage_error *err)
{
	if (total_len(iov, n) <= s->cap[s->cur] - s->len || s->fd < 0)
		return copy_in(s, iov, n, err);
	/* The caller's memory is only ours during the call: write and wait. */
	if (stage_sink_push(s, err) < 0 || submit(s, iov, n, false, NULL, err) < 0)
		return -1;
	return settle(s, err);
}

int stage_sink_writev_keep(stage_sink *s, const struct iovec *iov, int n, int ncopy,
                           stage_batch *keep, stage_error *err)
{
	struct iovec v[SINK_MAX_IOV];
	int k = 0;

	if (total_len(iov, n) <= s->cap[s->cur] - s->len || n - ncopy >= SINK_MAX_IOV)
		return n - ncopy >= SINK_MAX_IOV ? stage_sink_writev(s, iov, n, err)
		                                 : copy_in(s, iov, n, err);
	if (copy_in(s, iov, ncopy, err) < 0)
		return -1;
	v[k++] = (struct iovec){.iov_base = s->buf[s->cur], .iov_len = s->len};
	for (int i = ncopy; i < n; i++)
		v[k++] = iov[i];
	return submit(s, v, k, true, keep, err);
}

uint64_t stage_sink_offset(const stage_sink *s)
{
	return s->written + (s->out.active ? s->out.len : 0) + s->len;
}
