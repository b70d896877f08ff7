/* What the event-loop front (loop.c) and its backends (loop_uring.c,
 * loop_epoll.c) share: the operation record and the backend interface. */
#ifndef STAGE_LOOP_INTERNAL_H
#define STAGE_LOOP_INTERNAL_H

#include <linux/time_types.h>
#include <stdbool.h>

#include "stage_loop.h"

enum stage__op_kind { OP_READ, OP_WRITEV, OP_TIMER, OP_WATCH };

struct stage__op {
	int64_t id;
	enum stage__op_kind kind;
	int fd;
	void *buf;             /* read */
	size_t len;
	struct iovec *iov;     /* writev: the part not yet written */
	struct iovec *iov_mem; /* writev: the copy of the caller's vector */
	int niov;
	size_t written, total;
	struct __kernel_timespec ts; /* timer; stable storage for io_uring */
	uint64_t deadline_ns;  /* timer, epoll backend */
	short events;          /* watch */
	stage_loop_cb cb;
	void *arg;
	bool cancelled;
	bool internal;         /* the loop's own wake-up read: not counted pending */
	bool offloaded;        /* running on a helper thread */
	int64_t thread_result; /* epoll backend: result from a helper thread */
	struct stage__op *prev, *next;
};

struct stage__loop_backend {
	const char *name;
	/* Returns 0, or -1 with the reason in why (for the fallback note). */
	int (*init)(stage_loop *l, char *why, size_t whylen);
	void (*release)(stage_loop *l);
	int (*start)(stage_loop *l, struct stage__op *op, stage_error *err);
	void (*cancel)(stage_loop *l, struct stage__op *op);
	/* Waits up to timeout_ns (< 0: no limit) and completes what finished. */
	int (*wait)(stage_loop *l, int64_t timeout_ns, stage_error *err);
};

extern const struct stage__loop_backend stage__loop_uring;
extern const struct stage__loop_backend stage__loop_epoll;

/* Backend state, owned by the backend. */
void *stage__loop_backend_state(stage_loop *l);
void stage__loop_set_backend_state(stage_loop *l, void *state);

/* The pending operations, newest first (linked by next). */
struct stage__op *stage__loop_first(stage_loop *l);

/* Called by a backend when op finished with result (bytes or -errno). */
void stage__loop_complete(stage_loop *l, struct stage__op *op, int64_t result);

/* Runs fn(arg) on a helper thread, then completes op on the loop's thread
 * with the value fn returned: for blocking I/O the epoll backend cannot wait
 * for (regular files, blocking pipes it must not make non-blocking). */
int stage__loop_offload(stage_loop *l, struct stage__op *op, int64_t (*fn)(struct stage__op *),
                        stage_error *err);


#endif
