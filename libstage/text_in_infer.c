/* The schema of text input, decided once from the staged first batch:
 * whether the first row is a header, unique column names, and each
 * column's type (inferred, then overridden by --types). */
#include <stdio.h>
#include <stdlib.h>

#include "text_in_internal.h"

typedef struct col_guess {
	bool any, is_int, is_float, is_bool, is_string;
} col_guess;

static const uint8_t *sfield_bytes(const tin_stage *st, const tin_sfield *f)
{
	return st->bytes.data ? st->bytes.data + f->off : (const uint8_t *)"";
}

static void guess_value(col_guess *g, const tin_stage *st, const tin_sfield *f)
{
	const char *p = (const char *)sfield_bytes(st, f);
	size_t n = f->n;
	int64_t i64;
	double f64;
	bool b, vi, vf, vb;

	if (f->kind == TIN_NULL)
		return;
	if (f->kind == TIN_STRING) {
		g->any = g->is_string = true;
		return;
	}
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return;
	g->any = true;
	if (!g->is_int && !g->is_float && !g->is_bool)
		return;
	/* An int is also a float; a bool is neither. */
	vi = g->is_int && stage_parse_i64(p, n, &i64) == 0;
	vf = vi || (g->is_float && stage_parse_f64(p, n, &f64) == 0);
	vb = !vf && g->is_bool && stage_parse_bool(p, n, &b) == 0;
	g->is_int &= vi;
	g->is_float &= vf;
	g->is_bool &= vb;
}

static stage_type guessed_type(const col_guess *g)
{
	if (!g->any || g->is_string)
		return STAGE_UTF8;
	if (g->is_int)
		return STAGE_INT64;
	if (g->is_float)
		return STAGE_FLOAT64;
	if (g->is_bool)
		return STAGE_BOOL;
	return STAGE_UTF8;
}

/* Types of ncols columns from staged rows [first, nrows). */
static int guess_types(const tin_stage *st, size_t first, size_t ncols, stage_type *types,
                       stage_error *err)
{
	col_guess *g = calloc(ncols ? ncols : 1, sizeof(*g));

	if (!g)
		return stage_error_oom(err, "type inference");
	for (size_t c = 0; c < ncols; c++)
		g[c].is_int = g[c].is_float = g[c].is_bool = true;
	for (size_t i = first; i < st->nrows; i++) {
		const tin_srow *row = &st->rows[i];

		for (size_t k = 0; k < row->n; k++) {
			const tin_sfield *f = &st->f[row->first + k];

			if (f->col >= 0 && (size_t)f->col < ncols)
				guess_value(&g[f->col], st, f);
		}
	}
	for (size_t c = 0; c < ncols; c++)
		types[c] = guessed_type(&g[c]);
	free(g);
	return 0;
}

/* With --header unset, a CSV or TSV first row is a header when none of its
 * fields is empty, a number or a bool, and either it is the only row of the
 * first batch or at least one column below it infers to a type other than
 * utf8 (a header is what makes such a column look like text). An all-text
 * table therefore reads as headerless unless --header says otherwise. */
static int auto_header(const tin_stage *st, size_t ncols, bool *header, stage_error *err)
{
	const tin_srow *row0 = &st->rows[0];
	stage_type *types;

	*header = false;
	if (row0->n == 0)
		return 0;
	for (size_t k = 0; k < row0->n; k++) {
		const tin_sfield *f = &st->f[row0->first + k];
		const char *p = (const char *)sfield_bytes(st, f);
		double f64;
		bool b;

		if (f->n == 0 || stage_parse_f64(p, f->n, &f64) == 0 ||
		    stage_parse_bool(p, f->n, &b) == 0)
			return 0;
	}
	if (st->nrows == 1) {
		*header = true;
		return 0;
	}
	if (!(types = calloc(ncols ? ncols : 1, sizeof(*types))))
		return stage_error_oom(err, "type inference");
	if (guess_types(st, 1, ncols, types, err) < 0) {
		free(types);
		return -1;
	}
	for (size_t c = 0; c < ncols; c++)
		if (types[c] != STAGE_UTF8)
			*header = true;
	free(types);
	return 0;
}

/* Adds a column, making its name unique: an empty (or unusable) name
 * becomes f<number>, a repeated one gets _2, _3, ... */
static int add_column(stage_schema *s, tin_keys *seen, const uint8_t *p, size_t n,
                      stage_type type, stage_error *err)
{
	char name[300], base[260];

	if (n == 0 || n > 256 || memchr(p, '\0', n) || !stage__utf8_valid(p, n))
		snprintf(base, sizeof(base), "f%zu", s->ncols + 1);
	else
		snprintf(base, sizeof(base), "%.*s", (int)n, (const char *)p);
	snprintf(name, sizeof(name), "%s", base);
	for (unsigned k = 2; stage__tin_keys_find(seen, (const uint8_t *)name, strlen(name)) >= 0; k++)
		snprintf(name, sizeof(name), "%.260s_%u", base, k);
	if (stage__tin_keys_add(seen, (const uint8_t *)name, strlen(name), err) < 0)
		return -1;
	return stage_schema_add(s, name, type, err);
}

/* "name:type,3:float64": the last ':' separates, so names may hold one. */
static int apply_types(stage_schema *s, const char *spec, stage_error *err)
{
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		char entry[512], *colon;
		stage_type t;
		int col;

		if (len >= sizeof(entry))
			return stage_error_set(err, STAGE_EXIT_USAGE, "--types: entry too long");
		memcpy(entry, p, len);
		entry[len] = '\0';
		p += len + (p[len] == ',');
		if (len == 0)
			continue;
		colon = strrchr(entry, ':');
		if (!colon || colon == entry)
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--types: expected name:type, got '%s'", entry);
		*colon = '\0';
		if (stage_type_parse(colon + 1, &t) < 0)
			return stage_error_set(err, STAGE_EXIT_USAGE, "--types: unknown type '%s'",
			                       colon + 1);
		col = stage_schema_find(s, entry, err);
		if (col < 0)
			return stage_error_prefix(err, "--types");
		s->fields[col].type = t;
	}
	return 0;
}

int stage__tin_infer(stage_text_reader *r, stage_error *err)
{
	const tin_stage *st = &r->stage;
	stage_in_format fmt = r->o.format;
	bool header = false;
	size_t ncols = 0, first;
	stage_type *types = NULL;
	tin_keys seen = {0};
	int rc = -1;

	if (!(r->schema = stage_schema_new()))
		return stage_error_oom(err, "schema");
	if (st->nrows == 0)
		return 0;
	if (fmt == STAGE_IN_JSONL) {
		ncols = r->keys.n;
	} else {
		for (size_t i = 0; i < st->nrows; i++)
			if (st->rows[i].n > ncols)
				ncols = st->rows[i].n;
		if (r->o.header == STAGE_HEADER_YES)
			header = true;
		else if (r->o.header == STAGE_HEADER_AUTO &&
		         (fmt == STAGE_IN_CSV || fmt == STAGE_IN_TSV) &&
		         auto_header(st, ncols, &header, err) < 0)
			return -1;
		if (header)
			ncols = st->rows[0].n;
	}
	first = header ? 1 : 0;
	if (!(types = calloc(ncols ? ncols : 1, sizeof(*types))))
		return stage_error_oom(err, "type inference");
	/* lines keeps text as text unless --types asks otherwise. */
	if (fmt == STAGE_IN_LINES) {
		for (size_t c = 0; c < ncols; c++)
			types[c] = STAGE_UTF8;
	} else if (guess_types(st, first, ncols, types, err) < 0) {
		goto out;
	}
	for (size_t c = 0; c < ncols; c++) {
		const uint8_t *p = (const uint8_t *)"";
		size_t n = 0;

		if (fmt == STAGE_IN_JSONL) {
			p = (const uint8_t *)r->keys.names[c];
			n = r->keys.lens[c];
		} else if (header) {
			const tin_sfield *f = &st->f[st->rows[0].first + c];

			p = sfield_bytes(st, f);
			n = f->n;
		} else if (fmt == STAGE_IN_LINES) {
			p = (const uint8_t *)"line";
			n = 4;
		}
		if (add_column(r->schema, &seen, p, n, types[c], err) < 0)
			goto out;
	}
	if (r->o.types && apply_types(r->schema, r->o.types, err) < 0)
		goto out;
	r->stage_next = first;
	rc = 0;
out:
	free(types);
	stage__tin_keys_release(&seen);
	return rc;
}
