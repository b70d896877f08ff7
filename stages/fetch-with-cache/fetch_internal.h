/* What the fetcher's files share: its state, the jobs and hosts, and the
 * functions one file calls in another (fc__ names). fetch.c holds the
 * lifecycle and the rows in and out, fetch_cache.c what the cache answers,
 * fetch_net.c the transfers. */
#ifndef FETCH_INTERNAL_H
#define FETCH_INTERNAL_H

#include <curl/curl.h>
#include <limits.h>

#include "body_writer.h"
#include "digest.h"
#include "fetch.h"
#include "strmap.h"
#include "transport.h"

#define MAX_HOPS 10
#define COMMIT_EVERY_OPS 512
#define COMMIT_EVERY_NS (250 * 1000000ull)
#define EVICT_EVERY_NS (1000 * 1000000ull)
#define BACKOFF_BASE_NS (250 * 1000000ull)
#define BACKOFF_MAX_NS (30 * 1000000000ull)
#define RETRY_AFTER_MAX_S 120
/* Bodies queued for the writer: at most this many, of this many bytes. */
#define MAX_WRITES 1024
#define MAX_WRITE_BYTES (8u << 20)

typedef struct bytes {
	char *data;
	size_t len, cap;
	bool oom;
} bytes;

struct host {
	char *name;
	long active;
	struct job *head, *tail; /* waiting to start */
	uint64_t next_ok_ns;     /* --rate */
	bool in_ring;
};

/* One request, and the rows waiting for it. It walks hop by hop through
 * redirects; each hop is looked up in the cache before the network. */
struct job {
	fc_fetcher *f;
	char *coalesce;        /* key in f->inflight */
	char *url;             /* the current hop */
	char *key;             /* its cache key */
	char *req_block;       /* request header block */
	char *req_cc;          /* the request's Cache-Control, as the cache reads it */
	int64_t *rows;
	size_t nrows, caprows;
	int hops;
	bool has_stored, revalidating;
	fc_entry stored;
	struct host *host;
	struct job *qnext;
	CURL *easy;
	struct curl_slist *slist;
	char errbuf[CURL_ERROR_SIZE];
	char error[CURL_ERROR_SIZE];
	long status;
	bytes hdr, body;
	int64_t attempts;
	uint64_t start_ns;
	int64_t request_time;
};

/* A body on its way into the cache: written and published by the body
 * writer, then indexed on the loop's thread. */
struct pending_write {
	fc_body_write write; /* first: the writer hands this back */
	fc_fetcher *f;
	fc_entry e;
	char *body;
};

struct fc_fetcher {
	fc_fetch_opts o;
	stage_loop *loop;
	fc_transport *transport;
	fc_row_done done;
	void *arg;
	fc_strmap *inflight; /* coalesce key -> job */
	fc_strmap *hosts;    /* name -> host */
	struct host **ring;  /* hosts with waiting jobs, round-robin */
	size_t nring, capring;
	long active;
	size_t jobs, writes, timers;
	size_t write_bytes; /* bodies queued for the writer */
	CURL **idle;         /* easy handles to reuse */
	size_t nidle;
	fc_digest *digest;
	fc_body_writer *writer; /* with a store */
	stage_error store_failure; /* the first body that could not be stored */
	uint64_t uncommitted, last_commit_ns, last_evict_ns;
	uint64_t wake_at_ns; /* a --rate wake-up is pending for this time */
	fc_fetch_counts counts;
	bool failed;
	stage_error failure;
};

void fc__fail(fc_fetcher *f, const stage_error *err);
void fc__fail_oom(fc_fetcher *f, const char *what);
void fc__bytes_append(bytes *b, const void *p, size_t n);
void fc__bytes_reset(bytes *b);
int64_t fc__wall_now(void);
/* "scheme://authority" of a URL, into buf. */
const char *fc__host_of(const char *url, char *buf, size_t len);

/* Answers the job's rows with r; the job goes on (or is freed by the caller). */
void fc__deliver(struct job *j, fc_result *r);
void fc__job_free(struct job *j);
/* Answers the rows with an error and frees the job. */
void fc__finish_error(struct job *j, int status, const char *cache, const char *msg);
void fc__forget_stored(struct job *j);

/* fetch_cache.c */
/* The current hop: answered from the cache, or sent to the network. */
void fc__begin_hop(struct job *j);
/* Moves the job to a redirect's target: a new hop. */
void fc__next_hop(struct job *j, const char *target);
bool fc__is_redirect(int status);
/* Answers from the stored response and ends the job; `otherwise` runs
 * when its body turned out to be gone. */
void fc__serve_and_end(struct job *j, const char *cache, void (*otherwise)(struct job *));
/* After a 304: the stored response refreshed by its headers. */
void fc__refreshed(struct job *j, int64_t response_time);
/* Stores a response (entry strings are taken over), with the body moved out of b. */
void fc__store_response(fc_fetcher *f, fc_entry *e, bytes *b);

/* fetch_net.c */
/* Queues the job for the network behind its host. */
void fc__schedule(struct job *j);
/* Starts queued jobs while the window has room. */
void fc__dispatch(fc_fetcher *f);
/* The transport's callback. */
void fc__transfer_done(void *arg, CURL *easy, CURLcode rc);

#endif
