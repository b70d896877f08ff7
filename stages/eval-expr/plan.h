/* eval-expr's back end: compiles the checked tree (ast.h) into a typed
 * register program once, then runs it over batches, block by block (about
 * 2048 rows, registers reused), on disjoint row ranges of one batch from
 * several threads at once.
 *
 * Use, per input batch:
 *   ev_job *job;  ev_job_begin(plan, batch, &job, err);
 *   split [0, batch->nrows) into ranges at multiples of EV_RANGE_ALIGN and
 *   run ev_job_range(plan, scratch_of_this_thread, job, start, end, err)
 *   for each, on any threads; then ev_job_finish(plan, job, &out, err)
 *   on one thread.
 *
 * Ownership: the plan owns its program (the tree may be freed after
 * compiling); a job holds a reference to its input batch until finished or
 * freed; the output batch belongs to the caller. */
#ifndef EVAL_PLAN_H
#define EVAL_PLAN_H

#include "ast.h"
#include "stage.h"

/* Range starts are multiples of this (whole bytes of validity bitmaps). */
#define EV_RANGE_ALIGN 64

typedef struct ev_plan ev_plan;
typedef struct ev_scratch ev_scratch;
typedef struct ev_job ev_job;

/* Compiles; a bad regex is reported here, with its source position
 * (status USAGE). */
int ev_plan_compile(const ev_ast *ast, const stage_schema *in, ev_plan **out, stage_error *err);
/* The output schema (its metadata copied from the input's). */
const stage_schema *ev_plan_schema(const ev_plan *p);
void ev_plan_free(ev_plan *p);

/* One per thread that runs ranges. */
ev_scratch *ev_scratch_new(const ev_plan *p, stage_error *err);
void ev_scratch_free(ev_scratch *s);

int ev_job_begin(const ev_plan *p, stage_batch *in, ev_job **out, stage_error *err);
/* Computes rows [start, end) of the job's batch; ranges of one job may run
 * concurrently when they do not overlap. */
int ev_job_range(const ev_plan *p, ev_scratch *s, ev_job *job, int64_t start, int64_t end,
                 stage_error *err);
/* The output batch: the rows --where kept (all rows without one), possibly
 * none, in input order. Frees the job. */
int ev_job_finish(const ev_plan *p, ev_job *job, stage_batch **out, stage_error *err);
/* Frees a job that will not be finished (an error in one of its ranges). */
void ev_job_free(ev_job *job);

#endif
