/* SHA-256 of bodies as they arrive, in lowercase hex: the name of a body
 * in the store and the --digest column. OpenSSL's libcrypto (already in
 * the process through libcurl) uses the CPU's SHA extensions. */
#ifndef FETCH_DIGEST_H
#define FETCH_DIGEST_H

#include <stddef.h>

typedef struct fc_digest fc_digest;

/* NULL on out of memory. */
fc_digest *fc_digest_new(void);
void fc_digest_update(fc_digest *d, const void *p, size_t n);
/* Writes 64 hex digits and a NUL, and resets d for the next body. */
void fc_digest_finish(fc_digest *d, char hex[65]);
void fc_digest_free(fc_digest *d);

#endif
