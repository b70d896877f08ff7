/* Schemas: ordered, named, typed columns, and finding a column by name or
 * by its 1-based number as every stage's -c option does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage_internal.h"

stage_schema *stage_schema_new(void)
{
	return calloc(1, sizeof(stage_schema));
}

int stage_schema_add(stage_schema *s, const char *name, stage_type type, stage_error *err)
{
	stage_field *f = realloc(s->fields, (s->ncols + 1) * sizeof(*f));

	if (!f)
		return stage_error_oom(err, "schema");
	s->fields = f;
	f[s->ncols].name = strdup(name);
	if (!f[s->ncols].name)
		return stage_error_oom(err, "column name");
	f[s->ncols].type = type;
	f[s->ncols].nullable = true;
	s->ncols++;
	return 0;
}

stage_schema *stage_schema_copy(const stage_schema *s, stage_error *err)
{
	stage_schema *c = stage_schema_new();

	if (!c) {
		stage_error_oom(err, "schema");
		return NULL;
	}
	for (size_t i = 0; i < s->ncols; i++) {
		if (stage_schema_add(c, s->fields[i].name, s->fields[i].type, err) < 0)
			goto fail;
		c->fields[i].nullable = s->fields[i].nullable;
	}
	if (stage_metadata_copy(&c->metadata, &s->metadata, err) < 0)
		goto fail;
	return c;
fail:
	stage_schema_free(c);
	return NULL;
}

void stage_schema_free(stage_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncols; i++)
		free(s->fields[i].name);
	free(s->fields);
	stage_metadata_clear(&s->metadata);
	free(s);
}

int stage_schema_compare(const stage_schema *a, const stage_schema *b, stage_error *err)
{
	if (a->ncols != b->ncols)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "schemas differ: %zu columns, then %zu", a->ncols, b->ncols);
	for (size_t i = 0; i < a->ncols; i++) {
		const stage_field *fa = &a->fields[i], *fb = &b->fields[i];

		if (strcmp(fa->name, fb->name) != 0)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "schemas differ: column %zu is '%s', then '%s'",
			                       i + 1, fa->name, fb->name);
		if (fa->type != fb->type)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "schemas differ: column '%s' is %s, then %s", fa->name,
			                       stage_type_name(fa->type), stage_type_name(fb->type));
	}
	return 0;
}

int stage_schema_find(const stage_schema *s, const char *name_or_number, stage_error *err)
{
	char *end;
	long n;

	for (size_t i = 0; i < s->ncols; i++)
		if (strcmp(s->fields[i].name, name_or_number) == 0)
			return (int)i;
	n = strtol(name_or_number, &end, 10);
	if (*name_or_number >= '0' && *name_or_number <= '9' && *end == '\0') {
		if (n >= 1 && (size_t)n <= s->ncols)
			return (int)(n - 1);
		stage_error_set(err, STAGE_EXIT_USAGE, "column %ld out of range (input has %zu columns)",
		                n, s->ncols);
		return -1;
	}
	stage_error_set(err, STAGE_EXIT_USAGE, "unknown column '%s'", name_or_number);
	return -1;
}
