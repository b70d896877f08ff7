/* A sketch as bytes, for --save/--load files and --partial records.
 *
 * Layout, little-endian (version 1):
 *   offset  size  field
 *        0     8  magic "PSCMS\0\0\1" (the last byte is the version)
 *        8     4  log2 of the width
 *       12     4  depth
 *       16     8  seed
 *       24     8  N, the total weight counted
 *       32     1  variant: 0 plain, 1 conservative, 2 signed
 *       33     1  key type (stage_type: 1 int64, 2 float64, 3 float32,
 *                 4 bool, 5 utf8, 6 binary, 7 timestamp)
 *       34     2  zero
 *       36     4  number of heavy-hitter candidates
 *       40  8*d*w counters, row by row (signed: int64, two's complement)
 *        .     .  candidates, heaviest first (ties: null key first, then
 *                 by bytes), each: 1 byte null flag, 4 bytes length, the
 *                 key's bytes (int64 and timestamp 8, float64 8, float32 4,
 *                 bool 1, utf8 and binary their bytes)
 *        .     8  check: the low 64 bits of cms_hash (seed 0) of all the
 *                 bytes before it
 * Candidates carry no counts: they are queried against the sketch they
 * end up in. The signed variant came later without a new version: the
 * layout is the same, and a reader that predates it refuses the variant
 * byte as out of range rather than misreading the counters. */
#ifndef CMS_SKETCH_FILE_H
#define CMS_SKETCH_FILE_H

#include "heavy.h"
#include "sketch.h"
#include "stage_record.h"

/* Keys, as read back from a sketch's candidates. */
typedef struct cms_keys {
	size_t n;
	struct cms_key {
		uint8_t *p;
		uint32_t len;
		bool null;
	} *k;
} cms_keys;

void cms_keys_release(cms_keys *keys);

/* The encoding of s with the candidates of hh (which may be NULL). */
int cms_file_encode(const cms_sketch *s, stage_type key_type, const cms_heavy *hh,
                    uint8_t **out, size_t *len, stage_error *err);
/* Decodes and checks bytes [p, p+len): s is initialised, keys filled. A
 * short, corrupt or unknown encoding is an error (BAD_INPUT) that says
 * which; `what` names the source in the message. */
int cms_file_decode(const uint8_t *p, size_t len, const char *what, cms_sketch *s,
                    stage_type *key_type, cms_keys *keys, stage_error *err);

/* Whole files: written to a temporary name and renamed into place, so a
 * reader never sees half a sketch. */
int cms_file_save(const char *path, const uint8_t *p, size_t len, stage_error *err);
int cms_file_load(const char *path, uint8_t **out, size_t *len, stage_error *err);

#endif
