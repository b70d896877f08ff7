#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

/* A key, independent of where it came from: fixed-width values as 8 bytes
 * (normalised so that equal values have equal bytes), variable-width ones
 * as bytes elsewhere, with their length and first 8 bytes at hand. */
typedef struct key {
	bool null;
	uint64_t fixed;    /* fixed-width value, or first 8 bytes, zero-padded */
	const uint8_t *bytes;
	size_t len;
} key;

typedef struct group {
	uint64_t hash;
	uint64_t fixed;    /* fixed-width key, or offset of the bytes in the arena */
	uint32_t len;      /* variable-width key length */
	bool null;
} group;

/* The open-addressing table holds enough of each key to settle most
 * comparisons without touching the group (a cache miss per row when there
 * are many groups): fixed-width keys whole, variable-width ones by length
 * and first 8 bytes. */
typedef struct slot {
	uint64_t key8;
	uint32_t group1;   /* group number + 1; 0: empty */
	uint32_t len;      /* 8 for fixed-width keys, NULL_LEN for the null key */
} slot;

#define NULL_LEN UINT32_MAX
/* Rows looked up ahead of the one being placed. */
#define PREFETCH_DISTANCE 16

struct moments_groups {
	stage_type type;
	bool varwidth;
	group *groups;
	int64_t count, cap;
	slot *slots;
	uint64_t mask;
	uint8_t *arena;    /* variable-width key bytes */
	size_t arena_len, arena_cap;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static uint64_t hash_key(const moments_groups *g, const key *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	if (k->null)
		return 1;
	if (!g->varwidth)
		return mix(k->fixed ^ h);
	for (size_t i = 0; i < k->len; i += 8) {
		uint64_t w = 0;

		memcpy(&w, k->bytes + i, k->len - i < 8 ? k->len - i : 8);
		h = mix(h ^ w) + k->len;
	}
	return mix(h ^ k->len);
}

static uint64_t float_bits(double x)
{
	uint64_t u;

	if (x == 0)
		x = 0; /* -0 is 0 */
	if (isnan(x))
		x = NAN;
	memcpy(&u, &x, sizeof u);
	return u;
}

static key row_key(const stage_array *a, int64_t i)
{
	key k = {.null = stage_array_is_null(a, i)};

	if (k.null)
		return k;
	switch (a->type) {
	case STAGE_UTF8:
	case STAGE_BINARY:
		k.bytes = stage_array_bytes(a, i, &k.len);
		if (k.len)
			memcpy(&k.fixed, k.bytes, k.len < 8 ? k.len : 8);
		break;
	case STAGE_FLOAT64:
		k.fixed = float_bits(stage_array_f64(a, i));
		break;
	case STAGE_FLOAT32:
		k.fixed = float_bits(stage_array_f32(a, i));
		break;
	case STAGE_BOOL:
		k.fixed = stage_array_bool(a, i);
		break;
	default:
		k.fixed = (uint64_t)stage_array_i64(a, i);
		break;
	}
	return k;
}

static key group_key(const moments_groups *g, int64_t j)
{
	const group *gr = &g->groups[j];
	key k = {.null = gr->null, .fixed = gr->fixed};

	if (g->varwidth && !gr->null) {
		k.len = gr->len;
		k.bytes = k.len ? g->arena + gr->fixed : (const uint8_t *)"";
		k.fixed = 0;
		if (k.len)
			memcpy(&k.fixed, k.bytes, k.len < 8 ? k.len : 8);
	}
	return k;
}

static uint32_t slot_len(const moments_groups *g, const key *k)
{
	return k->null ? NULL_LEN : g->varwidth ? (uint32_t)k->len : 8;
}

/* Whether slot sl holds key k (whose hash is h). */
static bool slot_holds(const moments_groups *g, const slot *sl, const key *k, uint64_t h)
{
	const group *gr;

	if (sl->key8 != k->fixed || sl->len != slot_len(g, k))
		return false;
	if (sl->len <= 8 || sl->len == NULL_LEN)
		return true;
	gr = &g->groups[sl->group1 - 1];
	return gr->hash == h && memcmp(g->arena + gr->fixed, k->bytes, k->len) == 0;
}

moments_groups *moments_groups_new(stage_type key_type, stage_error *err)
{
	moments_groups *g = calloc(1, sizeof *g);

	if (g) {
		g->type = key_type;
		g->varwidth = stage_type_is_varwidth(key_type);
		g->mask = 1023;
		g->slots = calloc(g->mask + 1, sizeof *g->slots);
	}
	if (!g || !g->slots) {
		moments_groups_free(g);
		stage_error_oom(err, "group table");
		return NULL;
	}
	return g;
}

void moments_groups_free(moments_groups *g)
{
	if (!g)
		return;
	free(g->groups);
	free(g->slots);
	free(g->arena);
	free(g);
}

int64_t moments_groups_count(const moments_groups *g)
{
	return g->count;
}

/* Doubles the slot array when it is half full. */
static int grow_slots(moments_groups *g)
{
	uint64_t mask = g->mask * 2 + 1;
	slot *slots = calloc(mask + 1, sizeof *slots);

	if (!slots)
		return -1;
	for (uint64_t i = 0; i <= g->mask; i++) {
		uint64_t s;

		if (!g->slots[i].group1)
			continue;
		for (s = g->groups[g->slots[i].group1 - 1].hash & mask; slots[s].group1;
		     s = (s + 1) & mask)
			;
		slots[s] = g->slots[i];
	}
	free(g->slots);
	g->slots = slots;
	g->mask = mask;
	return 0;
}

static int64_t add_group(moments_groups *g, const key *k, uint64_t h, uint64_t at)
{
	group *gr;

	if (g->count == UINT32_MAX - 1)
		return -1;
	if (g->count == g->cap) {
		int64_t cap = g->cap ? g->cap * 2 : 256;
		group *groups = realloc(g->groups, (size_t)cap * sizeof *groups);

		if (!groups)
			return -1;
		g->groups = groups;
		g->cap = cap;
	}
	gr = &g->groups[g->count];
	*gr = (group){.hash = h, .fixed = k->fixed, .null = k->null};
	if (g->varwidth && !k->null) {
		if (g->arena_len + k->len > g->arena_cap) {
			size_t cap = (g->arena_cap + k->len) * 2;
			uint8_t *arena = realloc(g->arena, cap);

			if (!arena)
				return -1;
			g->arena = arena;
			g->arena_cap = cap;
		}
		if (k->len)
			memcpy(g->arena + g->arena_len, k->bytes, k->len);
		gr->fixed = g->arena_len;
		gr->len = (uint32_t)k->len;
		g->arena_len += k->len;
	}
	g->slots[at] = (slot){.key8 = k->fixed, .group1 = (uint32_t)++g->count,
	                      .len = slot_len(g, k)};
	if ((uint64_t)g->count * 2 > g->mask && grow_slots(g) < 0)
		return -1;
	return g->count - 1;
}

static int64_t find_or_add(moments_groups *g, const key *k, uint64_t h)
{
	uint64_t s = h & g->mask;

	for (; g->slots[s].group1; s = (s + 1) & g->mask)
		if (slot_holds(g, &g->slots[s], k, h))
			return g->slots[s].group1 - 1;
	return add_group(g, k, h, s);
}

int64_t moments_groups_of_row(moments_groups *g, const stage_array *k, int64_t i)
{
	key kk = row_key(k, i);

	return find_or_add(g, &kk, hash_key(g, &kk));
}

int moments_groups_of_rows(moments_groups *g, const stage_array *k, int64_t from, size_t n,
                           int64_t *out)
{
	key keys[MOMENTS_GROUPS_CHUNK];
	uint64_t h[MOMENTS_GROUPS_CHUNK];

	for (size_t i = 0; i < n; i++) {
		keys[i] = row_key(k, from + (int64_t)i);
		h[i] = hash_key(g, &keys[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (i + PREFETCH_DISTANCE < n)
			__builtin_prefetch(&g->slots[h[i + PREFETCH_DISTANCE] & g->mask]);
		out[i] = find_or_add(g, &keys[i], h[i]);
		if (out[i] < 0)
			return -1;
	}
	return 0;
}

int64_t moments_groups_of_group(moments_groups *g, const moments_groups *other, int64_t j)
{
	key k = group_key(other, j);

	return find_or_add(g, &k, hash_key(g, &k));
}

void moments_groups_append_key(const moments_groups *g, int64_t j, stage_column_builder *col)
{
	key k = group_key(g, j);
	double x;

	if (k.null) {
		stage_col_append_null(col);
		return;
	}
	switch (g->type) {
	case STAGE_UTF8:
	case STAGE_BINARY:
		stage_col_append_bytes(col, k.bytes, k.len);
		break;
	case STAGE_FLOAT64:
	case STAGE_FLOAT32:
		memcpy(&x, &k.fixed, sizeof x);
		if (g->type == STAGE_FLOAT64)
			stage_col_append_f64(col, x);
		else
			stage_col_append_f32(col, (float)x);
		break;
	case STAGE_BOOL:
		stage_col_append_bool(col, k.fixed != 0);
		break;
	default:
		stage_col_append_i64(col, (int64_t)k.fixed);
		break;
	}
}
