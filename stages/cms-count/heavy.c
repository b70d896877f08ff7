/* The heavy-hitter candidates' heap and its index (heavy.h). */
#include <stdlib.h>
#include <string.h>

#include "heavy.h"

int cms_heavy_init(cms_heavy *hh, size_t cap, stage_error *err)
{
	size_t slots = 16;

	while (slots < cap * 2)
		slots *= 2;
	*hh = (cms_heavy){.cap = cap, .index_mask = slots - 1};
	hh->heap = calloc(cap ? cap : 1, sizeof *hh->heap);
	hh->index = calloc(slots, sizeof *hh->index);
	if (!hh->heap || !hh->index) {
		cms_heavy_release(hh);
		return stage_error_oom(err, "heavy-hitter candidates");
	}
	return 0;
}

void cms_heavy_release(cms_heavy *hh)
{
	for (size_t i = 0; i < hh->n; i++)
		free(hh->heap[i].key);
	free(hh->heap);
	free(hh->index);
	hh->heap = NULL;
	hh->index = NULL;
	hh->n = 0;
}

/* Keys are told apart by their 128-bit hash, and no byte compare: the
 * sketch counts keys of equal hashes as one key anyway (its rows are
 * slices of that hash), and a hot key meets its entry on every update. */
static bool same_key(const cms_candidate *c, cms_hash128 h, size_t len, bool null)
{
	return c->h.lo == h.lo && c->h.hi == h.hi && c->null == null && c->len == len;
}

/* The index slot of the key, or of the empty slot where it would go. */
static size_t find_slot(const cms_heavy *hh, cms_hash128 h, size_t len, bool null)
{
	size_t s = h.hi & hh->index_mask;

	while (hh->index[s] && !same_key(&hh->heap[hh->index[s] - 1], h, len, null))
		s = (s + 1) & hh->index_mask;
	return s;
}

/* Removes heap position pos from the index, keeping probe chains whole
 * (backward-shift deletion for linear probing). */
static void unindex(cms_heavy *hh, size_t pos)
{
	size_t s = hh->heap[pos].slot, next;

	hh->index[s] = 0;
	for (next = (s + 1) & hh->index_mask; hh->index[next]; next = (next + 1) & hh->index_mask) {
		cms_candidate *c = &hh->heap[hh->index[next] - 1];
		size_t home = c->h.hi & hh->index_mask;

		/* the entry may move into the hole when its home is not in (s, next] */
		if (((next - home) & hh->index_mask) >= ((next - s) & hh->index_mask)) {
			hh->index[s] = hh->index[next];
			hh->index[next] = 0;
			c->slot = (uint32_t)s;
			s = next;
		}
	}
}

static void set_at(cms_heavy *hh, size_t pos, const cms_candidate *c)
{
	hh->heap[pos] = *c;
	hh->index[c->slot] = (uint32_t)pos + 1;
}

/* Restores the heap below pos after its estimate grew. */
static void sift_down(cms_heavy *hh, size_t pos)
{
	cms_candidate c = hh->heap[pos];

	for (;;) {
		size_t l = 2 * pos + 1, r = l + 1, m = pos;
		int64_t least = c.estimate;

		if (l < hh->n && hh->heap[l].estimate < least) {
			m = l;
			least = hh->heap[l].estimate;
		}
		if (r < hh->n && hh->heap[r].estimate < least)
			m = r;
		if (m == pos)
			break;
		set_at(hh, pos, &hh->heap[m]);
		pos = m;
	}
	set_at(hh, pos, &c);
}

static void sift_up(cms_heavy *hh, size_t pos)
{
	cms_candidate c = hh->heap[pos];

	while (pos > 0 && hh->heap[(pos - 1) / 2].estimate > c.estimate) {
		set_at(hh, pos, &hh->heap[(pos - 1) / 2]);
		pos = (pos - 1) / 2;
	}
	set_at(hh, pos, &c);
}

void cms_heavy_offer(cms_heavy *hh, cms_hash128 h, const void *key, size_t len, bool null,
                     int64_t estimate)
{
	cms_candidate c = {.h = h, .estimate = estimate, .len = (uint32_t)len, .null = null};
	size_t s;

	if (hh->cap == 0 || (hh->n == hh->cap && estimate <= hh->heap[0].estimate))
		return;
	s = find_slot(hh, h, len, null);
	if (hh->index[s]) {
		size_t pos = hh->index[s] - 1;
		bool fell = estimate < hh->heap[pos].estimate;

		hh->heap[pos].estimate = estimate;
		if (fell)
			sift_up(hh, pos);
		else
			sift_down(hh, pos);
		return;
	}
	if (!null && len) {
		c.key = malloc(len);
		if (!c.key) {
			hh->failed = true;
			return;
		}
		memcpy(c.key, key, len);
	}
	if (hh->n == hh->cap) {
		unindex(hh, 0);
		free(hh->heap[0].key);
		c.slot = (uint32_t)find_slot(hh, h, len, null);
		set_at(hh, 0, &c);
		sift_down(hh, 0);
		return;
	}
	c.slot = (uint32_t)s;
	set_at(hh, hh->n++, &c);
	sift_up(hh, hh->n - 1);
}

int cms_candidate_order(const void *a, const void *b)
{
	const cms_candidate *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->estimate != y->estimate)
		return x->estimate > y->estimate ? -1 : 1;
	if (x->null != y->null)
		return x->null ? -1 : 1;
	c = n ? memcmp(x->key, y->key, n) : 0;
	return c ? c : (x->len > y->len) - (x->len < y->len);
}
