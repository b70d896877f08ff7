#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sketch_file.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the sketch encoding is written for little-endian machines"
#endif

static const uint8_t magic[8] = {'P', 'S', 'C', 'M', 'S', 0, 0, 1};
#define HEADER 40
/* More candidates than this is not a sketch we wrote. */
#define MAX_CANDIDATES (1u << 24)

void cms_keys_release(cms_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		free(keys->k[i].p);
	free(keys->k);
	*keys = (cms_keys){0};
}

int cms_file_encode(const cms_sketch *s, stage_type key_type, const cms_heavy *hh,
                    uint8_t **out, size_t *len, stage_error *err)
{
	size_t ncells = (size_t)s->depth << s->width_log2, nc = hh ? hh->n : 0;
	size_t size = HEADER + ncells * 8 + 8, at;
	uint32_t u32;
	uint8_t *p;
	uint64_t check;
	cms_candidate *sorted = malloc((nc ? nc : 1) * sizeof *sorted);

	if (!sorted)
		return stage_error_oom(err, "sketch encoding");
	/* In a fixed order, so that equal sketches encode to equal bytes. */
	for (size_t i = 0; i < nc; i++) {
		sorted[i] = hh->heap[i];
		size += 5 + sorted[i].len;
	}
	qsort(sorted, nc, sizeof *sorted, cms_candidate_order);
	p = malloc(size);
	if (!p) {
		free(sorted);
		return stage_error_oom(err, "sketch encoding");
	}
	memcpy(p, magic, 8);
	memcpy(p + 8, &s->width_log2, 4);
	memcpy(p + 12, &s->depth, 4);
	memcpy(p + 16, &s->seed, 8);
	memcpy(p + 24, &s->n, 8);
	p[32] = (uint8_t)s->variant;
	p[33] = (uint8_t)key_type;
	p[34] = p[35] = 0;
	u32 = (uint32_t)nc;
	memcpy(p + 36, &u32, 4);
	memcpy(p + HEADER, s->counters, ncells * 8);
	at = HEADER + ncells * 8;
	for (size_t i = 0; i < nc; i++) {
		const cms_candidate *c = &sorted[i];

		p[at] = c->null;
		memcpy(p + at + 1, &c->len, 4);
		if (c->len)
			memcpy(p + at + 5, c->key, c->len);
		at += 5 + c->len;
	}
	free(sorted);
	check = cms_hash(p, at, 0).lo;
	memcpy(p + at, &check, 8);
	*out = p;
	*len = size;
	return 0;
}

static int bad(stage_error *err, const char *what, const char *why)
{
	return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "%s: not a usable sketch: %s", what, why);
}

/* Reads the candidates at [p + at, p + end). */
static int decode_keys(const uint8_t *p, size_t at, size_t end, uint32_t n, const char *what,
                       cms_keys *keys, stage_error *err)
{
	keys->k = calloc(n ? n : 1, sizeof *keys->k);
	if (!keys->k)
		return stage_error_oom(err, "sketch candidates");
	for (uint32_t i = 0; i < n; i++) {
		struct cms_key *k = &keys->k[i];

		if (end - at < 5 || p[at] > 1)
			return bad(err, what, "a candidate key is cut short or malformed");
		k->null = p[at];
		memcpy(&k->len, p + at + 1, 4);
		at += 5;
		if (k->len > end - at || (k->null && k->len))
			return bad(err, what, "a candidate key is cut short or malformed");
		if (k->len && !(k->p = malloc(k->len)))
			return stage_error_oom(err, "sketch candidates");
		if (k->len)
			memcpy(k->p, p + at, k->len);
		at += k->len;
		keys->n++;
	}
	if (at != end)
		return bad(err, what, "bytes after the last candidate");
	return 0;
}

int cms_file_decode(const uint8_t *p, size_t len, const char *what, cms_sketch *s,
                    stage_type *key_type, cms_keys *keys, stage_error *err)
{
	uint32_t width_log2, depth, nc;
	uint64_t seed, check;
	size_t ncells;

	*keys = (cms_keys){0};
	if (len < HEADER + 8 || memcmp(p, magic, 7) != 0)
		return bad(err, what, "no pipestage sketch header");
	if (p[7] != magic[7])
		return bad(err, what, "an unknown version of the format");
	memcpy(&check, p + len - 8, 8);
	if (cms_hash(p, len - 8, 0).lo != check)
		return bad(err, what, "its check does not match (truncated or corrupted)");
	memcpy(&width_log2, p + 8, 4);
	memcpy(&depth, p + 12, 4);
	memcpy(&seed, p + 16, 8);
	memcpy(&nc, p + 36, 4);
	if (width_log2 > CMS_MAX_WIDTH_LOG2 || depth < 1 || depth > CMS_MAX_DEPTH || p[32] > CMS_SIGNED ||
	    p[33] < STAGE_INT64 || p[33] > STAGE_TIMESTAMP || p[34] || p[35] || nc > MAX_CANDIDATES)
		return bad(err, what, "a header field out of range");
	ncells = (size_t)depth << width_log2;
	if ((len - HEADER - 8) / 8 < ncells)
		return bad(err, what, "fewer counters than its size says");
	if (cms_sketch_init(s, width_log2, depth, seed, p[32], err) < 0)
		return -1;
	memcpy(&s->n, p + 24, 8);
	memcpy(s->counters, p + HEADER, ncells * 8);
	*key_type = (stage_type)p[33];
	if (decode_keys(p, HEADER + ncells * 8, len - 8, nc, what, keys, err) < 0) {
		cms_sketch_release(s);
		cms_keys_release(keys);
		return -1;
	}
	return 0;
}

int cms_file_save(const char *path, const uint8_t *p, size_t len, stage_error *err)
{
	char *tmp = malloc(strlen(path) + 16);
	FILE *f;
	int rc = 0;

	if (!tmp)
		return stage_error_oom(err, "file name");
	sprintf(tmp, "%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f) {
		rc = stage_error_set(err, STAGE_EXIT_FAILURE, "--save %s: %s", path, strerror(errno));
	} else if (fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		rc = stage_error_set(err, STAGE_EXIT_FAILURE, "--save %s: %s", path, strerror(errno));
		remove(tmp);
	} else if (rename(tmp, path) != 0) {
		rc = stage_error_set(err, STAGE_EXIT_FAILURE, "--save %s: %s", path, strerror(errno));
		remove(tmp);
	}
	free(tmp);
	return rc;
}

int cms_file_load(const char *path, uint8_t **out, size_t *len, stage_error *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *p;

	if (!f)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "--load %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return stage_error_set(err, STAGE_EXIT_FAILURE, "--load %s: not a regular file", path);
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		fclose(f);
		return stage_error_oom(err, "sketch file");
	}
	if (fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fclose(f);
		free(p);
		return stage_error_set(err, STAGE_EXIT_FAILURE, "--load %s: read failed", path);
	}
	fclose(f);
	*out = p;
	*len = (size_t)st.st_size;
	return 0;
}
