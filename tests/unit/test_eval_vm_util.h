/* Helpers for the eval-expr back-end tests: run expressions over an
 * in-memory batch through the front end, the compiler and a job, and read
 * the result's columns by name. */
#ifndef TEST_EVAL_VM_UTIL_H
#define TEST_EVAL_VM_UTIL_H

#include <check.h>
#include <math.h>
#include <string.h>

#include "front.h"
#include "plan.h"

typedef struct evt_result {
	stage_batch *batch;
	stage_schema *schema;
} evt_result;

/* Runs ranges of `range` rows (0: one range) in order through one scratch.
 * Returns 0, or -1 with err set. */
static inline int evt_run_ex(const stage_schema *s, stage_batch *in, const char *const *assign,
                             size_t nassign, const char *where, int64_t range, evt_result *out,
                             stage_error *err)
{
	ev_front_opts o = {.assignments = assign, .nassignments = nassign, .where = where};
	ev_ast *ast = NULL;
	ev_plan *p = NULL;
	ev_scratch *sc = NULL;
	ev_job *job = NULL;
	int rc = -1;

	out->batch = NULL;
	out->schema = NULL;
	if (ev_front(&o, s, &ast, err) < 0 || ev_plan_compile(ast, s, &p, err) < 0)
		goto done;
	ev_ast_free(ast);
	ast = NULL;
	sc = ev_scratch_new(p, err);
	if (!sc || ev_job_begin(p, in, &job, err) < 0)
		goto done;
	if (range <= 0)
		range = in->nrows ? in->nrows : 1;
	for (int64_t r = 0; r < in->nrows; r += range)
		if (ev_job_range(p, sc, job, r, r + range < in->nrows ? r + range : in->nrows, err) <
		    0) {
			ev_job_free(job);
			goto done;
		}
	if (ev_job_finish(p, job, &out->batch, err) < 0)
		goto done;
	out->schema = stage_schema_copy(ev_plan_schema(p), err);
	rc = out->schema ? 0 : -1;
done:
	ev_ast_free(ast);
	ev_scratch_free(sc);
	ev_plan_free(p);
	return rc;
}

/* Like evt_run_ex, failing the test on an error. */
static inline evt_result evt_run(const stage_schema *s, stage_batch *in,
                                 const char *const *assign, size_t nassign, const char *where)
{
	stage_error err = {0};
	evt_result r;

	ck_assert_msg(evt_run_ex(s, in, assign, nassign, where, 0, &r, &err) == 0, "%s", err.msg);
	return r;
}

static inline void evt_free(evt_result *r)
{
	stage_batch_free(r->batch);
	stage_schema_free(r->schema);
}

static inline const stage_array *evt_col(const evt_result *r, const char *name)
{
	for (size_t i = 0; i < r->schema->ncols; i++)
		if (strcmp(r->schema->fields[i].name, name) == 0)
			return &r->batch->cols[i];
	ck_abort_msg("no output column '%s'", name);
	return NULL;
}

/* Same value, NaN equal to NaN, the sign of zero compared. */
static inline int evt_same_f64(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b && signbit(a) == signbit(b);
}

static inline stage_schema *evt_schema(const char *spec)
{
	/* "name:type,name:type" */
	stage_schema *s = stage_schema_new();
	stage_error err = {0};
	char buf[512], *save = NULL;

	ck_assert_ptr_nonnull(s);
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(f, ':');
		stage_type t;

		ck_assert_ptr_nonnull(colon);
		*colon = 0;
		ck_assert_int_eq(stage_type_parse(colon + 1, &t), 0);
		ck_assert_int_eq(stage_schema_add(s, f, t, &err), 0);
	}
	return s;
}

#endif
