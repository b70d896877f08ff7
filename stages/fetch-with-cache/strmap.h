/* A map from strings to pointers (chained, grows at load 1): jobs in
 * flight by request, hosts by name. Keys are copied. */
#ifndef FETCH_STRMAP_H
#define FETCH_STRMAP_H

#include <stddef.h>

typedef struct fc_strmap fc_strmap;

fc_strmap *fc_strmap_new(void);
/* Frees the map, not the values. */
void fc_strmap_free(fc_strmap *m);
void *fc_strmap_get(const fc_strmap *m, const char *key);
/* Adds or replaces; -1 on out of memory. */
int fc_strmap_put(fc_strmap *m, const char *key, void *value);
void fc_strmap_del(fc_strmap *m, const char *key);
size_t fc_strmap_size(const fc_strmap *m);
/* Calls fn on every value (the map must not change meanwhile). */
void fc_strmap_each(const fc_strmap *m, void (*fn)(void *value, void *arg), void *arg);

#endif
