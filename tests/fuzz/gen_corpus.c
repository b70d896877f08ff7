/* Writes the seed corpus of the IPC reader fuzz target into DIR (default
 * tests/fuzz/corpus/ipc): small sample streams (tests/common/sample_stream.h)
 * with different batch sizes, concatenated streams, an error batch, and
 * truncated copies. A maintainer tool, run by hand after a format change:
 *
 *   gcc -std=gnu11 -include BUILD/config.h -Ilibstage -Itests/common \
 *       tests/fuzz/gen_corpus.c tests/common/sample_stream.c \
 *       BUILD/libstage/.libs/libstagecore.a -lm -o gen_corpus && ./gen_corpus */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sample_stream.h"

static const char *dir = "tests/fuzz/corpus/ipc";

/* The sample stream with these batch sizes, in memory. */
static uint8_t *stream(const int64_t *sizes, size_t n, bool finish, size_t *len)
{
	int fd = memfd_create("corpus", 0);
	stage_error err;
	uint8_t *p;
	off_t end;

	if (fd < 0 || sample_write_stream(fd, sizes, n, finish, &err) < 0) {
		fprintf(stderr, "gen_corpus: %s\n", fd < 0 ? "memfd_create failed" : err.msg);
		exit(1);
	}
	end = lseek(fd, 0, SEEK_END);
	p = malloc((size_t)end + 1);
	if (!p || pread(fd, p, (size_t)end, 0) != end)
		exit(1);
	close(fd);
	*len = (size_t)end;
	return p;
}

static void put(const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void put_stream(const char *name, const int64_t *sizes, size_t n)
{
	size_t len;
	uint8_t *p = stream(sizes, n, true, &len);

	put(name, p, len);
	free(p);
}

int main(int argc, char **argv)
{
	static const int64_t one[] = {1}, small[] = {3, 0, 4}, empty[] = {0},
	                     mixed[] = {5, 0, 1, 20, 0}, nulls[] = {9};
	uint8_t *p, *two;
	size_t len;
	stage_error err;
	stage_schema *s;
	stage_sink *sink;
	stage_ipc_writer *w;
	int fd;
	off_t end;

	if (argc > 1)
		dir = argv[1];
	put_stream("schema-only.arrow", NULL, 0);
	put_stream("one-row.arrow", one, 1);
	put_stream("3-0-4.arrow", small, 3);
	put_stream("zero-row.arrow", empty, 1);
	put_stream("5-0-1-20-0.arrow", mixed, 5);
	put_stream("nulls-9.arrow", nulls, 1);

	/* What `cat a.arrow b.arrow` gives. */
	p = stream(small, 3, true, &len);
	two = malloc(2 * len);
	memcpy(two, p, len);
	memcpy(two + len, p, len);
	put("concatenated.arrow", two, 2 * len);
	/* Cut inside the last batch's body, and after a batch without EOS. */
	put("truncated-body.arrow", p, len - 20);
	free(two);
	free(p);
	p = stream(small, 3, false, &len);
	put("no-eos.arrow", p, len);
	free(p);

	/* A failed upstream stage: an error batch, then EOS. */
	fd = memfd_create("corpus", 0);
	s = sample_schema();
	sink = stage_sink_new(fd, &err);
	if (stage_ipc_writer_open(&w, sink, s, &err) < 0 ||
	    stage_ipc_writer_fail(w, "moments", "disk full", &err) < 0)
		return 1;
	stage_ipc_writer_free(w);
	stage_sink_free(sink);
	stage_schema_free(s);
	end = lseek(fd, 0, SEEK_END);
	p = malloc((size_t)end);
	if (pread(fd, p, (size_t)end, 0) != end)
		return 1;
	put("error-batch.arrow", p, (size_t)end);
	free(p);
	close(fd);
	return 0;
}
