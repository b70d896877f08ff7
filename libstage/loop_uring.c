/* io_uring backend of the event loop (liburing). One ring per loop, made
 * after any fork; no SQPOLL (a polling kernel thread per stage would burn a
 * core on 2-core machines). Completions are drained before the loop ends. */
#include <errno.h>
#include <poll.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "loop_internal.h"
#include "stage_internal.h"

#define RING_ENTRIES 256

struct uring_state {
	struct io_uring ring;
};

static int sysctl_disabled(char *why, size_t whylen)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	int v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	if (v == 2) {
		snprintf(why, whylen, "the sysctl kernel.io_uring_disabled is 2");
		return 1;
	}
	return 0;
}

static int create_ring(struct io_uring *ring, char *why, size_t whylen)
{
	struct io_uring_params p = {0};
	int rc;

	/* Optional flags first; kernels before 6.0 reject them with EINVAL. */
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
	rc = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
	if (rc == -EINVAL) {
		memset(&p, 0, sizeof(p));
		rc = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
	}
	if (rc < 0) {
		snprintf(why, whylen, "io_uring_setup: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

static int check_opcodes(struct io_uring *ring, char *why, size_t whylen)
{
	static const struct { int op; const char *name; } needed[] = {
		{IORING_OP_READ, "read"},         {IORING_OP_WRITEV, "writev"},
		{IORING_OP_TIMEOUT, "timeout"},   {IORING_OP_POLL_ADD, "poll_add"},
		{IORING_OP_ASYNC_CANCEL, "async_cancel"},
	};
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);

	if (!probe) {
		snprintf(why, whylen, "cannot probe io_uring opcodes");
		return -1;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (!io_uring_opcode_supported(probe, needed[i].op)) {
			snprintf(why, whylen, "io_uring lacks the %s opcode", needed[i].name);
			io_uring_free_probe(probe);
			return -1;
		}
	}
	io_uring_free_probe(probe);
	return 0;
}

/* A one-byte round trip through a pipe: seccomp profiles and emulators
 * exist that let io_uring_setup succeed and then fail every request. */
static int round_trip(struct io_uring *ring, char *why, size_t whylen)
{
	int fds[2], rc = -1;
	char out = 'x', in = 0;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {.tv_sec = 1};

	if (pipe(fds) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (write(fds[1], &out, 1) != 1)
		goto done;
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, fds[0], &in, 1, (uint64_t)-1);
	io_uring_sqe_set_data64(sqe, 1);
	rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, NULL);
	if (rc < 0) {
		snprintf(why, whylen, "io_uring_enter: %s", strerror(-rc));
		rc = -1;
		goto done;
	}
	if (cqe->res != 1 || in != 'x') {
		snprintf(why, whylen, "a test read through io_uring failed: %s",
		         cqe->res < 0 ? strerror(-cqe->res) : "wrong data");
		rc = -1;
	} else {
		rc = 0;
	}
	io_uring_cqe_seen(ring, cqe);
done:
	close(fds[0]);
	close(fds[1]);
	if (rc < 0 && !*why)
		snprintf(why, whylen, "the io_uring test read failed");
	return rc;
}

static int uring_init(stage_loop *l, char *why, size_t whylen)
{
	struct uring_state *s = calloc(1, sizeof(*s));

	*why = '\0';
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (getenv("PIPESTAGE_IO_SIMULATE_RING_FAILURE")) {
		snprintf(why, whylen, "io_uring_setup: %s (simulated)", strerror(ENOSYS));
		free(s);
		return -1;
	}
	if (sysctl_disabled(why, whylen) || create_ring(&s->ring, why, whylen) < 0) {
		free(s);
		return -1;
	}
	if (check_opcodes(&s->ring, why, whylen) < 0 || round_trip(&s->ring, why, whylen) < 0) {
		io_uring_queue_exit(&s->ring);
		free(s);
		return -1;
	}
	stage__loop_set_backend_state(l, s);
	return 0;
}

static void uring_release(stage_loop *l)
{
	struct uring_state *s = stage__loop_backend_state(l);

	io_uring_queue_exit(&s->ring);
	free(s);
}

static struct io_uring_sqe *get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	return sqe;
}

static int uring_start(stage_loop *l, struct stage__op *op, stage_error *err)
{
	struct uring_state *s = stage__loop_backend_state(l);
	struct io_uring_sqe *sqe = get_sqe(&s->ring);

	if (!sqe)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "io_uring submission queue full");
	switch (op->kind) {
	case OP_READ:
		io_uring_prep_read(sqe, op->fd, op->buf, (unsigned)(op->len > 1u << 30 ? 1u << 30 : op->len),
		                   (uint64_t)-1);
		break;
	case OP_WRITEV:
		io_uring_prep_writev(sqe, op->fd, op->iov, (unsigned)(op->niov > 1024 ? 1024 : op->niov),
		                     (uint64_t)-1);
		break;
	case OP_TIMER:
		io_uring_prep_timeout(sqe, &op->ts, 0, 0);
		break;
	case OP_WATCH:
		io_uring_prep_poll_add(sqe, op->fd, (unsigned)op->events);
		break;
	}
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

static void uring_cancel(stage_loop *l, struct stage__op *op)
{
	struct uring_state *s = stage__loop_backend_state(l);
	struct io_uring_sqe *sqe = get_sqe(&s->ring);

	if (!sqe)
		return;
	io_uring_prep_cancel(sqe, op, 0);
	io_uring_sqe_set_data(sqe, NULL);
}

static int uring_wait(stage_loop *l, int64_t timeout_ns, stage_error *err)
{
	struct uring_state *s = stage__loop_backend_state(l);
	struct __kernel_timespec ts, *tsp = NULL;
	struct io_uring_cqe *cqe;
	struct { struct stage__op *op; int64_t res; } done[64];
	int n = 0, seen = 0, rc;
	unsigned head;

	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tsp = &ts;
	}
	rc = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, tsp, NULL);
	if (rc < 0 && rc != -ETIME && rc != -EINTR)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "io_uring_enter: %s", strerror(-rc));
	/* Copy out first: a callback may submit, and must not see these CQEs. */
	io_uring_for_each_cqe(&s->ring, head, cqe) {
		if (n == (int)(sizeof(done) / sizeof(done[0])))
			break;
		if (cqe->user_data) {
			done[n].op = io_uring_cqe_get_data(cqe);
			done[n].res = cqe->res;
			n++;
		}
		seen++;
	}
	io_uring_cq_advance(&s->ring, (unsigned)seen);
	for (int i = 0; i < n; i++)
		stage__loop_complete(l, done[i].op, done[i].res);
	return n;
}

const struct stage__loop_backend stage__loop_uring = {
	.name = "io_uring",
	.init = uring_init,
	.release = uring_release,
	.start = uring_start,
	.cancel = uring_cancel,
	.wait = uring_wait,
};
