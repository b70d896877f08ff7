/* The text writer that stage_output uses for --out table|tsv|csv|jsonl:
 * names the formats, checks each batch against the schema, and hands the
 * work to the format's operations. */
#include <stdlib.h>

#include "text_out_internal.h"

int stage_out_format_parse(const char *name, stage_out_format *out)
{
	static const struct {
		const char *name;
		stage_out_format format;
	} names[] = {
		{"auto", STAGE_OUT_AUTO}, {"arrow", STAGE_OUT_ARROW}, {"table", STAGE_OUT_TABLE},
		{"tsv", STAGE_OUT_TSV},   {"csv", STAGE_OUT_CSV},     {"jsonl", STAGE_OUT_JSONL},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].format;
			return 0;
		}
	}
	return -1;
}

int stage_text_writer_open(stage_text_writer **out, stage_sink *sink, stage_out_format format,
                           const stage_schema *s, stage_error *err)
{
	stage_text_writer *w;
	const tout_ops *ops;

	switch (format) {
	case STAGE_OUT_TABLE:
		ops = &stage__tout_table;
		break;
	case STAGE_OUT_TSV:
		ops = &stage__tout_tsv;
		break;
	case STAGE_OUT_CSV:
		ops = &stage__tout_csv;
		break;
	case STAGE_OUT_JSONL:
		ops = &stage__tout_jsonl;
		break;
	default:
		return stage_error_set(err, STAGE_EXIT_FAILURE,
		                       "text writer: output format %d is not a text format", (int)format);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return stage_error_oom(err, "text writer");
	w->sink = sink;
	w->ops = ops;
	w->schema = stage_schema_copy(s, err);
	if (!w->schema || (ops->open && ops->open(w, err) < 0)) {
		stage_text_writer_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

int stage_text_writer_write(stage_text_writer *w, const stage_batch *b, stage_error *err)
{
	const stage_schema *s = w->schema;

	if (b->ncols != s->ncols)
		return stage_error_set(err, STAGE_EXIT_FAILURE,
		                       "text writer: batch has %zu columns, schema has %zu", b->ncols,
		                       s->ncols);
	for (size_t c = 0; c < s->ncols; c++) {
		if (b->cols[c].type != s->fields[c].type)
			return stage_error_set(err, STAGE_EXIT_FAILURE,
			                       "text writer: column '%s' is %s in the batch, %s in the schema",
			                       s->fields[c].name, stage_type_name(b->cols[c].type),
			                       stage_type_name(s->fields[c].type));
	}
	return w->ops->write(w, b, err);
}

void stage__text_writer_rows_only(stage_text_writer *w)
{
	w->started = true;
}

int stage_text_writer_finish(stage_text_writer *w, stage_error *err)
{
	return w->ops->finish(w, err);
}

void stage_text_writer_free(stage_text_writer *w)
{
	if (!w)
		return;
	if (w->ops->release)
		w->ops->release(w);
	stage_schema_free(w->schema);
	free(w);
}
