/* Private interface of the text writers: the writer object that
 * text_out_writer.c hands out, the operations each format (table, tsv, csv,
 * jsonl) fills in, and the value helpers they share. Nothing here is installed. */
#ifndef TEXT_OUT_INTERNAL_H
#define TEXT_OUT_INTERNAL_H

#include "stage_internal.h"

/* Text values are escaped in pieces of at most this many input bytes, so a
 * huge value never makes the sink grow a huge buffer. */
#define TOUT_PIECE 4096

typedef struct tout_ops tout_ops;

struct stage_text_writer {
	stage_sink *sink;      /* borrowed */
	const tout_ops *ops;
	stage_schema *schema;  /* a copy: the caller's schema may go first */
	bool started;          /* the header, where the format has one, is out */
	void *state;           /* the format's own, freed by ops->release */
};

struct tout_ops {
	/* May be NULL. Sets up w->state. */
	int (*open)(stage_text_writer *w, stage_error *err);
	/* The batch's columns match the schema (the dispatcher checked). */
	int (*write)(stage_text_writer *w, const stage_batch *b, stage_error *err);
	/* Called once, after the last batch. */
	int (*finish)(stage_text_writer *w, stage_error *err);
	/* May be NULL. */
	void (*release)(stage_text_writer *w);
};

extern const tout_ops stage__tout_tsv;
extern const tout_ops stage__tout_csv;
extern const tout_ops stage__tout_jsonl;
extern const tout_ops stage__tout_table;

/* Formats a non-null int64, float64, float32, bool or timestamp value into
 * o (STAGE_FORMAT_MAX bytes); returns its length. */
size_t stage__tout_fixed(char *o, const stage_array *a, int64_t i);

/* Lowercase hex of p[0..n) into o (2n bytes); returns o + 2n. */
char *stage__tout_hex(char *o, const uint8_t *p, size_t n);

/* Writes the hex of p[0..n) through the sink, in pieces. */
int stage__tout_put_hex(stage_sink *k, const uint8_t *p, size_t n, stage_error *err);


#endif
