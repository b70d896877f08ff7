#include "digest.h"

#include <openssl/evp.h>

/* An fc_digest is an EVP_MD_CTX under our own name. */
fc_digest *fc_digest_new(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return NULL;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return (fc_digest *)ctx;
}

void fc_digest_update(fc_digest *d, const void *p, size_t n)
{
	EVP_DigestUpdate((EVP_MD_CTX *)d, p, n);
}

void fc_digest_finish(fc_digest *d, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int len = 0;
	EVP_DigestFinal_ex((EVP_MD_CTX *)d, md, &len);
	for (unsigned int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	EVP_DigestInit_ex((EVP_MD_CTX *)d, EVP_sha256(), NULL);
}

void fc_digest_free(fc_digest *d)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)d);
}
