/* The event loop every stage does its I/O through: reads, whole writes,
 * timers, readiness watches and work posted from other threads, on io_uring
 * or, where io_uring cannot run, on epoll. The backend is chosen once per
 * loop from PIPESTAGE_IO=auto|uring|epoll.
 *
 * Rules the loop enforces: at most one read and one write in flight per
 * descriptor (two writes in flight on one pipe can reorder data); it never
 * changes the flags of a descriptor it did not open; every operation ends
 * with exactly one callback, also when cancelled (-ECANCELED) or when the
 * loop is freed with it still pending. Callbacks run on the loop's thread,
 * inside stage_loop_run(). Buffers passed in must stay valid until the
 * operation's callback ran. */
#ifndef STAGE_LOOP_H
#define STAGE_LOOP_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "stage_error.h"

typedef struct stage_loop stage_loop;

/* CLOCK_MONOTONIC in nanoseconds: the clock of the loop's timers, of
 * stage_input_next_until()'s deadlines and of --stats. */
uint64_t stage_now_ns(void);

/* result: bytes transferred, 0 for an expired timer or a watch that fired
 * (see revents), or a negative errno. */
typedef void (*stage_loop_cb)(void *arg, int64_t result);

/* The process's loop, which stage_source and stage_sink use: made at the
 * first use (so after any fork) and freed, drained, at exit. */
stage_loop *stage_io_loop(stage_error *err);

/* Reads PIPESTAGE_IO. AUTO falls back to epoll silently (the reason is in
 * stage_loop_note()); a forced "uring" that cannot start fails with status
 * USAGE and says how to fix it. */
int stage_loop_new(stage_loop **out, stage_error *err);
/* Runs the remaining operations' callbacks with -ECANCELED, then frees. */
void stage_loop_free(stage_loop *l);
/* "io_uring" or "epoll". */
const char *stage_loop_backend(const stage_loop *l);
/* Why AUTO fell back to epoll, or NULL (for -v). */
const char *stage_loop_note(const stage_loop *l);

/* Operation ids, for stage_loop_cancel(). Negative on error (err set). */
int64_t stage_loop_read(stage_loop *l, int fd, void *buf, size_t len, stage_loop_cb cb,
                        void *arg, stage_error *err);
/* Writes all of iov (short writes are resubmitted); the callback gets the
 * total, or a negative errno (-EPIPE when downstream closed). The iovec
 * array is copied; the memory it points to is not. */
int64_t stage_loop_writev(stage_loop *l, int fd, const struct iovec *iov, int niov,
                          stage_loop_cb cb, void *arg, stage_error *err);
int64_t stage_loop_timer(stage_loop *l, uint64_t ns, stage_loop_cb cb, void *arg,
                         stage_error *err);
/* One-shot readiness of fd for events (POLLIN, POLLOUT); the callback gets
 * the poll revents as result. */
int64_t stage_loop_watch(stage_loop *l, int fd, short events, stage_loop_cb cb, void *arg,
                         stage_error *err);
/* Cancels a pending operation: its callback runs with -ECANCELED (or with
 * its result if it completed first). */
void stage_loop_cancel(stage_loop *l, int64_t id);
/* Thread-safe: runs cb(arg, 0) on the loop's thread. */
int stage_loop_post(stage_loop *l, stage_loop_cb cb, void *arg, stage_error *err);

/* Waits for completions and runs their callbacks, once (at most timeout_ns;
 * negative: no limit). Returns the number of callbacks run, or -1. */
int stage_loop_run_once(stage_loop *l, int64_t timeout_ns, stage_error *err);
/* Operations not yet completed (posts included). */
size_t stage_loop_pending(const stage_loop *l);

#endif
