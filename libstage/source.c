/* Buffered reading from a file descriptor through the event loop. After
 * each read the next one is already in flight (read-ahead into the free
 * tail of the buffer), so input arrives while the caller works on what it
 * has. Small reads (message headers, text lines) come from the buffer;
 * large ones (record batch bodies) go straight into the caller's memory. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "stage_internal.h"
#include "stage_loop.h"

#define SOURCE_INITIAL_BUFFER (1u << 20)
/* Read-ahead only pays when the free tail can take a pipe's worth. */
#define SOURCE_MIN_AHEAD (64u << 10)

struct pending {
	int64_t id;
	bool active, done;
	int64_t result;
	size_t space;
};

struct stage_source {
	int fd;
	size_t read_size; /* most bytes one buffered read asks for */
	stage_loop *loop;
	uint8_t *buf;
	size_t cap, start, end;
	bool eof, drained;
	uint64_t consumed;
	struct pending ahead;
};

stage_source *stage_source_new(int fd, stage_error *err)
{
	stage_source *s = calloc(1, sizeof(*s));

	if (!s || !(s->buf = malloc(SOURCE_INITIAL_BUFFER))) {
		free(s);
		stage_error_oom(err, "input buffer");
		return NULL;
	}
	s->loop = stage_io_loop(err);
	if (!s->loop) {
		free(s->buf);
		free(s);
		return NULL;
	}
	s->fd = fd;
	s->cap = SOURCE_INITIAL_BUFFER;
	s->read_size = SOURCE_INITIAL_BUFFER;
	return s;
}

static void on_read(void *arg, int64_t result)
{
	struct pending *p = arg;

	p->result = result;
	p->done = true;
}

/* How long input must stay quiet before it counts as idle. A writer that
 * produces steadily but in small pieces (awk's 4 KiB stdio buffer) leaves
 * the pipe empty for microseconds between writes; flushing a batch at each
 * of those would cut bulk data into tiny batches. A few milliseconds tell
 * the two apart and keep a trickle's latency far below what a person sees. */
#define SOURCE_IDLE_MS 5

static bool more_ready(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, SOURCE_IDLE_MS) > 0;
}

/* Waits for the read in flight until deadline_ns (0: no deadline).
 * Returns 1 when it completed, 0 at the deadline, -1 on error. */
static int wait_read(stage_source *s, uint64_t deadline_ns, stage_error *err)
{
	while (!s->ahead.done) {
		int64_t left = -1;

		if (deadline_ns) {
			uint64_t now = stage_now_ns();

			if (now >= deadline_ns)
				return 0;
			left = (int64_t)(deadline_ns - now);
		}
		if (stage_loop_run_once(s->loop, left, err) < 0)
			return -1;
	}
	return 1;
}

/* Waits for the read in flight and takes in its bytes. Returns the bytes
 * added, 0 at end of input, -1 on error. */
static ssize_t settle(stage_source *s, stage_error *err)
{
	struct pending *p = &s->ahead;

	if (!p->active)
		return 0;
	if (wait_read(s, 0, err) < 0)
		return -1;
	p->active = false;
	if (p->result == -ECANCELED)
		return 0;
	if (p->result < 0)
		return stage_error_errno(err, (int)-p->result, "read");
	if (p->result == 0) {
		s->eof = s->drained = true;
		return 0;
	}
	s->end += (size_t)p->result;
	s->drained = (size_t)p->result < p->space && !more_ready(s->fd);
	return (ssize_t)p->result;
}

static int start_read(stage_source *s, stage_error *err)
{
	struct pending *p = &s->ahead;

	p->active = true;
	p->done = false;
	p->space = s->cap - s->end;
	if (p->space > s->read_size)
		p->space = s->read_size;
	p->id = stage_loop_read(s->loop, s->fd, s->buf + s->end, p->space, on_read, p, err);
	if (p->id < 0) {
		p->active = false;
		return -1;
	}
	return 0;
}

static void read_ahead(stage_source *s)
{
	stage_error ignored;

	if (!s->ahead.active && !s->eof && s->cap - s->end >= SOURCE_MIN_AHEAD)
		start_read(s, &ignored);
}

void stage_source_free(stage_source *s)
{
	stage_error ignored;

	if (!s)
		return;
	/* The kernel or a helper thread may still write into the buffer. */
	if (s->ahead.active) {
		stage_loop_cancel(s->loop, s->ahead.id);
		settle(s, &ignored);
	}
	free(s->buf);
	free(s);
}

void stage_source_set_read_size(stage_source *s, size_t n)
{
	s->read_size = n < SOURCE_MIN_AHEAD ? SOURCE_MIN_AHEAD : n;
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
	if (s->start == s->end && !s->ahead.active)
		s->start = s->end = 0;
}

/* Room at the end of the buffer for one more read; the read-ahead is
 * settled, so the buffer may move. */
static int make_room(stage_source *s, stage_error *err)
{
	size_t ncap;
	uint8_t *nb;

	if (s->start == s->end)
		s->start = s->end = 0;
	if (s->end < s->cap)
		return 0;
	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
		return 0;
	}
	if (s->cap >= STAGE_SOURCE_MAX_BUFFER)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "a line or message is longer than %u MiB",
		                       STAGE_SOURCE_MAX_BUFFER >> 20);
	ncap = s->cap * 2;
	nb = realloc(s->buf, ncap);
	if (!nb)
		return stage_error_oom(err, "input buffer");
	s->buf = nb;
	s->cap = ncap;
	return 0;
}

ssize_t stage_source_fill(stage_source *s, stage_error *err)
{
	return stage_source_fill_until(s, 0, err);
}

ssize_t stage_source_fill_until(stage_source *s, uint64_t deadline_ns, stage_error *err)
{
	ssize_t r;
	int done;

	if (!s->ahead.active) {
		if (s->eof)
			return 0;
		if (make_room(s, err) < 0 || start_read(s, err) < 0)
			return -1;
	}
	done = wait_read(s, deadline_ns, err);
	if (done <= 0)
		return done < 0 ? -1 : STAGE_SOURCE_TIMED_OUT;
	r = settle(s, err);
	if (r > 0)
		read_ahead(s);
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

static ssize_t copy_buffered(stage_source *s, uint8_t *dst, size_t n)
{
	size_t have = s->end - s->start, got = have < n ? have : n;

	memcpy(dst, s->buf + s->start, got);
	stage_source_consume(s, got);
	return (ssize_t)got;
}

/* A read straight into the caller's memory, waited for. */
static ssize_t read_direct(stage_source *s, uint8_t *dst, size_t n, stage_error *err)
{
	struct pending p = {.active = true};

	if (stage_loop_read(s->loop, s->fd, dst, n, on_read, &p, err) < 0)
		return -1;
	while (!p.done)
		if (stage_loop_run_once(s->loop, -1, err) < 0)
			return -1;
	if (p.result < 0)
		return stage_error_errno(err, (int)-p.result, "read");
	if (p.result == 0)
		s->eof = s->drained = true;
	s->consumed += (uint64_t)p.result;
	return (ssize_t)p.result;
}

ssize_t stage_source_read(stage_source *s, void *dst, size_t n, stage_error *err)
{
	uint8_t *out = dst;
	size_t got = (size_t)copy_buffered(s, out, n);

	if (got < n && s->ahead.active) {
		if (settle(s, err) < 0)
			return -1;
		got += (size_t)copy_buffered(s, out + got, n - got);
	}
	while (got < n && !s->eof) {
		ssize_t r;

		if (n - got < s->cap / 2) {
			r = stage_source_peek(s, n - got, err);
			if (r < 0)
				return -1;
			got += (size_t)copy_buffered(s, out + got, n - got);
			break;
		}
		r = read_direct(s, out + got, n - got, err);
		if (r < 0)
			return -1;
		got += (size_t)r;
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
