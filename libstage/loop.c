/* Event-loop front: backend choice (PIPESTAGE_IO), operation records, the
 * one-read-one-write-per-descriptor rule, resubmission of short writes,
 * posts from other threads and helper threads for blocking work. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "loop_internal.h"
#include "stage_internal.h"

struct post {
	stage_loop_cb cb;
	void *arg;
	int64_t result;
	struct post *next;
};

/* Shared with helper threads, which may outlive the loop: reference counted.
 * It carries completions to the loop (posts) and blocking jobs to idle
 * helper threads, which wait for more work instead of exiting. */
struct offload;

struct channel {
	pthread_mutex_t lock;
	pthread_cond_t work;
	int refs;
	int efd;
	bool closed;
	struct post *head, *tail;
	struct offload *jobs;
	int idle;
};

struct fd_flags {
	uint8_t *bits; /* bit 0: read in flight, bit 1: write in flight */
	size_t n;
};

struct stage_loop {
	const struct stage__loop_backend *be;
	void *be_state;
	char note[256];
	struct stage__op *ops; /* pending, newest first */
	size_t pending;
	int64_t next_id;
	struct fd_flags inflight;
	struct channel *chan;
	struct stage__op *wake;
	uint64_t wake_buf;
	size_t posts;
	bool closing; /* stage_loop_free: the wake-up read is not re-armed */
};

uint64_t stage_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *stage__loop_backend_state(stage_loop *l)
{
	return l->be_state;
}

void stage__loop_set_backend_state(stage_loop *l, void *state)
{
	l->be_state = state;
}

struct stage__op *stage__loop_first(stage_loop *l)
{
	return l->ops;
}

const char *stage_loop_backend(const stage_loop *l)
{
	return l->be->name;
}

const char *stage_loop_note(const stage_loop *l)
{
	return l->note[0] ? l->note : NULL;
}

size_t stage_loop_pending(const stage_loop *l)
{
	return l->pending + l->posts;
}

static void channel_unref(struct channel *c)
{
	bool last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	while (c->head) {
		struct post *p = c->head;

		c->head = p->next;
		free(p);
	}
	close(c->efd);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->work);
	free(c);
}

static int channel_push(struct channel *c, stage_loop_cb cb, void *arg, int64_t result)
{
	struct post *p = malloc(sizeof(*p));
	uint64_t one = 1;

	if (!p)
		return -1;
	*p = (struct post){cb, arg, result, NULL};
	pthread_mutex_lock(&c->lock);
	if (c->closed) {
		pthread_mutex_unlock(&c->lock);
		free(p);
		return 0;
	}
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	pthread_mutex_unlock(&c->lock);
	/* An eventfd counter only saturates near 2^64: this write cannot block. */
	if (write(c->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

static bool flag_test_set(stage_loop *l, int fd, uint8_t bit, bool set)
{
	struct fd_flags *f = &l->inflight;

	if ((size_t)fd >= f->n) {
		size_t n = f->n ? f->n : 64;
		uint8_t *b;

		while (n <= (size_t)fd)
			n *= 2;
		b = realloc(f->bits, n);
		if (!b)
			return false;
		memset(b + f->n, 0, n - f->n);
		f->bits = b;
		f->n = n;
	}
	if (set && (f->bits[fd] & bit))
		return false;
	if (set)
		f->bits[fd] |= bit;
	else
		f->bits[fd] &= (uint8_t)~bit;
	return true;
}

static uint8_t op_flag(const struct stage__op *op)
{
	if (op->kind == OP_READ)
		return 1;
	if (op->kind == OP_WRITEV)
		return 2;
	return 0;
}

static void unlink_op(stage_loop *l, struct stage__op *op)
{
	if (op->prev)
		op->prev->next = op->next;
	else
		l->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	if (!op->internal)
		l->pending--;
}

void stage__loop_complete(stage_loop *l, struct stage__op *op, int64_t result)
{
	stage_loop_cb cb = op->cb;
	void *arg = op->arg;

	if (op->kind == OP_WRITEV && result > 0 && !op->cancelled) {
		size_t n = (size_t)result;

		op->written += n;
		while (op->niov && n >= op->iov->iov_len) {
			n -= op->iov->iov_len;
			op->iov++;
			op->niov--;
		}
		if (op->niov) {
			stage_error ignored;

			op->iov->iov_base = (char *)op->iov->iov_base + n;
			op->iov->iov_len -= n;
			if (l->be->start(l, op, &ignored) == 0)
				return;
			result = -EIO;
		} else {
			result = (int64_t)op->written;
		}
	}
	if (op->kind == OP_TIMER && result == -ETIME)
		result = 0;
	unlink_op(l, op);
	if (op_flag(op))
		flag_test_set(l, op->fd, op_flag(op), false);
	free(op->iov_mem);
	free(op);
	cb(arg, result);
}

static int64_t start_op(stage_loop *l, struct stage__op *op, stage_error *err)
{
	uint8_t flag = op_flag(op);

	if (flag && !flag_test_set(l, op->fd, flag, true)) {
		stage_error_set(err, STAGE_EXIT_FAILURE, "descriptor %d already has a %s in flight",
		                op->fd, flag == 1 ? "read" : "write");
		free(op->iov_mem);
		free(op);
		return -1;
	}
	op->id = ++l->next_id;
	op->next = l->ops;
	if (l->ops)
		l->ops->prev = op;
	l->ops = op;
	if (!op->internal)
		l->pending++;
	if (l->be->start(l, op, err) < 0) {
		unlink_op(l, op);
		if (flag)
			flag_test_set(l, op->fd, flag, false);
		free(op->iov_mem);
		free(op);
		return -1;
	}
	return op->id;
}

static struct stage__op *new_op(enum stage__op_kind kind, int fd, stage_loop_cb cb, void *arg,
                                stage_error *err)
{
	struct stage__op *op = calloc(1, sizeof(*op));

	if (!op) {
		stage_error_oom(err, "loop operation");
		return NULL;
	}
	op->kind = kind;
	op->fd = fd;
	op->cb = cb;
	op->arg = arg;
	return op;
}

int64_t stage_loop_read(stage_loop *l, int fd, void *buf, size_t len, stage_loop_cb cb,
                        void *arg, stage_error *err)
{
	struct stage__op *op = new_op(OP_READ, fd, cb, arg, err);

	if (!op)
		return -1;
	op->buf = buf;
	op->len = len;
	return start_op(l, op, err);
}

int64_t stage_loop_writev(stage_loop *l, int fd, const struct iovec *iov, int niov,
                          stage_loop_cb cb, void *arg, stage_error *err)
{
	struct stage__op *op = new_op(OP_WRITEV, fd, cb, arg, err);

	if (!op)
		return -1;
	op->iov_mem = malloc(((size_t)niov + 1) * sizeof(*iov));
	if (!op->iov_mem) {
		free(op);
		return stage_error_oom(err, "loop operation");
	}
	memcpy(op->iov_mem, iov, (size_t)niov * sizeof(*iov));
	op->iov = op->iov_mem;
	op->niov = niov;
	for (int i = 0; i < niov; i++)
		op->total += iov[i].iov_len;
	return start_op(l, op, err);
}

int64_t stage_loop_timer(stage_loop *l, uint64_t ns, stage_loop_cb cb, void *arg,
                         stage_error *err)
{
	struct stage__op *op = new_op(OP_TIMER, -1, cb, arg, err);

	if (!op)
		return -1;
	op->ts.tv_sec = (long long)(ns / 1000000000u);
	op->ts.tv_nsec = (long long)(ns % 1000000000u);
	op->deadline_ns = stage_now_ns() + ns;
	return start_op(l, op, err);
}

int64_t stage_loop_watch(stage_loop *l, int fd, short events, stage_loop_cb cb, void *arg,
                         stage_error *err)
{
	struct stage__op *op = new_op(OP_WATCH, fd, cb, arg, err);

	if (!op)
		return -1;
	op->events = events;
	return start_op(l, op, err);
}

void stage_loop_cancel(stage_loop *l, int64_t id)
{
	for (struct stage__op *op = l->ops; op; op = op->next) {
		if (op->id == id && !op->cancelled) {
			op->cancelled = true;
			l->be->cancel(l, op);
			return;
		}
	}
}

int stage_loop_post(stage_loop *l, stage_loop_cb cb, void *arg, stage_error *err)
{
	if (channel_push(l->chan, cb, arg, 0) < 0)
		return stage_error_oom(err, "posting to the loop");
	__atomic_add_fetch(&l->posts, 1, __ATOMIC_RELAXED);
	return 0;
}

static int start_wake(stage_loop *l, stage_error *err);

/* The eventfd became readable: run what other threads posted. */
static void on_wake(void *arg, int64_t result)
{
	stage_loop *l = arg;
	struct post *p;
	stage_error ignored;

	l->wake = NULL;
	pthread_mutex_lock(&l->chan->lock);
	p = l->chan->head;
	l->chan->head = l->chan->tail = NULL;
	pthread_mutex_unlock(&l->chan->lock);
	if (result != -ECANCELED && !l->closing)
		start_wake(l, &ignored);
	while (p) {
		struct post *next = p->next;

		__atomic_sub_fetch(&l->posts, 1, __ATOMIC_RELAXED);
		p->cb(p->arg, p->result);
		free(p);
		p = next;
	}
}

static int start_wake(stage_loop *l, stage_error *err)
{
	struct stage__op *op = new_op(OP_READ, l->chan->efd, on_wake, l, err);

	if (!op)
		return -1;
	op->internal = true;
	op->buf = &l->wake_buf;
	op->len = sizeof(l->wake_buf);
	if (start_op(l, op, err) < 0)
		return -1;
	l->wake = op;
	return 0;
}

struct offload {
	stage_loop *loop;
	struct stage__op *op;
	int64_t (*fn)(struct stage__op *);
	struct offload *next;
};

static void offload_done(void *arg, int64_t result)
{
	struct offload *o = arg;

	o->op->offloaded = false;
	stage__loop_complete(o->loop, o->op, result);
	free(o);
}

/* A helper thread: runs jobs until the loop is gone and no job is left.
 * `idle` counts waiting helpers that no job was promised to; a job is only
 * promised to one of those (see stage__loop_offload), so a count too low
 * costs an extra thread, never a job stuck behind a blocked one. */
static void *helper_main(void *arg)
{
	struct channel *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct offload *o;

		if (!c->jobs) {
			if (c->closed)
				break;
			c->idle++;
			while (!c->jobs && !c->closed)
				pthread_cond_wait(&c->work, &c->lock);
			if (!c->jobs) {
				c->idle--;
				break;
			}
		}
		o = c->jobs;
		c->jobs = o->next;
		pthread_mutex_unlock(&c->lock);
		channel_push(c, offload_done, o, o->fn(o->op));
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	channel_unref(c);
	return NULL;
}

int stage__loop_offload(stage_loop *l, struct stage__op *op, int64_t (*fn)(struct stage__op *),
                        stage_error *err)
{
	struct channel *c = l->chan;
	struct offload *o = malloc(sizeof(*o)), **tail;
	bool spawn;

	if (!o)
		return stage_error_oom(err, "helper thread");
	*o = (struct offload){l, op, fn, NULL};
	op->offloaded = true;
	__atomic_add_fetch(&l->posts, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&c->lock);
	for (tail = &c->jobs; *tail; tail = &(*tail)->next)
		;
	*tail = o;
	/* Each job may block indefinitely (a slow reader of our output), so a
	 * job never waits behind another: without an idle helper, start one. */
	spawn = c->idle == 0;
	if (spawn)
		c->refs++;
	else
		c->idle--;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
	if (spawn) {
		pthread_attr_t attr;
		pthread_t t;
		int rc;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 64 << 10);
		rc = pthread_create(&t, &attr, helper_main, c);
		pthread_attr_destroy(&attr);
		if (rc) {
			pthread_mutex_lock(&c->lock);
			*tail = NULL;
			c->refs--;
			pthread_mutex_unlock(&c->lock);
			op->offloaded = false;
			__atomic_sub_fetch(&l->posts, 1, __ATOMIC_RELAXED);
			free(o);
			return stage_error_errno(err, rc, "starting a helper thread");
		}
	}
	return 0;
}

static const struct stage__loop_backend *choose(const char *env, stage_loop *l,
                                                stage_error *err)
{
	char why[200];

	if (!env || !*env || strcmp(env, "auto") == 0) {
		if (stage__loop_uring.init(l, why, sizeof(why)) == 0)
			return &stage__loop_uring;
		snprintf(l->note, sizeof(l->note), "io_uring unavailable (%s): using epoll", why);
	} else if (strcmp(env, "uring") == 0) {
		if (stage__loop_uring.init(l, why, sizeof(why)) == 0)
			return &stage__loop_uring;
		stage_error_set(err, STAGE_EXIT_USAGE,
		                "PIPESTAGE_IO=uring: io_uring cannot start: %s; allow io_uring_setup "
		                "and io_uring_enter in the seccomp profile, set the sysctl "
		                "kernel.io_uring_disabled=0, or use PIPESTAGE_IO=epoll", why);
		return NULL;
	} else if (strcmp(env, "epoll") != 0) {
		stage_error_set(err, STAGE_EXIT_USAGE,
		                "PIPESTAGE_IO='%s': expected auto, uring or epoll", env);
		return NULL;
	}
	if (stage__loop_epoll.init(l, why, sizeof(why)) == 0)
		return &stage__loop_epoll;
	stage_error_set(err, STAGE_EXIT_FAILURE, "cannot start the epoll loop: %s", why);
	return NULL;
}

int stage_loop_new(stage_loop **out, stage_error *err)
{
	stage_loop *l = calloc(1, sizeof(*l));
	struct channel *c = calloc(1, sizeof(*c));

	if (!l || !c) {
		free(l);
		free(c);
		return stage_error_oom(err, "event loop");
	}
	c->refs = 1;
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0) {
		int e = errno;

		free(l);
		free(c);
		return stage_error_errno(err, e, "eventfd");
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	l->chan = c;
	l->be = choose(getenv("PIPESTAGE_IO"), l, err);
	if (!l->be || start_wake(l, err) < 0) {
		if (l->be)
			l->be->release(l);
		channel_unref(c);
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

int stage_loop_run_once(stage_loop *l, int64_t timeout_ns, stage_error *err)
{
	return l->be->wait(l, timeout_ns, err);
}

void stage_loop_free(stage_loop *l)
{
	stage_error ignored;

	if (!l)
		return;
	for (struct stage__op *op = l->ops; op; op = op->next)
		if (op != l->wake)
			stage_loop_cancel(l, op->id);
	/* Drain: every operation ends with its callback, and the kernel must be
	 * done with our buffers before they are freed. Work of helper threads
	 * arrives through the wake-up read, so that one goes last. */
	while (l->pending || l->posts)
		if (l->be->wait(l, -1, &ignored) < 0)
			break;
	/* A post may complete the wake-up read as it is cancelled: its
	 * callback then must not start another, which nothing would cancel. */
	l->closing = true;
	if (l->wake)
		stage_loop_cancel(l, l->wake->id);
	while (l->wake)
		if (l->be->wait(l, -1, &ignored) < 0)
			break;
	pthread_mutex_lock(&l->chan->lock);
	l->chan->closed = true;
	pthread_cond_broadcast(&l->chan->work);
	pthread_mutex_unlock(&l->chan->lock);
	l->be->release(l);
	channel_unref(l->chan);
	free(l->inflight.bits);
	free(l);
}

static stage_loop *io_loop;

static void free_io_loop(void)
{
	stage_loop_free(io_loop);
	io_loop = NULL;
}

stage_loop *stage_io_loop(stage_error *err)
{
	if (!io_loop) {
		if (stage_loop_new(&io_loop, err) < 0)
			return NULL;
		atexit(free_io_loop);
	}
	return io_loop;
}
