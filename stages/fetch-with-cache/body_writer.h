/* Writes response bodies into the store on a thread of its own and hands
 * each back on the loop's thread. Creating and renaming a file costs
 * 25 to 200 us on ext4 (more right after many deletions): on the loop's
 * one thread that would stall every transfer, here it overlaps them. */
#ifndef FETCH_BODY_WRITER_H
#define FETCH_BODY_WRITER_H

#include <stddef.h>

#include "stage_error.h"
#include "stage_loop.h"
#include "store.h"

typedef struct fc_body_write fc_body_write;
struct fc_body_write {
	const char *digest;  /* 64 hex digits: the body's name */
	const void *body;
	size_t len;
	/* Runs on the loop's thread once the body is published (failed
	 * false) or could not be (failed true, why in err). */
	void (*done)(fc_body_write *w);
	bool failed;
	stage_error err;
	fc_body_write *next; /* the writer's queue */
};

typedef struct fc_body_writer fc_body_writer;

int fc_body_writer_start(fc_body_writer **out, fc_store *s, stage_loop *l, stage_error *err);
/* Queues w (which must stay valid until its done ran). */
void fc_body_writer_push(fc_body_writer *bw, fc_body_write *w);
/* Writes what is queued, stops the thread, frees. The done callbacks of
 * the last bodies are posted to the loop: run it until they ran. */
void fc_body_writer_stop(fc_body_writer *bw);

#endif
