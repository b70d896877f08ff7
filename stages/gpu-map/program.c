/* Building OpenCL programs through a binary cache. A cached binary is
 * named by a 128-bit hash of everything that determines it: the source,
 * the build options, the platform, the device and its driver version; a
 * binary the driver rejects is rebuilt from source and replaced. Files
 * are written under a temporary name and renamed, so concurrent runs
 * never read half a binary. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"

/* Cached binaries above this size are not read back (a corrupt file). */
#define MAX_BINARY (256u << 20)

/* mkdir -p; returns 0 or -1 with errno. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static char *cache_path(const char *leaf)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *p = NULL;

	if (xdg && *xdg) {
		if (asprintf(&p, "%s/pipestage/%s", xdg, leaf) < 0)
			p = NULL;
	} else if (home && *home) {
		if (asprintf(&p, "%s/.cache/pipestage/%s", home, leaf) < 0)
			p = NULL;
	}
	return p;
}

char *gm_cache_dir_default(void)
{
	return cache_path("opencl");
}

void gm_cache_env(void)
{
	char *dir;

	if (getenv("POCL_CACHE_DIR"))
		return;
	dir = cache_path("pocl");
	/* An unusable directory leaves PoCL its own default. */
	if (dir && make_dirs(dir) == 0)
		setenv("POCL_CACHE_DIR", dir, 0);
	free(dir);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	/* the terminator keeps ("ab","c") apart from ("a","bc") */
	return (h ^ 0xff) * 0x100000001b3ULL;
}

static uint64_t key_hash(uint64_t h, const gm_device *d, const char *source, const char *options,
                         const char *file)
{
	h = fnv(h, source, strlen(source));
	h = fnv(h, options, strlen(options));
	h = fnv(h, file ? file : "", file ? strlen(file) : 0);
	h = fnv(h, d->platform_name, strlen(d->platform_name));
	h = fnv(h, d->name, strlen(d->name));
	return fnv(h, d->driver, strlen(d->driver));
}

/* Reads a whole file of at most MAX_BINARY bytes (NULL when absent). */
static unsigned char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > MAX_BINARY)
		goto out;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r <= 0) {
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	*len = got;
out:
	close(fd);
	return buf;
}

/* Best effort: a cache that cannot be written costs the next run a build. */
static void write_binary(cl_program prog, const char *dir, const char *path)
{
	size_t len = 0;
	unsigned char *bin;
	char *tmp = NULL;
	char *d;
	int fd;

	if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS ||
	    len == 0 || len > MAX_BINARY)
		return;
	bin = malloc(len);
	if (!bin)
		return;
	if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) != CL_SUCCESS)
		goto out;
	d = strdup(dir);
	if (!d || make_dirs(d) < 0) {
		free(d);
		goto out;
	}
	free(d);
	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0) {
		tmp = NULL;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (write(fd, bin, len) != (ssize_t)len || close(fd) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
out:
	free(tmp);
	free(bin);
}

/* The compiler's log, or NULL. */
static char *build_log(cl_program prog, cl_device_id dev)
{
	size_t len = 0;
	char *log;

	if (clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &len) != CL_SUCCESS ||
	    len == 0)
		return NULL;
	log = calloc(1, len + 1);
	if (log && clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, len, log, NULL) !=
	               CL_SUCCESS) {
		free(log);
		return NULL;
	}
	return log;
}

/* The source the compiler sees: a user's file starts with a #line
 * directive naming it, so that the log has its name and line numbers. */
static char *with_line_directive(const char *source, const char *file)
{
	size_t n = strlen(file), k = 0;
	char *name = malloc(2 * n + 1), *out = NULL;

	if (!name)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (file[i] == '"' || file[i] == '\\')
			name[k++] = '\\';
		name[k++] = file[i] == '\n' ? ' ' : file[i];
	}
	name[k] = '\0';
	if (asprintf(&out, "#line 1 \"%s\"\n%s", name, source) < 0)
		out = NULL;
	free(name);
	return out;
}

static int from_source(cl_context ctx, const gm_device *d, const char *source,
                       const char *options, const char *file, gm_program *out,
                       stage_error *err)
{
	char *text = file ? with_line_directive(source, file) : NULL;
	const char *src = text ? text : source;
	cl_int rc;

	if (file && !text)
		return stage_error_oom(err, "kernel source");
	out->program = clCreateProgramWithSource(ctx, 1, &src, NULL, &rc);
	free(text);
	if (rc != CL_SUCCESS)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "clCreateProgramWithSource: %s",
		                       gm_cl_strerror(rc));
	rc = clBuildProgram(out->program, 1, &d->id, options, NULL, NULL);
	if (rc == CL_BUILD_PROGRAM_FAILURE || rc == CL_INVALID_BUILD_OPTIONS) {
		out->log = build_log(out->program, d->id);
		return stage_error_set(err, STAGE_EXIT_USAGE, "%s: %s",
		                       file ? file : "generated kernel",
		                       rc == CL_BUILD_PROGRAM_FAILURE ? "build failed"
		                                                      : "invalid build options");
	}
	if (rc != CL_SUCCESS)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "clBuildProgram: %s",
		                       gm_cl_strerror(rc));
	return 0;
}

/* 0 with out->program built from the cached binary, 1 when there is no
 * usable one. */
static int from_binary(cl_context ctx, const gm_device *d, const char *path,
                       const char *options, gm_program *out)
{
	size_t len = 0;
	unsigned char *bin = read_file(path, &len);
	const unsigned char *cbin = bin;
	cl_int rc, st = CL_SUCCESS;
	cl_program p;

	if (!bin)
		return 1;
	p = clCreateProgramWithBinary(ctx, 1, &d->id, &len, &cbin, &st, &rc);
	free(bin);
	if (rc != CL_SUCCESS || st != CL_SUCCESS)
		goto stale;
	if (clBuildProgram(p, 1, &d->id, options, NULL, NULL) != CL_SUCCESS) {
		clReleaseProgram(p);
		goto stale;
	}
	out->program = p;
	return 0;
stale:
	unlink(path); /* rebuilt and written again below */
	return 1;
}

int gm_program_build(cl_context ctx, const gm_device *d, const char *source,
                     const char *options, const char *file, const char *cache_dir,
                     gm_program *out, stage_error *err)
{
	uint64_t start = stage_now_ns();
	char *path = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (cache_dir) {
		uint64_t a = key_hash(0xcbf29ce484222325ULL, d, source, options, file);
		uint64_t b = key_hash(0x84222325cbf29ce4ULL, d, source, options, file);

		if (asprintf(&path, "%s/%016llx%016llx.bin", cache_dir, (unsigned long long)a,
		             (unsigned long long)b) < 0)
			return stage_error_oom(err, "cache path");
		if (from_binary(ctx, d, path, options, out) == 0) {
			out->cached = true;
			out->build_ms = (double)(stage_now_ns() - start) / 1e6;
			free(path);
			return 0;
		}
	}
	rc = from_source(ctx, d, source, options, file, out, err);
	if (rc == 0 && path)
		write_binary(out->program, cache_dir, path);
	out->build_ms = (double)(stage_now_ns() - start) / 1e6;
	free(path);
	return rc;
}

void gm_program_release(gm_program *p)
{
	if (p->program)
		clReleaseProgram(p->program);
	free(p->log);
	memset(p, 0, sizeof *p);
}
