/* Errors as values: every libstage call that can fail fills a stage_error
 * and returns -1. The library never prints and never exits; executables turn
 * the error into "stage: message" on stderr and err.status as exit status. */
#ifndef STAGE_ERROR_H
#define STAGE_ERROR_H

#include <stdbool.h>

enum stage_exit {
	STAGE_EXIT_OK = 0,
	STAGE_EXIT_FAILURE = 1,   /* runtime failure (I/O, memory, upstream failed) */
	STAGE_EXIT_USAGE = 2,     /* bad options or arguments */
	STAGE_EXIT_BAD_INPUT = 3, /* malformed, truncated or unsupported input */
};

typedef struct stage_error {
	int status;              /* one of enum stage_exit */
	bool downstream_closed;  /* EPIPE on output: end quietly with status 0 */
	char msg[1024];
} stage_error;

/* Sets status and message; returns -1 so callers can `return stage_error_set(...)`. */
int stage_error_set(stage_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends context: "context: previous message". Returns -1. */
int stage_error_prefix(stage_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Out of memory while doing `what`; returns -1. */
int stage_error_oom(stage_error *err, const char *what);

/* errno-based failure: "what: strerror(errnum)", status FAILURE; returns -1. */
int stage_error_errno(stage_error *err, int errnum, const char *what);

#endif
