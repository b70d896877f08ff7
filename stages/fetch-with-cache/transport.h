/* libcurl's multi interface driven by the libstage loop: curl says which
 * sockets it waits on and when its timer is due, the loop watches them
 * (io_uring poll or epoll) and hands readiness back. One thread, any
 * number of transfers. */
#ifndef FETCH_TRANSPORT_H
#define FETCH_TRANSPORT_H

#include <curl/curl.h>
#include <stddef.h>

#include "stage_error.h"
#include "stage_loop.h"

typedef struct fc_transport fc_transport;

/* Called on the loop's thread when a transfer ended (result CURLE_OK also
 * for HTTP error statuses). The handle is already removed from the multi
 * handle: the callee may reuse it at once. */
typedef void (*fc_transfer_done)(void *arg, CURL *easy, CURLcode result);

typedef struct fc_transport_opts {
	long max_total_connections;
	long max_host_connections;
} fc_transport_opts;

int fc_transport_new(fc_transport **out, stage_loop *loop, const fc_transport_opts *o,
                     fc_transfer_done done, void *arg, stage_error *err);
/* Starts a configured easy handle. */
int fc_transport_start(fc_transport *t, CURL *easy, stage_error *err);
/* Takes a transfer out unfinished (the stage is failing). */
void fc_transport_abort(fc_transport *t, CURL *easy);
/* Transfers started and not yet done. */
size_t fc_transport_running(const fc_transport *t);
/* A failure inside a loop callback (a watch that could not be armed),
 * sticky: the caller checks it after each loop turn. NULL when none. */
const stage_error *fc_transport_failure(const fc_transport *t);
/* Transfers must all be done; frees the multi handle. */
void fc_transport_free(fc_transport *t);

#endif
