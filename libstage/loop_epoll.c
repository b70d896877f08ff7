/* epoll backend of the event loop, for where io_uring cannot run. Sockets
 * and pipes wait for readiness; reads on them then return at once. What
 * epoll cannot wait for goes to a helper thread: regular files (epoll
 * refuses them) and writes to blocking descriptors, which we must not make
 * non-blocking because other processes share them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "loop_internal.h"
#include "stage_internal.h"

/* Per descriptor: the operation waiting for input and the one waiting for
 * output (the front allows one of each). */
struct fd_waiters {
	struct stage__op *in, *out;
};

struct epoll_state {
	int epfd;
	struct fd_waiters *fds;
	size_t nfds;
};

static int epoll_init(stage_loop *l, char *why, size_t whylen)
{
	struct epoll_state *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		snprintf(why, whylen, "epoll_create1: %s", strerror(errno));
		free(s);
		return -1;
	}
	stage__loop_set_backend_state(l, s);
	return 0;
}

static void epoll_release(stage_loop *l)
{
	struct epoll_state *s = stage__loop_backend_state(l);

	close(s->epfd);
	free(s->fds);
	free(s);
}

static int64_t blocking_io(struct stage__op *op)
{
	ssize_t n;

	do {
		if (op->kind == OP_READ)
			n = read(op->fd, op->buf, op->len);
		else
			n = writev(op->fd, op->iov, op->niov > 1024 ? 1024 : op->niov);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Tries the operation now; returns 1 when it completed (result in *res). */
static int try_now(struct stage__op *op, int64_t *res)
{
	ssize_t n;

	if (op->kind == OP_READ)
		n = read(op->fd, op->buf, op->len);
	else
		n = writev(op->fd, op->iov, op->niov > 1024 ? 1024 : op->niov);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	*res = n < 0 ? -errno : n;
	return 1;
}

static struct fd_waiters *waiters(struct epoll_state *s, int fd)
{
	if ((size_t)fd >= s->nfds) {
		size_t n = s->nfds ? s->nfds : 64;
		struct fd_waiters *w;

		while (n <= (size_t)fd)
			n *= 2;
		w = realloc(s->fds, n * sizeof(*w));
		if (!w)
			return NULL;
		memset(w + s->nfds, 0, (n - s->nfds) * sizeof(*w));
		s->fds = w;
		s->nfds = n;
	}
	return &s->fds[fd];
}

static int update(struct epoll_state *s, int fd, struct fd_waiters *w, bool was_registered)
{
	struct epoll_event ev = {.data.fd = fd};

	if (w->in)
		ev.events |= (uint32_t)(w->in->kind == OP_WATCH ? (unsigned)w->in->events : EPOLLIN);
	if (w->out)
		ev.events |= (uint32_t)(w->out->kind == OP_WATCH ? (unsigned)w->out->events : EPOLLOUT);
	if (!ev.events)
		return was_registered ? epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL) : 0;
	/* A descriptor closed while a cancelled watch still sat in the table
	 * left epoll silently, and its number may be back as a new socket:
	 * the table and epoll then disagree, so try the other verb. */
	if (epoll_ctl(s->epfd, was_registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) == 0)
		return 0;
	if (errno != (was_registered ? ENOENT : EEXIST))
		return -1;
	return epoll_ctl(s->epfd, was_registered ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

static bool wants_thread(struct stage__op *op)
{
	struct stat st;
	int flags;

	if (op->kind != OP_READ && op->kind != OP_WRITEV)
		return false;
	if (fstat(op->fd, &st) == 0 && S_ISREG(st.st_mode))
		return true;
	flags = fcntl(op->fd, F_GETFL);
	return op->kind == OP_WRITEV && flags >= 0 && !(flags & O_NONBLOCK);
}

static int epoll_start(stage_loop *l, struct stage__op *op, stage_error *err)
{
	struct epoll_state *s = stage__loop_backend_state(l);
	struct fd_waiters *w;
	bool registered;

	if (op->kind == OP_TIMER)
		return 0; /* found by epoll_wait's scan of the pending list */
	if (wants_thread(op))
		return stage__loop_offload(l, op, blocking_io, err);
	w = waiters(s, op->fd);
	if (!w)
		return stage_error_oom(err, "epoll loop");
	registered = w->in || w->out;
	if ((op->kind == OP_WATCH && !(op->events & POLLOUT)) || op->kind == OP_READ)
		w->in = op;
	else
		w->out = op;
	if (update(s, op->fd, w, registered) < 0) {
		int e = errno;

		if (w->in == op)
			w->in = NULL;
		else
			w->out = NULL;
		if (e == EPERM)
			return stage__loop_offload(l, op, blocking_io, err);
		return stage_error_errno(err, e, "epoll_ctl");
	}
	return 0;
}

static void forget(struct epoll_state *s, struct stage__op *op)
{
	struct fd_waiters *w;

	if (op->kind == OP_TIMER || op->offloaded || (size_t)op->fd >= s->nfds)
		return;
	w = &s->fds[op->fd];
	if (w->in == op)
		w->in = NULL;
	else if (w->out == op)
		w->out = NULL;
	else
		return;
	update(s, op->fd, w, true);
}

static void epoll_cancel(stage_loop *l, struct stage__op *op)
{
	(void)l;
	(void)op; /* completed with -ECANCELED by the next epoll_wait */
}

#define BATCH 64

struct completion {
	struct stage__op *op;
	int64_t res;
};

/* Cancelled operations and expired timers; the nearest deadline. */
static int scan_pending(stage_loop *l, struct completion *done, int max, uint64_t now,
                        uint64_t *deadline)
{
	int n = 0;

	for (struct stage__op *op = stage__loop_first(l); op && n < max; op = op->next) {
		if (op->offloaded)
			continue;
		if (op->cancelled)
			done[n++] = (struct completion){op, -ECANCELED};
		else if (op->kind == OP_TIMER && op->deadline_ns <= now)
			done[n++] = (struct completion){op, 0};
		else if (op->kind == OP_TIMER && op->deadline_ns < *deadline)
			*deadline = op->deadline_ns;
	}
	return n;
}

static int epoll_wait_once(stage_loop *l, int64_t timeout_ns, stage_error *err)
{
	struct epoll_state *s = stage__loop_backend_state(l);
	struct epoll_event ev[BATCH];
	struct completion done[2 * BATCH];
	uint64_t now = stage_now_ns(), deadline = UINT64_MAX;
	int n, nev;
	struct timespec ts, *tsp = NULL;

	n = scan_pending(l, done, BATCH, now, &deadline);
	if (n)
		timeout_ns = 0;
	if (deadline != UINT64_MAX && (timeout_ns < 0 || (uint64_t)timeout_ns > deadline - now))
		timeout_ns = (int64_t)(deadline - now);
	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tsp = &ts;
	}
	nev = epoll_pwait2(s->epfd, ev, BATCH, tsp, NULL);
	if (nev < 0 && errno != EINTR)
		return stage_error_errno(err, errno, "epoll_wait");
	for (int i = 0; i < nev; i++) {
		struct fd_waiters *w = &s->fds[ev[i].data.fd];
		uint32_t e = ev[i].events;
		struct stage__op *ops[2] = {w->in, w->out};

		for (int k = 0; k < 2; k++) {
			struct stage__op *op = ops[k];
			int64_t res;

			if (!op || op->cancelled)
				continue;
			if (k == 0 && !(e & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			if (k == 1 && !(e & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
				continue;
			if (op->kind == OP_WATCH)
				res = (int64_t)(e & (uint32_t)(op->events | POLLHUP | POLLERR));
			else if (!try_now(op, &res))
				continue;
			done[n++] = (struct completion){op, res};
		}
	}
	for (int i = 0; i < n; i++)
		forget(s, done[i].op);
	for (int i = 0; i < n; i++)
		stage__loop_complete(l, done[i].op, done[i].res);
	return n;
}

const struct stage__loop_backend stage__loop_epoll = {
	.name = "epoll",
	.init = epoll_init,
	.release = epoll_release,
	.start = epoll_start,
	.cancel = epoll_cancel,
	.wait = epoll_wait_once,
};
