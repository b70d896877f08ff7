/* Filling stage_error values: the one way failures travel up through
 * libstage to the executable that reports them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stage_error.h"

int stage_error_set(stage_error *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->status = status;
	err->downstream_closed = false;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int stage_error_prefix(stage_error *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	int n;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* Keep as much of the original message as fits after the context. */
	if (n >= 0 && (size_t)n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 2);
		memcpy(err->msg + n + 2, old, sizeof(err->msg) - (size_t)n - 2);
		err->msg[sizeof(err->msg) - 1] = '\0';
	}
	return -1;
}

int stage_error_oom(stage_error *err, const char *what)
{
	return stage_error_set(err, STAGE_EXIT_FAILURE, "out of memory: %s", what);
}

int stage_error_errno(stage_error *err, int errnum, const char *what)
{
	return stage_error_set(err, STAGE_EXIT_FAILURE, "%s: %s", what, strerror(errnum));
}
