/* Keys as the sketch sees them: the bytes of a column's value. */
#ifndef CMS_KEYS_H
#define CMS_KEYS_H

#include "stage.h"

typedef struct cms_keybuf {
	const uint8_t *p;
	size_t len;
	bool null;
	uint8_t fixed[8];
} cms_keybuf;

/* Row i of column a as key bytes (fixed-width values little-endian, in
 * their own width; text and binary as they are). The bytes live in a or
 * in k. */
void cms_key_of_row(const stage_array *a, int64_t i, cms_keybuf *k);
/* Appends key bytes to an output column of the key's type. */
void cms_key_append(stage_column_builder *c, const uint8_t *p, size_t len, bool null);

#endif
