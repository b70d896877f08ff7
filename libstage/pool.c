/* Worker pool with ordered completion: a few slots, each holding one item
 * and its sequence number; workers run queued slots oldest first, the
 * consumer takes done slots in sequence order (or the oldest done slot when
 * unordered). Slot counts are small (two per worker), so scans are cheap. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "stage_internal.h"
#include "stage_pool.h"

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct slot {
	enum slot_state state;
	uint64_t seq;
	void *item, *result;
	int rc;
	stage_error err;
};

struct stage_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	pthread_t *threads;
	int workers;
	bool ordered, stopping;
	stage_pool_fn fn;
	void *ctx;
	struct slot *slots;
	size_t nslots;
	uint64_t next_seq, next_take;
	size_t pending;
};

static struct slot *oldest(stage_pool *p, enum slot_state state)
{
	struct slot *best = NULL;

	for (size_t i = 0; i < p->nslots; i++)
		if (p->slots[i].state == state && (!best || p->slots[i].seq < best->seq))
			best = &p->slots[i];
	return best;
}

struct worker_arg {
	stage_pool *pool;
	int index;
};

static void *worker_main(void *varg)
{
	struct worker_arg *arg = varg;
	stage_pool *p = arg->pool;
	int index = arg->index;

	free(arg);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct slot *s = NULL;

		while (!p->stopping && !(s = oldest(p, SLOT_QUEUED)))
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping)
			break;
		s->state = SLOT_RUNNING;
		pthread_mutex_unlock(&p->lock);
		s->result = NULL;
		s->rc = p->fn(p->ctx, index, s->item, &s->result, &s->err);
		pthread_mutex_lock(&p->lock);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int stage_workers(int requested)
{
	long n;

	if (requested > 0)
		return requested;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int stage_pool_new(stage_pool **out, int workers, bool ordered, stage_pool_fn fn, void *ctx,
                   stage_error *err)
{
	stage_pool *p = calloc(1, sizeof(*p));

	workers = stage_workers(workers);
	if (!p)
		return stage_error_oom(err, "worker pool");
	p->workers = workers;
	p->ordered = ordered;
	p->fn = fn;
	p->ctx = ctx;
	/* Two items per worker keep every worker busy while the consumer
	 * writes; more would only hold memory. */
	p->nslots = 2 * (size_t)workers;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->threads = calloc((size_t)workers, sizeof(*p->threads));
	if (!p->slots || !p->threads) {
		free(p->slots);
		free(p->threads);
		free(p);
		return stage_error_oom(err, "worker pool");
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 0; i < workers; i++) {
		struct worker_arg *arg = malloc(sizeof(*arg));
		int rc;

		if (!arg) {
			p->workers = i;
			stage_pool_free(p);
			return stage_error_oom(err, "worker pool");
		}
		*arg = (struct worker_arg){p, i};
		rc = pthread_create(&p->threads[i], NULL, worker_main, arg);
		if (rc) {
			free(arg);
			p->workers = i;
			stage_pool_free(p);
			return stage_error_errno(err, rc, "starting worker threads");
		}
	}
	*out = p;
	return 0;
}

int stage_pool_workers(const stage_pool *p)
{
	return p->workers;
}

bool stage_pool_full(const stage_pool *p)
{
	return p->pending == p->nslots;
}

size_t stage_pool_pending(const stage_pool *p)
{
	return p->pending;
}

int stage_pool_submit(stage_pool *p, void *item, stage_error *err)
{
	struct slot *s;

	if (stage_pool_full(p))
		return stage_error_set(err, STAGE_EXIT_FAILURE, "worker pool is full");
	pthread_mutex_lock(&p->lock);
	for (s = p->slots; s->state != SLOT_FREE; s++)
		;
	s->item = item;
	s->seq = p->next_seq++;
	s->state = SLOT_QUEUED;
	p->pending++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* The slot to hand out next, or NULL when none is done yet. */
static struct slot *ready_slot(stage_pool *p)
{
	struct slot *s = oldest(p, SLOT_DONE);

	if (p->ordered && s && s->seq != p->next_take)
		return NULL;
	return s;
}

static int take(stage_pool *p, bool wait, void **result, stage_error *err)
{
	struct slot *s;
	int rc;

	if (p->pending == 0)
		return 0;
	pthread_mutex_lock(&p->lock);
	while (!(s = ready_slot(p))) {
		if (!wait) {
			pthread_mutex_unlock(&p->lock);
			return 0;
		}
		pthread_cond_wait(&p->done, &p->lock);
	}
	*result = s->result;
	rc = s->rc;
	if (rc < 0 && err)
		*err = s->err;
	s->state = SLOT_FREE;
	p->next_take++;
	p->pending--;
	pthread_mutex_unlock(&p->lock);
	return rc < 0 ? -1 : 1;
}

int stage_pool_take(stage_pool *p, void **result, stage_error *err)
{
	return take(p, true, result, err);
}

int stage_pool_try_take(stage_pool *p, void **result, stage_error *err)
{
	return take(p, false, result, err);
}

void stage_pool_free(stage_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->workers; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->threads);
	free(p->slots);
	free(p);
}
