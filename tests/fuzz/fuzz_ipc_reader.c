/* libFuzzer target for the Arrow IPC reader: the input bytes are a stream
 * on a file descriptor, read to the end through stage_source and
 * stage_ipc_reader with every cell touched. Any outcome but a successful
 * read or a clean error (BAD_INPUT, or FAILURE for an upstream error batch)
 * aborts, so libFuzzer records it. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipc_consume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int input_fd(const uint8_t *data, size_t size)
{
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz-ipc", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		perror("fuzz input");
		abort();
	}
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stage_error err = {0};
	const char *bug;
	/* Odd sizes also exercise --allow-truncated, with no extra run. */
	bool allow_truncated = size & 1;
	int64_t rows = ipc_consume_fd(input_fd(data, size), allow_truncated, &err, &bug);

	if (bug) {
		fprintf(stderr, "fuzz_ipc_reader: reader promise broken: %s\n", bug);
		abort();
	}
	if (rows < 0 && ((err.status != STAGE_EXIT_BAD_INPUT && err.status != STAGE_EXIT_FAILURE) ||
	                 err.msg[0] == '\0' || strlen(err.msg) >= sizeof(err.msg))) {
		fprintf(stderr, "fuzz_ipc_reader: bad error: status %d, message '%s'\n", err.status,
		        err.msg);
		abort();
	}
	return 0;
}
