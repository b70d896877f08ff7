/* A pool of worker threads for per-batch CPU work. Items go in with
 * stage_pool_submit() and results come back with stage_pool_take() in the
 * order they were submitted (unless the pool is unordered), so output order
 * equals input order whatever the thread timing.
 *
 * Aggregating stages keep one partial state per worker (the job function
 * gets the worker's number) and merge the states at the end, the same merge
 * that combines partial states from other machines.
 *
 * Ownership: the pool never frees items or results; an item belongs to the
 * job function from submit until it returns, a result to the caller of take. */
#ifndef STAGE_POOL_H
#define STAGE_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "stage_error.h"

/* Runs on worker thread number `worker` (0 .. workers-1): turns item into
 * *result. Returns 0, or -1 with err set; the error comes out of take. */
typedef int (*stage_pool_fn)(void *ctx, int worker, void *item, void **result,
                             stage_error *err);

typedef struct stage_pool stage_pool;

/* The number of workers for -j requested: itself, or for 0 or less one
 * per online CPU. */
int stage_workers(int requested);
/* workers <= 0 means one per online CPU. */
int stage_pool_new(stage_pool **out, int workers, bool ordered, stage_pool_fn fn, void *ctx,
                   stage_error *err);
int stage_pool_workers(const stage_pool *p);
/* True when submit would have to wait: take a result first. */
bool stage_pool_full(const stage_pool *p);
/* Queues an item. Returns 0, or -1 when the pool is full. */
int stage_pool_submit(stage_pool *p, void *item, stage_error *err);
/* Waits for the next result. Returns 1 with *result, 0 when nothing is in
 * flight, -1 when that item's job failed (its error is in err; its result,
 * if any, is in *result for the caller to free). */
int stage_pool_take(stage_pool *p, void **result, stage_error *err);
/* Like stage_pool_take, but returns 0 at once when the next result is not
 * ready yet. */
int stage_pool_try_take(stage_pool *p, void **result, stage_error *err);
/* Items submitted and not yet taken. */
size_t stage_pool_pending(const stage_pool *p);
/* Stops the workers; results not taken are dropped (not freed). */
void stage_pool_free(stage_pool *p);

#endif
