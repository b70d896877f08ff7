#include "body_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct fc_body_writer {
	fc_store *store;
	stage_loop *loop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;
	fc_body_write *head, *tail;
	bool stopping;
};

static void on_loop(void *arg, int64_t result)
{
	fc_body_write *w = arg;

	(void)result;
	w->done(w);
}

static void write_one(fc_body_writer *bw, fc_body_write *w)
{
	char tmp[4096];
	const char *p = w->body;
	size_t left = w->len;
	int fd;

	if (fc_body_tmp(bw->store, &fd, tmp, sizeof(tmp), &w->err) < 0) {
		w->failed = true;
		return;
	}
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			stage_error_errno(&w->err, errno, tmp);
			fc_body_discard(fd, tmp);
			w->failed = true;
			return;
		}
		p += n;
		left -= (size_t)n;
	}
	w->failed = fc_body_publish(bw->store, fd, tmp, w->digest, &w->err) < 0;
}

/* Posting fails only when memory is short: wait for some to come back
 * rather than lose the callback. */
static void hand_back(fc_body_writer *bw, fc_body_write *w)
{
	stage_error ignored;

	while (stage_loop_post(bw->loop, on_loop, w, &ignored) < 0)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
}

static void *writer_main(void *arg)
{
	fc_body_writer *bw = arg;

	pthread_mutex_lock(&bw->lock);
	for (;;) {
		fc_body_write *w = bw->head;

		if (!w) {
			if (bw->stopping)
				break;
			pthread_cond_wait(&bw->work, &bw->lock);
			continue;
		}
		bw->head = w->next;
		if (!bw->head)
			bw->tail = NULL;
		pthread_mutex_unlock(&bw->lock);
		write_one(bw, w);
		hand_back(bw, w);
		pthread_mutex_lock(&bw->lock);
	}
	pthread_mutex_unlock(&bw->lock);
	return NULL;
}

int fc_body_writer_start(fc_body_writer **out, fc_store *s, stage_loop *l, stage_error *err)
{
	fc_body_writer *bw = calloc(1, sizeof(*bw));
	int rc;

	if (!bw)
		return stage_error_oom(err, "body writer");
	bw->store = s;
	bw->loop = l;
	pthread_mutex_init(&bw->lock, NULL);
	pthread_cond_init(&bw->work, NULL);
	rc = pthread_create(&bw->thread, NULL, writer_main, bw);
	if (rc) {
		pthread_cond_destroy(&bw->work);
		pthread_mutex_destroy(&bw->lock);
		free(bw);
		return stage_error_errno(err, rc, "starting the body writer");
	}
	*out = bw;
	return 0;
}

void fc_body_writer_push(fc_body_writer *bw, fc_body_write *w)
{
	w->next = NULL;
	w->failed = false;
	pthread_mutex_lock(&bw->lock);
	if (bw->tail)
		bw->tail->next = w;
	else
		bw->head = w;
	bw->tail = w;
	pthread_cond_signal(&bw->work);
	pthread_mutex_unlock(&bw->lock);
}

void fc_body_writer_stop(fc_body_writer *bw)
{
	if (!bw)
		return;
	pthread_mutex_lock(&bw->lock);
	bw->stopping = true;
	pthread_cond_signal(&bw->work);
	pthread_mutex_unlock(&bw->lock);
	pthread_join(bw->thread, NULL);
	pthread_cond_destroy(&bw->work);
	pthread_mutex_destroy(&bw->lock);
	free(bw);
}
