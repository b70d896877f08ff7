/* The store's in-memory LRU of recently looked-up keys: chained hash
 * buckets for finding a key, a doubly linked list for recency. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_lru.h"

/* Twice the key bound, a power of two: chains stay short. */
#define BUCKETS 8192

struct node {
	char *key;
	uint64_t hash;
	fc_entry *entries;
	size_t n, bytes;
	struct node *chain;      /* next in the bucket */
	struct node *prev, *next; /* recency list, most recent after the head */
};

struct fc__lru {
	struct node *bucket[BUCKETS];
	struct node head; /* sentinel of the recency list */
	size_t keys, bytes;
};

/* FNV-1a: keys are short strings and the map holds a few thousand. */
static uint64_t hash_key(const char *key)
{
	uint64_t h = 14695981039346656037u;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

static void list_unlink(struct node *nd)
{
	nd->prev->next = nd->next;
	nd->next->prev = nd->prev;
}

static void list_push_front(fc__lru *l, struct node *nd)
{
	nd->prev = &l->head;
	nd->next = l->head.next;
	l->head.next->prev = nd;
	l->head.next = nd;
}

fc__lru *fc__lru_new(void)
{
	fc__lru *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->head.prev = l->head.next = &l->head;
	return l;
}

static struct node **find_slot(fc__lru *l, const char *key, uint64_t h)
{
	struct node **pp = &l->bucket[h & (BUCKETS - 1)];

	while (*pp && ((*pp)->hash != h || strcmp((*pp)->key, key) != 0))
		pp = &(*pp)->chain;
	return pp;
}

static void node_free(struct node *nd)
{
	for (size_t i = 0; i < nd->n; i++)
		fc_entry_release(&nd->entries[i]);
	free(nd->entries);
	free(nd->key);
	free(nd);
}

/* Unlinks the node *pp points at from its bucket and the list. */
static void remove_at(fc__lru *l, struct node **pp)
{
	struct node *nd = *pp;

	*pp = nd->chain;
	list_unlink(nd);
	l->keys--;
	l->bytes -= nd->bytes;
	node_free(nd);
}

static void remove_key(fc__lru *l, const char *key, uint64_t h)
{
	struct node **pp = find_slot(l, key, h);

	if (*pp)
		remove_at(l, pp);
}

bool fc__lru_get(fc__lru *l, const char *key, const fc_entry **entries, size_t *n)
{
	struct node *nd = *find_slot(l, key, hash_key(key));

	if (!nd)
		return false;
	list_unlink(nd);
	list_push_front(l, nd);
	*entries = nd->entries;
	*n = nd->n;
	return true;
}

static struct node *node_new(const char *key, uint64_t h, const fc_entry *entries, size_t n)
{
	struct node *nd = calloc(1, sizeof(*nd));

	if (!nd)
		return NULL;
	nd->hash = h;
	nd->key = strdup(key);
	nd->entries = n ? calloc(n, sizeof(*nd->entries)) : NULL;
	nd->bytes = sizeof(*nd) + strlen(key) + 1;
	if (!nd->key || (n && !nd->entries)) {
		node_free(nd);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (fc__entry_copy(&nd->entries[i], &entries[i]) != 0) {
			node_free(nd);
			return NULL;
		}
		nd->n++;
		nd->bytes += fc__entry_bytes(&entries[i]);
	}
	return nd;
}

static void evict_oldest(fc__lru *l)
{
	struct node *old = l->head.prev;

	remove_key(l, old->key, old->hash);
}

void fc__lru_set(fc__lru *l, const char *key, const fc_entry *entries, size_t n)
{
	uint64_t h = hash_key(key);
	struct node *nd;

	remove_key(l, key, h);
	nd = node_new(key, h, entries, n);
	if (!nd)
		return;
	if (nd->bytes > FC__LRU_MAX_BYTES) {
		node_free(nd);
		return;
	}
	while (l->keys && (l->keys >= FC__LRU_MAX_KEYS || l->bytes + nd->bytes > FC__LRU_MAX_BYTES))
		evict_oldest(l);
	nd->chain = l->bucket[h & (BUCKETS - 1)];
	l->bucket[h & (BUCKETS - 1)] = nd;
	list_push_front(l, nd);
	l->keys++;
	l->bytes += nd->bytes;
}

void fc__lru_forget(fc__lru *l, const char *key)
{
	remove_key(l, key, hash_key(key));
}

void fc__lru_touch(fc__lru *l, const char *key, int64_t id, int64_t last_used)
{
	struct node *nd = *find_slot(l, key, hash_key(key));

	for (size_t i = 0; nd && i < nd->n; i++)
		if (nd->entries[i].id == id)
			nd->entries[i].last_used = last_used;
}

void fc__lru_clear(fc__lru *l)
{
	while (l->keys)
		evict_oldest(l);
}

void fc__lru_free(fc__lru *l)
{
	if (!l)
		return;
	fc__lru_clear(l);
	free(l);
}
