/* The primary cache key of a URL (RFC 9111 4): libcurl's URL parser reads
 * it, so that the key names the same resource that libcurl fetches. */
#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static void lowercase(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int url_failed(CURLUcode rc, const char *url, stage_error *err)
{
	if (rc == CURLUE_OUT_OF_MEMORY)
		return stage_error_oom(err, "URL key");
	return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "malformed URL '%s'", url);
}

/* Host names compare case-insensitively (RFC 3986 6.2.2.1); libcurl keeps
 * the case it was given. */
static CURLUcode lowercase_host(CURLU *u)
{
	char *host;
	CURLUcode rc = curl_url_get(u, CURLUPART_HOST, &host, 0);

	if (rc != CURLUE_OK)
		return rc;
	lowercase(host);
	rc = curl_url_set(u, CURLUPART_HOST, host, 0);
	curl_free(host);
	return rc;
}

/* With the scheme known to be http or https (lowercased): drop the
 * fragment, then let libcurl write the URL back without a default port and
 * with "/" for an empty path. */
static char *key_of(CURLU *u, const char *scheme, const char *url, stage_error *err)
{
	char *s, *key;
	CURLUcode rc = curl_url_set(u, CURLUPART_SCHEME, scheme, 0);

	if (rc == CURLUE_OK)
		rc = lowercase_host(u);
	if (rc == CURLUE_OK)
		rc = curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT);
	if (rc != CURLUE_OK) {
		url_failed(rc, url, err);
		return NULL;
	}
	key = strdup(s);
	curl_free(s);
	if (!key)
		stage_error_oom(err, "URL key");
	return key;
}

char *fc_url_key(const char *url, stage_error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *key = NULL;
	CURLUcode rc;

	if (!u) {
		stage_error_oom(err, "URL key");
		return NULL;
	}
	/* Any scheme parses, so that an ftp:// URL is reported as
	 * unsupported rather than malformed. */
	rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (rc != CURLUE_OK) {
		url_failed(rc, url, err);
		goto done;
	}
	lowercase(scheme);
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		stage_error_set(err, STAGE_EXIT_BAD_INPUT, "unsupported scheme '%s' in '%s'", scheme,
		                url);
		goto done;
	}
	key = key_of(u, scheme, url, err);
done:
	curl_free(scheme);
	curl_url_cleanup(u);
	return key;
}
