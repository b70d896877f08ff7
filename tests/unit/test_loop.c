/* Event loop, on both backends: short writes into a full pipe, one read per
 * descriptor, timers, watches, posts from other threads, cancellation,
 * regular files, EPIPE, and the io_uring probe falling back. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stage_loop.h"
#include "run_suite.h"

static const char *const backends[] = {"uring", "epoll"};

static stage_loop *new_loop(int backend)
{
	stage_loop *l;
	stage_error err;

	setenv("PIPESTAGE_IO", backends[backend], 1);
	ck_assert_msg(stage_loop_new(&l, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(stage_loop_backend(l), backend == 0 ? "io_uring" : "epoll");
	return l;
}

static void run_until(stage_loop *l, const int *flag)
{
	stage_error err;

	while (!*flag)
		ck_assert_int_ge(stage_loop_run_once(l, -1, &err), 0);
}

struct io_state {
	int64_t result;
	int done;
};

static void on_io(void *arg, int64_t result)
{
	struct io_state *s = arg;

	s->result = result;
	s->done++;
}

/* Reader side of the pipe test: keeps one read in flight until EOF. */
struct reader {
	stage_loop *loop;
	int fd;
	unsigned char *buf;
	size_t got, cap;
	int eof;
};

static void on_read(void *arg, int64_t result)
{
	struct reader *r = arg;
	stage_error err;

	ck_assert_int_ge(result, 0);
	if (result == 0) {
		r->eof = 1;
		return;
	}
	r->got += (size_t)result;
	ck_assert(stage_loop_read(r->loop, r->fd, r->buf + r->got,
	                          r->cap - r->got < 100000 ? r->cap - r->got : 100000, on_read, r,
	                          &err) > 0);
}

struct writer_done {
	int fd;
	struct io_state st;
};

static void on_written(void *arg, int64_t result)
{
	struct writer_done *w = arg;

	on_io(&w->st, result);
	close(w->fd);
}

START_TEST(short_writes_into_full_pipe)
{
	stage_loop *l = new_loop(_i);
	size_t n = 4 << 20;
	unsigned char *src = malloc(n);
	struct reader r = {.loop = l, .buf = malloc(n + 1), .cap = n + 1};
	struct writer_done w = {0};
	struct iovec iov[3];
	int fds[2];
	stage_error err;

	for (size_t i = 0; i < n; i++)
		src[i] = (unsigned char)(i * 131 + (i >> 13));
	ck_assert_int_eq(pipe(fds), 0);
	r.fd = fds[0];
	w.fd = fds[1];
	iov[0] = (struct iovec){src, 3};
	iov[1] = (struct iovec){src + 3, n / 2};
	iov[2] = (struct iovec){src + 3 + n / 2, n - 3 - n / 2};
	ck_assert(stage_loop_writev(l, fds[1], iov, 3, on_written, &w, &err) > 0);
	ck_assert(stage_loop_read(l, fds[0], r.buf, 100000, on_read, &r, &err) > 0);
	run_until(l, &r.eof);
	ck_assert_int_eq(w.st.result, (int64_t)n);
	ck_assert_uint_eq(r.got, n);
	ck_assert(memcmp(src, r.buf, n) == 0);
	stage_loop_free(l);
	close(fds[0]);
	free(src);
	free(r.buf);
}
END_TEST

START_TEST(one_read_per_descriptor)
{
	stage_loop *l = new_loop(_i);
	struct io_state a = {0}, b = {0};
	char buf[8];
	int fds[2];
	stage_error err;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert(stage_loop_read(l, fds[0], buf, 4, on_io, &a, &err) > 0);
	ck_assert(stage_loop_read(l, fds[0], buf + 4, 4, on_io, &b, &err) < 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "already has a read in flight"));
	ck_assert_int_eq(write(fds[1], "abcd", 4), 4);
	run_until(l, &a.done);
	ck_assert_int_eq(a.result, 4);
	ck_assert_int_eq(b.done, 0);
	stage_loop_free(l);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static int order[3], norder;

static void on_timer(void *arg, int64_t result)
{
	ck_assert_int_eq(result, 0);
	order[norder++] = (int)(intptr_t)arg;
}

START_TEST(timers_fire_in_deadline_order)
{
	stage_loop *l = new_loop(_i);
	struct io_state cancelled = {0};
	stage_error err;
	int64_t id;

	norder = 0;
	ck_assert(stage_loop_timer(l, 30000000, on_timer, (void *)3, &err) > 0);
	ck_assert(stage_loop_timer(l, 1000000, on_timer, (void *)1, &err) > 0);
	ck_assert(stage_loop_timer(l, 10000000, on_timer, (void *)2, &err) > 0);
	id = stage_loop_timer(l, 5000000000u, on_io, &cancelled, &err);
	ck_assert(id > 0);
	stage_loop_cancel(l, id);
	while (norder < 3 || !cancelled.done)
		ck_assert_int_ge(stage_loop_run_once(l, -1, &err), 0);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(order[2], 3);
	ck_assert_int_eq(cancelled.result, -ECANCELED);
	stage_loop_free(l);
}
END_TEST

START_TEST(watch_reports_readiness)
{
	stage_loop *l = new_loop(_i);
	struct io_state st = {0};
	int fds[2];
	stage_error err;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert(stage_loop_watch(l, fds[0], POLLIN, on_io, &st, &err) > 0);
	ck_assert_int_eq(stage_loop_run_once(l, 20000000, &err), 0);
	ck_assert_int_eq(st.done, 0);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	run_until(l, &st.done);
	ck_assert(st.result & POLLIN);
	stage_loop_free(l);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

struct poster {
	stage_loop *loop;
	struct io_state st;
};

static void *post_from_thread(void *arg)
{
	struct poster *p = arg;
	stage_error err;

	usleep(10000);
	ck_assert_int_eq(stage_loop_post(p->loop, on_io, &p->st, &err), 0);
	return NULL;
}

START_TEST(post_from_another_thread)
{
	struct poster p = {.loop = new_loop(_i)};
	pthread_t t;

	pthread_create(&t, NULL, post_from_thread, &p);
	run_until(p.loop, &p.st.done);
	pthread_join(t, NULL);
	ck_assert_int_eq(p.st.result, 0);
	stage_loop_free(p.loop);
}
END_TEST

START_TEST(cancel_pending_read)
{
	stage_loop *l = new_loop(_i);
	struct io_state st = {0};
	char buf[4];
	int fds[2];
	stage_error err;
	int64_t id;

	ck_assert_int_eq(pipe(fds), 0);
	id = stage_loop_read(l, fds[0], buf, sizeof(buf), on_io, &st, &err);
	ck_assert(id > 0);
	stage_loop_cancel(l, id);
	run_until(l, &st.done);
	ck_assert_int_eq(st.result, -ECANCELED);
	stage_loop_free(l);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(free_cancels_pending)
{
	stage_loop *l = new_loop(_i);
	struct io_state st = {0};
	char buf[4];
	int fds[2];
	stage_error err;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert(stage_loop_read(l, fds[0], buf, sizeof(buf), on_io, &st, &err) > 0);
	stage_loop_free(l);
	ck_assert_int_eq(st.done, 1);
	ck_assert_int_eq(st.result, -ECANCELED);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(regular_file_read)
{
	stage_loop *l = new_loop(_i);
	struct io_state st = {0};
	FILE *f = tmpfile();
	char buf[16] = {0};
	stage_error err;

	fputs("hello file", f);
	fflush(f);
	rewind(f);
	ck_assert(stage_loop_read(l, fileno(f), buf, sizeof(buf), on_io, &st, &err) > 0);
	run_until(l, &st.done);
	ck_assert_int_eq(st.result, 10);
	ck_assert_str_eq(buf, "hello file");
	stage_loop_free(l);
	fclose(f);
}
END_TEST

START_TEST(write_to_closed_pipe_is_epipe)
{
	stage_loop *l = new_loop(_i);
	struct io_state st = {0};
	struct iovec v = {"data", 4};
	int fds[2];
	stage_error err;

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);
	ck_assert(stage_loop_writev(l, fds[1], &v, 1, on_io, &st, &err) > 0);
	run_until(l, &st.done);
	ck_assert_int_eq(st.result, -EPIPE);
	stage_loop_free(l);
	close(fds[1]);
}
END_TEST

START_TEST(uring_probe_falls_back)
{
	stage_loop *l;
	stage_error err = {0};

	setenv("PIPESTAGE_IO_SIMULATE_RING_FAILURE", "1", 1);
	setenv("PIPESTAGE_IO", "auto", 1);
	ck_assert_int_eq(stage_loop_new(&l, &err), 0);
	ck_assert_str_eq(stage_loop_backend(l), "epoll");
	ck_assert_ptr_nonnull(strstr(stage_loop_note(l), "io_uring unavailable"));
	stage_loop_free(l);
	setenv("PIPESTAGE_IO", "uring", 1);
	ck_assert_int_eq(stage_loop_new(&l, &err), -1);
	ck_assert_int_eq(err.status, STAGE_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "PIPESTAGE_IO=epoll"));
	setenv("PIPESTAGE_IO", "bogus", 1);
	ck_assert_int_eq(stage_loop_new(&l, &err), -1);
	ck_assert_int_eq(err.status, STAGE_EXIT_USAGE);
	unsetenv("PIPESTAGE_IO_SIMULATE_RING_FAILURE");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("both backends");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, short_writes_into_full_pipe, 0, 2);
	tcase_add_loop_test(tc, one_read_per_descriptor, 0, 2);
	tcase_add_loop_test(tc, timers_fire_in_deadline_order, 0, 2);
	tcase_add_loop_test(tc, watch_reports_readiness, 0, 2);
	tcase_add_loop_test(tc, post_from_another_thread, 0, 2);
	tcase_add_loop_test(tc, cancel_pending_read, 0, 2);
	tcase_add_loop_test(tc, free_cancels_pending, 0, 2);
	tcase_add_loop_test(tc, regular_file_read, 0, 2);
	tcase_add_loop_test(tc, write_to_closed_pipe_is_epipe, 0, 2);
	tcase_add_test(tc, uring_probe_falls_back);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
