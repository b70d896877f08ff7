/* Batches of an input spread over a worker pool, for stages that fold
 * them into per-worker states and merge those at the end. */
#include <stdlib.h>

#include "stage.h"
#include "stage_pool.h"

struct job {
	stage_batch *batch;
	int64_t row_base;
};

struct aggregate {
	stage_batch_fn fn;
	void *ctx;
};

static int run_job(void *ctx, int worker, void *item, void **result, stage_error *err)
{
	struct aggregate *a = ctx;
	struct job *j = item;

	*result = j;
	return a->fn(a->ctx, worker, j->batch, j->row_base, err);
}

/* Takes one finished job (waiting for it) and frees it. */
static int take_job(stage_pool *pool, stage_error *err)
{
	void *done = NULL;
	int rc = stage_pool_take(pool, &done, err);

	if (done) {
		stage_batch_free(((struct job *)done)->batch);
		free(done);
	}
	return rc;
}

int stage_input_aggregate(stage_input *in, int workers, stage_batch_fn fn, void *ctx,
                          int64_t *rows, stage_error *err)
{
	struct aggregate a = {.fn = fn, .ctx = ctx};
	stage_pool *pool = NULL;
	stage_batch *b;
	int rc;

	if (stage_pool_new(&pool, stage_workers(workers), false, run_job, &a, err) < 0)
		return -1;
	while ((rc = stage_input_next(in, &b, err)) > 0) {
		struct job *j = malloc(sizeof *j);

		if (!j) {
			stage_batch_free(b);
			rc = stage_error_oom(err, "job");
			break;
		}
		*j = (struct job){.batch = b, .row_base = *rows};
		*rows += b->nrows;
		if ((stage_pool_full(pool) && take_job(pool, err) < 0) ||
		    stage_pool_submit(pool, j, err) < 0) {
			stage_batch_free(b);
			free(j);
			rc = -1;
			break;
		}
	}
	/* Every job comes back, also after an error, so that none leaks; the
	 * first error is the one reported. */
	while (stage_pool_pending(pool)) {
		stage_error later = {0};

		if (take_job(pool, rc < 0 ? &later : err) < 0)
			rc = -1;
	}
	stage_pool_free(pool);
	return rc;
}
