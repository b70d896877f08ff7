#include <stdlib.h>

#include "feed.h"
#include "window.h"

/* One row in a window: its value alone in an accumulator (pivoted on
 * itself; merges shift pivots exactly when values are close), and what it
 * counted. */
typedef struct entry {
	moments_acc one;
	moments_counts counts;
} entry;

typedef struct window {
	entry *ring;       /* oldest at head */
	moments_acc *front; /* front[i]: merge of ring entries i .. end of the front */
	int64_t head, size, nfront;
	moments_acc back;  /* merge of the entries after the front */
	moments_cell now;  /* the window's counts and accumulator */
} window;

struct moments_windows {
	int64_t size;
	size_t ncols;
	char *const *names;
	moments_groups *groups;
	window *w;         /* w[group * ncols + column] */
	int64_t ngroups, cap;
};

moments_windows *moments_windows_new(int64_t size, stage_type key_type, char *const *names,
                                     size_t ncols, stage_error *err)
{
	moments_windows *ws = calloc(1, sizeof *ws);

	if (!ws || (key_type && !(ws->groups = moments_groups_new(key_type, err)))) {
		free(ws);
		stage_error_oom(err, "windows");
		return NULL;
	}
	ws->size = size;
	ws->names = names;
	ws->ncols = ncols;
	return ws;
}

void moments_windows_free(moments_windows *ws)
{
	if (!ws)
		return;
	for (int64_t i = 0; i < ws->ngroups * (int64_t)ws->ncols; i++) {
		free(ws->w[i].ring);
		free(ws->w[i].front);
	}
	free(ws->w);
	moments_groups_free(ws->groups);
	free(ws);
}

static window *group_windows(moments_windows *ws, int64_t g)
{
	if (g >= ws->cap) {
		int64_t cap = ws->cap ? ws->cap * 2 : 16;
		window *w = realloc(ws->w, (size_t)cap * ws->ncols * sizeof *w);

		if (!w)
			return NULL;
		ws->w = w;
		ws->cap = cap;
	}
	for (; ws->ngroups <= g; ws->ngroups++) {
		window *w = &ws->w[ws->ngroups * (int64_t)ws->ncols];

		for (size_t c = 0; c < ws->ncols; c++) {
			w[c] = (window){.ring = NULL};
			moments_acc_init(&w[c].back);
		}
		for (size_t c = 0; c < ws->ncols; c++) {
			w[c].ring = malloc((size_t)ws->size * sizeof(entry));
			w[c].front = malloc((size_t)ws->size * sizeof(moments_acc));
			if (!w[c].ring || !w[c].front) {
				ws->ngroups++;
				return NULL;
			}
		}
	}
	return &ws->w[g * (int64_t)ws->ncols];
}

static void subtract_counts(moments_counts *a, const moments_counts *b)
{
	a->n -= b->n;
	a->nulls -= b->nulls;
	a->nan -= b->nan;
	a->posinf -= b->posinf;
	a->neginf -= b->neginf;
}

/* Moves the newer stack into the older one, building suffix merges. */
static void flip(window *w, int64_t cap)
{
	moments_acc run;

	moments_acc_init(&run);
	for (int64_t k = w->size - 1; k >= 0; k--) {
		int64_t i = (w->head + k) % cap;

		moments_acc_merge(&run, &w->ring[i].one);
		w->front[i] = run;
	}
	w->nfront = w->size;
	moments_acc_init(&w->back);
}

static void push(window *w, int64_t cap, const entry *e)
{
	if (w->size == cap) {
		if (w->nfront == 0)
			flip(w, cap);
		subtract_counts(&w->now.counts, &w->ring[w->head].counts);
		w->head = (w->head + 1) % cap;
		w->size--;
		w->nfront--;
	}
	w->ring[(w->head + w->size) % cap] = *e;
	w->size++;
	moments_acc_merge(&w->back, &e->one);
	moments_counts_add(&w->now.counts, &e->counts);
}

/* The window's accumulator: the older stack's top merged with the newer. */
static void current(const window *w, moments_acc *out)
{
	if (w->nfront)
		*out = w->front[w->head];
	else
		moments_acc_init(out);
	moments_acc_merge(out, &w->back);
}

int moments_windows_feed(moments_windows *ws, const moments_plan *p, const moments_report *r,
                         const stage_batch *b, int64_t row_base, stage_builder *out,
                         stage_error *err)
{
	const stage_array *key = p->key >= 0 ? &b->cols[p->key] : NULL;
	const stage_array *weight = p->weight >= 0 ? &b->cols[p->weight] : NULL;

	for (int64_t i = 0; i < b->nrows; i++) {
		int64_t g = key ? moments_groups_of_row(ws->groups, key, i) : 0;
		window *w = g < 0 ? NULL : group_windows(ws, g);
		double wt;
		int rc = moments_weight_at(weight, p->weight_name, i, row_base, &wt, err);

		if (rc < 0)
			return -1;
		if (!w)
			return stage_error_oom(err, "windows");
		for (size_t c = 0; c < ws->ncols; c++) {
			entry e = {.counts = {0}};

			moments_acc_init(&e.one);
			if (rc == 2)
				e.counts.nulls = 1;
			else if (rc == 1)
				moments_feed_row(&e.one, &e.counts, &b->cols[p->cols[c]], i, wt);
			push(&w[c], ws->size, &e);
			current(&w[c], &w[c].now.acc);
			moments_report_append(r, out, row_base + i + 1, ws->groups, g, ws->names[c],
			                      &w[c].now);
		}
	}
	return 0;
}
