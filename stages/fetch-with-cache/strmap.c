#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	uint64_t hash;
	void *value;
	char key[];
};

struct fc_strmap {
	struct node **buckets;
	size_t nbuckets; /* a power of two */
	size_t size;
};

/* FNV-1a: keys are URLs and host names, not adversarial enough to need more
 * than the chains' growth. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

fc_strmap *fc_strmap_new(void)
{
	fc_strmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->nbuckets = 64;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return NULL;
	}
	return m;
}

void fc_strmap_free(fc_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct node *n = m->buckets[i];

		while (n) {
			struct node *next = n->next;

			free(n);
			n = next;
		}
	}
	free(m->buckets);
	free(m);
}

static struct node **slot(const fc_strmap *m, const char *key, uint64_t h)
{
	struct node **p = &m->buckets[h & (m->nbuckets - 1)];

	while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
		p = &(*p)->next;
	return p;
}

void *fc_strmap_get(const fc_strmap *m, const char *key)
{
	struct node *n = *slot(m, key, hash_str(key));

	return n ? n->value : NULL;
}

static int grow(fc_strmap *m)
{
	size_t nb = m->nbuckets * 2;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct node *n = m->buckets[i];

		while (n) {
			struct node *next = n->next;

			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
			n = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
	return 0;
}

int fc_strmap_put(fc_strmap *m, const char *key, void *value)
{
	uint64_t h = hash_str(key);
	struct node **p = slot(m, key, h);
	size_t len = strlen(key);

	if (*p) {
		(*p)->value = value;
		return 0;
	}
	struct node *n = malloc(sizeof(*n) + len + 1);
	if (!n)
		return -1;
	n->next = NULL;
	n->hash = h;
	n->value = value;
	memcpy(n->key, key, len + 1);
	*p = n;
	if (++m->size > m->nbuckets)
		grow(m); /* a failed growth leaves longer chains, still correct */
	return 0;
}

void fc_strmap_del(fc_strmap *m, const char *key)
{
	struct node **p = slot(m, key, hash_str(key));
	struct node *n = *p;

	if (!n)
		return;
	*p = n->next;
	free(n);
	m->size--;
}

size_t fc_strmap_size(const fc_strmap *m)
{
	return m->size;
}

void fc_strmap_each(const fc_strmap *m, void (*fn)(void *value, void *arg), void *arg)
{
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct node *n = m->buckets[i]; n; n = n->next)
			fn(n->value, arg);
}
