/* Column types and custom metadata: the small vocabulary shared by schemas,
 * the IPC codec and the text adapters. */
#include <stdlib.h>
#include <string.h>

#include "stage_internal.h"

static const struct {
	const char *name;
	stage_type type;
} type_names[] = {
	{"int64", STAGE_INT64},       {"float64", STAGE_FLOAT64},
	{"float32", STAGE_FLOAT32},   {"bool", STAGE_BOOL},
	{"utf8", STAGE_UTF8},         {"binary", STAGE_BINARY},
	{"timestamp[ns, UTC]", STAGE_TIMESTAMP},
	{"string", STAGE_UTF8},       {"timestamp", STAGE_TIMESTAMP},
	{"double", STAGE_FLOAT64},    {"float", STAGE_FLOAT32},
	{"int", STAGE_INT64},         {"boolean", STAGE_BOOL},
};

const char *stage_type_name(stage_type t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "unknown";
}

int stage_type_parse(const char *name, stage_type *out)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(type_names[i].name, name) == 0) {
			*out = type_names[i].type;
			return 0;
		}
	}
	return -1;
}

bool stage_type_is_varwidth(stage_type t)
{
	return t == STAGE_UTF8 || t == STAGE_BINARY;
}

size_t stage_type_width(stage_type t)
{
	switch (t) {
	case STAGE_INT64:
	case STAGE_FLOAT64:
	case STAGE_TIMESTAMP:
		return 8;
	case STAGE_FLOAT32:
		return 4;
	default:
		return 0;
	}
}

const char *stage_metadata_get(const stage_metadata *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->kv[i].key, key) == 0)
			return m->kv[i].value;
	return NULL;
}

int stage_metadata_set(stage_metadata *m, const char *key, const char *value, stage_error *err)
{
	char *v = strdup(value);
	stage_kv *kv;

	if (!v)
		return stage_error_oom(err, "metadata value");
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->kv[i].key, key) == 0) {
			free(m->kv[i].value);
			m->kv[i].value = v;
			return 0;
		}
	}
	kv = realloc(m->kv, (m->n + 1) * sizeof(*kv));
	if (!kv) {
		free(v);
		return stage_error_oom(err, "metadata");
	}
	m->kv = kv;
	kv[m->n].key = strdup(key);
	if (!kv[m->n].key) {
		free(v);
		return stage_error_oom(err, "metadata key");
	}
	kv[m->n].value = v;
	m->n++;
	return 0;
}

void stage_metadata_clear(stage_metadata *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->kv[i].key);
		free(m->kv[i].value);
	}
	free(m->kv);
	m->kv = NULL;
	m->n = 0;
}

int stage_metadata_copy(stage_metadata *dst, const stage_metadata *src, stage_error *err)
{
	for (size_t i = 0; i < src->n; i++)
		if (stage_metadata_set(dst, src->kv[i].key, src->kv[i].value, err) < 0)
			return -1;
	return 0;
}
