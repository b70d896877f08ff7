/* Declarations shared between libstage modules and its unit tests; not part
 * of the installed API. Internal non-static names start with stage__. */
#ifndef STAGE_INTERNAL_H
#define STAGE_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "stage.h"

const char *stage_version(void);

/* Growable byte buffer with a hard maximum (input is untrusted). */
typedef struct stage__buf {
	uint8_t *data;
	size_t len, cap, max;
} stage__buf;

/* Ensures room for `extra` more bytes; -1 when past max or out of memory. */
int stage__buf_reserve(stage__buf *b, size_t extra, stage_error *err);
int stage__buf_append(stage__buf *b, const void *p, size_t n, stage_error *err);
void stage__buf_release(stage__buf *b);

/* A sink that collects bytes in memory (for formatting on worker threads);
 * take hands out what it holds (malloc'd, the caller frees) and empties it. */
stage_sink *stage__sink_new_memory(stage_error *err);
int stage__sink_take(stage_sink *s, uint8_t **p, size_t *n, stage_error *err);

/* A text writer that writes rows only: its header is someone else's. */
void stage__text_writer_rows_only(stage_text_writer *w);

/* Length of the well-formed UTF-8 sequence that starts p[0..n) (n > 0),
 * or 0 when p[0] does not start one. */
size_t stage__utf8_seq(const uint8_t *p, size_t n);
/* True when [p, p+n) is all ASCII (fast: checks 32 bytes a step). */
int stage__ascii(const uint8_t *p, size_t n);
/* True when [p, p+n) is valid UTF-8. */
int stage__utf8_valid(const uint8_t *p, size_t n);

#endif
