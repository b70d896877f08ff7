/* A bounded in-memory map from cache key to the variants the index held
 * for it, so that a key looked up again within a run costs no query. It
 * holds copies; the store forgets a key whenever this process writes it. */
#ifndef FETCH_STORE_LRU_H
#define FETCH_STORE_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* At most this many keys and this many bytes of entries: the least
 * recently used key goes first. */
#define FC__LRU_MAX_KEYS 4096
#define FC__LRU_MAX_BYTES (16u << 20)

typedef struct fc__lru fc__lru;

/* NULL on out of memory. */
fc__lru *fc__lru_new(void);
void fc__lru_free(fc__lru *l);
/* The cached variants of key (owned by the map, valid until its next
 * change) and true, or false when key is not cached. Marks key recent. */
bool fc__lru_get(fc__lru *l, const char *key, const fc_entry **entries, size_t *n);
/* Caches a copy of entries under key. Out of memory or a set larger than
 * the byte bound just leaves key uncached: the map is only a shortcut. */
void fc__lru_set(fc__lru *l, const char *key, const fc_entry *entries, size_t n);
void fc__lru_forget(fc__lru *l, const char *key);
/* Keeps a cached entry's last_used in step with the index. */
void fc__lru_touch(fc__lru *l, const char *key, int64_t id, int64_t last_used);
void fc__lru_clear(fc__lru *l);

#endif
