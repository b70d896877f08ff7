/* The fetcher: one request per input row, answered from the cache when
 * RFC 9111 allows, else over the network through the transport, with
 * per-host limits, rate limits, retries, redirects followed hop by hop
 * (each hop cached on its own terms) and identical requests in flight
 * fetched once. Rows are handed back through a callback as they finish,
 * in any order; the caller restores input order. */
#ifndef FETCH_FETCH_H
#define FETCH_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage_error.h"
#include "stage_loop.h"
#include "store.h"

typedef struct fc_fetch_opts {
	bool head;               /* HEAD instead of GET */
	const char *const *headers; /* fixed "Name: value" request headers */
	size_t nheaders;
	fc_store *store;         /* NULL: no cache (--no-store) */
	bool revalidate, offline, follow;
	long parallel, per_host;
	uint64_t timeout_ns, connect_timeout_ns;
	int retries;
	double rate;             /* requests per second per host; 0: no limit */
	const char *user_agent;
	bool keep_body;          /* the caller wants body bytes (--body, --save) */
	uint64_t max_size;       /* cache bound; 0: none */
} fc_fetch_opts;

/* What a row gets. Strings are NULL when absent. Borrowed by the
 * callback: copy what is kept. */
typedef struct fc_result {
	const char *final_url;
	int status;              /* 0: no response */
	const char *cache;       /* "hit", "revalidated", "miss", "stale", "offline-miss", "error" */
	int64_t bytes;
	const char *content_type;
	double elapsed_ms;
	int64_t attempts;
	const char *error;
	const char *headers;     /* the response header block */
	const uint8_t *body;     /* keep_body only */
	size_t body_len;
	const char *digest;      /* hex SHA-256 of the body */
} fc_result;

typedef void (*fc_row_done)(void *arg, int64_t row, const fc_result *r);

typedef struct fc_fetcher fc_fetcher;

typedef struct fc_fetch_counts {
	uint64_t rows, hits, revalidated, misses, stale, offline_misses, errors;
	uint64_t requests, stored, evicted;
	uint64_t store_failures; /* bodies that could not be written to the cache */
} fc_fetch_counts;

int fc_fetcher_new(fc_fetcher **out, stage_loop *loop, const fc_fetch_opts *o,
                   fc_row_done done, void *arg, stage_error *err);
/* One row: its URL and its own request headers ("Name: value" lines,
 * NULL for none). The result may come back before this returns (a hit).
 * Returns -1 only on a failure of the whole stage (out of memory, the
 * cache index failing); a bad URL is a result. */
int fc_fetcher_submit(fc_fetcher *f, int64_t row, const char *url, const char *row_headers,
                      stage_error *err);
/* Work not yet done: rows waiting, transfers, background revalidations,
 * bodies being written to the cache. */
size_t fc_fetcher_busy(const fc_fetcher *f);
/* After each loop turn: commits cache writes when due, evicts over
 * max_size, reports a failure of the transport. */
int fc_fetcher_tick(fc_fetcher *f, stage_error *err);
/* Commits cache writes now: before the input may keep the stage waiting,
 * so that other processes are not locked out meanwhile. */
int fc_fetcher_commit(fc_fetcher *f, stage_error *err);
/* At the end (busy == 0): final commit and eviction. */
int fc_fetcher_finish(fc_fetcher *f, stage_error *err);
const fc_fetch_counts *fc_fetcher_counts(const fc_fetcher *f);
/* Why the first body could not be stored (counts.store_failures > 0). */
const char *fc_fetcher_store_failure(const fc_fetcher *f);
void fc_fetcher_free(fc_fetcher *f);

#endif
