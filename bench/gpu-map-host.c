/* The peer for gpu-map's kernel throughput (issue 8): a hand-written
 * zero-copy OpenCL host program running y[i] = a[i]*b[i] + c[i] over float64
 * columns, as gpu-map's inline 'y = a*b + c' does, on the first CPU device
 * (else the first device).
 *
 *   gpu-map-host [-n ROWS] [-c CHUNK[,CHUNK...]] [-f FILE] [-r ROUNDS]
 *                [-d cpu|gpu|all]
 *   gpu-map-host --platform-only
 *
 * The columns live in 128-byte-aligned host memory, touched before use: read
 * from FILE (raw little-endian float64, a[ROWS] then b[ROWS] then c[ROWS], no
 * header; the file holds at least ROWS rows and its row count is size / 24),
 * or drawn uniform in [-10, 10) with a fixed seed (touching fresh memory
 * is slow on some VMs: about 8 s a GiB on the 2-core one this was written
 * on, so the loading takes longer than the kernels). Each round runs
 * the kernel over the rows in chunks of CHUNK rows (default 65536, gpu-map's
 * batches from a stream written by rec-cat; 0: all rows in one launch; a
 * comma-separated list runs ROUNDS rounds of each in turn) the way a streaming
 * program must: per chunk, CL_MEM_USE_HOST_PTR buffers over the chunk's
 * ranges of a, b, c and y, the kernel (profiled), a non-blocking map of y;
 * once the next chunk is enqueued, the previous one's map is waited for,
 * unmapped and its buffers released. One in-order queue. The results are
 * checked on every 997th row against the same arithmetic in C (compiled
 * with -ffp-contract=off; the kernel has FP_CONTRACT OFF).
 *
 * Output, one line a round, key=value: kernel_ms is the sum of the launches'
 * CL_PROFILING_COMMAND_START..END (gpu-map's --stats "kernel" is the same
 * sum), wall_ms the wall clock from the first enqueue to the final
 * clFinish, and the rows per second of both; then one line of set-up times
 * (clGetPlatformIDs, context and queue, program build). --platform-only
 * times clGetPlatformIDs alone (loading the ICD loader's drivers, PoCL's
 * start-up) and exits. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *source =
	"#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
	"#pragma OPENCL FP_CONTRACT OFF\n"
	"__kernel void abc(__global const double *a, __global const double *b,\n"
	"                  __global const double *c, __global double *y, const long n)\n"
	"{\n"
	"\tlong i = get_global_id(0);\n"
	"\tif (i < n)\n"
	"\t\ty[i] = a[i] * b[i] + c[i];\n"
	"}\n";

#define ALIGN 128
#define LOCAL 256 /* work-items per group, at most (gpu-map's limit too) */

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void check(cl_int rc, const char *what)
{
	if (rc != CL_SUCCESS) {
		fprintf(stderr, "gpu-map-host: %s failed: OpenCL error %d\n", what, (int)rc);
		exit(1);
	}
}

static void *xalloc(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, ALIGN, n ? n : 1) != 0) {
		fprintf(stderr, "gpu-map-host: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

static void read_full(int fd, void *buf, size_t n, off_t off, const char *path)
{
	char *p = buf;

	while (n > 0) {
		ssize_t r = pread(fd, p, n, off);

		if (r <= 0) {
			fprintf(stderr, "gpu-map-host: %s: %s\n", path, r < 0 ? strerror(errno) : "short file");
			exit(1);
		}
		p += r, n -= (size_t)r, off += r;
	}
}

/* splitmix64, for the generated columns */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

struct chunk {
	cl_mem mem[4];
	cl_event map;
	void *mapped;
	double *host[4];
	long long n;
};

/* every 997th row of a chunk, and its last, against C */
static int verify(const struct chunk *k, long long first)
{
	const double *a = k->host[0], *b = k->host[1], *c = k->host[2], *y = k->host[3];

	for (long long j = 0; j <= k->n / 997 + 1; j++) {
		long long i = j * 997 < k->n ? j * 997 : k->n - 1;
		double want = a[i] * b[i] + c[i];

		if (y[i] != want) {
			fprintf(stderr, "gpu-map-host: row %lld: %.17g, expected %.17g\n", first + i, y[i],
			        want);
			return -1;
		}
	}
	return 0;
}

static void finish_chunk(cl_command_queue q, struct chunk *k)
{
	check(clWaitForEvents(1, &k->map), "waiting for the map");
	check(clEnqueueUnmapMemObject(q, k->mem[3], k->mapped, 0, NULL, NULL), "unmap");
	clReleaseEvent(k->map);
	for (int i = 0; i < 4; i++)
		clReleaseMemObject(k->mem[i]);
}

int main(int argc, char **argv)
{
	long long rows = 100000000, chunks[16] = {65536};
	int rounds = 1, platform_only = 0, nchunk_sizes = 1, stream = 0;
	const char *file = NULL, *devtype = "cpu";
	cl_platform_id plats[16];
	cl_uint nplat = 0;
	cl_device_id dev = NULL;
	double t0, t_plat, t_ctx, t_build;
	cl_int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--platform-only"))
			platform_only = 1;
		else if (i + 1 < argc && !strcmp(a, "-n"))
			rows = atoll(argv[++i]);
		else if (!strcmp(a, "-s"))
			stream = 1;
		else if (i + 1 < argc && !strcmp(a, "-c")) {
			char *e = argv[++i];

			nchunk_sizes = 0;
			do {
				if (nchunk_sizes == 16) {
					fprintf(stderr, "gpu-map-host: at most 16 chunk sizes\n");
					return 2;
				}
				chunks[nchunk_sizes++] = strtoll(*e == ',' ? e + 1 : e, &e, 10);
			} while (*e == ',');
		}
		else if (i + 1 < argc && !strcmp(a, "-f"))
			file = argv[++i];
		else if (i + 1 < argc && !strcmp(a, "-r"))
			rounds = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "-d"))
			devtype = argv[++i];
		else {
			fprintf(stderr,
			        "usage: gpu-map-host [-n ROWS] [-c CHUNK[,CHUNK...]] [-f FILE [-s]] "
			        "[-r ROUNDS] [-d cpu|gpu|all]\n       gpu-map-host --platform-only\n");
			return 2;
		}
	}
	for (int i = 0; i < nchunk_sizes; i++) {
		if (chunks[i] < 0)
			rows = 0;
		if (chunks[i] == 0 || chunks[i] > rows)
			chunks[i] = rows;
	}
	if (rows < 1 || rounds < 1 || (stream && !file)) {
		fprintf(stderr, "gpu-map-host: bad -n, -c or -r\n");
		return 2;
	}

	t0 = now_ms();
	rc = clGetPlatformIDs(16, plats, &nplat);
	t_plat = now_ms() - t0;
	if (rc != CL_SUCCESS || nplat == 0) {
		fprintf(stderr, "gpu-map-host: no OpenCL platform (error %d)\n", (int)rc);
		return 1;
	}
	if (platform_only) {
		printf("platforms=%u clGetPlatformIDs_ms=%.3f\n", nplat, t_plat);
		return 0;
	}

	/* the columns */
	size_t bytes = (size_t)rows * sizeof(double);
	double *a = NULL, *b = NULL, *c = NULL, *y = NULL, *sbuf[2][4];
	double t_load = now_ms();
	int sfd = -1;
	long long sfrows = 0;

	if (stream) {
		/* two sets of chunk buffers, reused */
		struct stat st;
		long long most_rows = 0;

		for (int i = 0; i < nchunk_sizes; i++)
			most_rows = chunks[i] > most_rows ? chunks[i] : most_rows;
		if ((sfd = open(file, O_RDONLY)) < 0 || fstat(sfd, &st) < 0) {
			fprintf(stderr, "gpu-map-host: %s: %s\n", file, strerror(errno));
			return 1;
		}
		sfrows = (long long)st.st_size / 24;
		if (st.st_size % 24 || sfrows < rows) {
			fprintf(stderr, "gpu-map-host: %s: %lld bytes, not 3 columns of at least %lld rows\n",
			        file, (long long)st.st_size, rows);
			return 1;
		}
		for (int s = 0; s < 2; s++)
			for (int i = 0; i < 4; i++) {
				sbuf[s][i] = xalloc((size_t)most_rows * sizeof(double));
				memset(sbuf[s][i], 0xff, (size_t)most_rows * sizeof(double));
			}
		goto loaded;
	}
	a = xalloc(bytes), b = xalloc(bytes), c = xalloc(bytes), y = xalloc(bytes);

	/* Touched before reading: a kernel over pages first written by read()
	 * into fresh memory, or writing into untouched pages, runs several
	 * times slower on its first pass on PoCL (page faults in the kernel). */
	memset(a, 0, bytes), memset(b, 0, bytes), memset(c, 0, bytes);
	if (file) {
		int fd = open(file, O_RDONLY);
		struct stat st;
		long long frows;

		if (fd < 0 || fstat(fd, &st) < 0) {
			fprintf(stderr, "gpu-map-host: %s: %s\n", file, strerror(errno));
			return 1;
		}
		frows = (long long)st.st_size / 24;
		if (st.st_size % 24 || frows < rows) {
			fprintf(stderr, "gpu-map-host: %s: %lld bytes, not 3 columns of at least %lld rows\n",
			        file, (long long)st.st_size, rows);
			return 1;
		}
		read_full(fd, a, bytes, 0, file);
		read_full(fd, b, bytes, (off_t)frows * 8, file);
		read_full(fd, c, bytes, (off_t)frows * 16, file);
		close(fd);
	} else {
		uint64_t s = 42;

		for (long long i = 0; i < rows; i++) {
			a[i] = (double)(next(&s) >> 11) * 0x1p-53 * 20 - 10;
			b[i] = (double)(next(&s) >> 11) * 0x1p-53 * 20 - 10;
			c[i] = (double)(next(&s) >> 11) * 0x1p-53 * 20 - 10;
		}
	}
	memset(y, 0xff, bytes); /* not zero pages */
loaded:
	t_load = now_ms() - t_load;

	/* device, context, queue, program */
	t0 = now_ms();
	for (cl_uint p = 0; p < nplat && !dev; p++) {
		cl_device_type want = !strcmp(devtype, "gpu") ? CL_DEVICE_TYPE_GPU
		                      : !strcmp(devtype, "cpu") ? CL_DEVICE_TYPE_CPU
		                                                : CL_DEVICE_TYPE_ALL;
		if (clGetDeviceIDs(plats[p], want, 1, &dev, NULL) != CL_SUCCESS)
			dev = NULL;
	}
	for (cl_uint p = 0; p < nplat && !dev; p++)
		if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS)
			dev = NULL;
	if (!dev) {
		fprintf(stderr, "gpu-map-host: no OpenCL device\n");
		return 1;
	}
	char name[256] = "";
	cl_uint base_bits = 0;

	clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name, name, NULL);
	clGetDeviceInfo(dev, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof base_bits, &base_bits, NULL);
	if (base_bits / 8 > ALIGN)
		fprintf(stderr, "gpu-map-host: warning: the device wants %u-byte alignment\n",
		        base_bits / 8);
	cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &rc);
	check(rc, "clCreateContext");
	cl_command_queue q = clCreateCommandQueue(ctx, dev, CL_QUEUE_PROFILING_ENABLE, &rc);
	check(rc, "clCreateCommandQueue");
	t_ctx = now_ms() - t0;

	t0 = now_ms();
	cl_program prog = clCreateProgramWithSource(ctx, 1, &source, NULL, &rc);
	check(rc, "clCreateProgramWithSource");
	rc = clBuildProgram(prog, 1, &dev, "", NULL, NULL);
	if (rc != CL_SUCCESS) {
		char log[8192] = "";

		clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
		fprintf(stderr, "gpu-map-host: build failed:\n%s\n", log);
		return 1;
	}
	cl_kernel k = clCreateKernel(prog, "abc", &rc);
	check(rc, "clCreateKernel");
	t_build = now_ms() - t0;

	size_t wg = 0, local;

	if (clGetKernelWorkGroupInfo(k, dev, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg, NULL) !=
	        CL_SUCCESS ||
	    wg == 0)
		wg = 1;
	local = wg < LOCAL ? wg : LOCAL;

	long long most = (rows + chunks[0] - 1) / chunks[0];
	struct chunk prev, cur;

	for (int i = 1; i < nchunk_sizes; i++)
		if ((rows + chunks[i] - 1) / chunks[i] > most)
			most = (rows + chunks[i] - 1) / chunks[i];
	cl_event *kev = calloc((size_t)most, sizeof *kev);

	if (!kev) {
		fprintf(stderr, "gpu-map-host: out of memory\n");
		return 1;
	}
	for (int rr = 0; rr < rounds * nchunk_sizes; rr++) {
		long long chunk = chunks[rr / rounds], nchunks = (rows + chunk - 1) / chunk;
		int r = rr % rounds;
		double wall = now_ms(), kernel_ns = 0;
		int have_prev = 0;

		for (long long ci = 0; ci < nchunks; ci++) {
			long long start = ci * chunk, n = rows - start < chunk ? rows - start : chunk;
			size_t cb = (size_t)n * sizeof(double);
			size_t global = ((size_t)n + local - 1) / local * local;
			double *host[4];
			cl_long nn = n;

			if (stream) {
				/* the chunk read into the set chunk ci - 2 used (done) */
				for (int i = 0; i < 4; i++)
					host[i] = sbuf[ci & 1][i];
				for (int i = 0; i < 3; i++)
					read_full(sfd, host[i], cb, (off_t)((i * sfrows + start) * 8), file);
			} else {
				host[0] = a + start, host[1] = b + start, host[2] = c + start;
				host[3] = y + start;
			}
			memcpy(cur.host, host, sizeof host);
			cur.n = n;

			for (int i = 0; i < 4; i++) {
				cur.mem[i] = clCreateBuffer(ctx,
				                            (i < 3 ? CL_MEM_READ_ONLY : CL_MEM_WRITE_ONLY) |
				                                CL_MEM_USE_HOST_PTR,
				                            cb, host[i], &rc);
				check(rc, "clCreateBuffer");
				check(clSetKernelArg(k, (cl_uint)i, sizeof(cl_mem), &cur.mem[i]),
				      "clSetKernelArg");
			}
			check(clSetKernelArg(k, 4, sizeof nn, &nn), "clSetKernelArg");
			check(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 0, NULL, &kev[ci]),
			      "clEnqueueNDRangeKernel");
			cur.mapped = clEnqueueMapBuffer(q, cur.mem[3], CL_FALSE, CL_MAP_READ, 0, cb, 0, NULL,
			                                &cur.map, &rc);
			check(rc, "clEnqueueMapBuffer");
			if (have_prev) {
				finish_chunk(q, &prev);
				if (stream && verify(&prev, start - chunk) < 0)
					return 1;
			}
			prev = cur;
			have_prev = 1;
		}
		if (have_prev) {
			finish_chunk(q, &prev);
			if (stream && verify(&prev, (nchunks - 1) * chunk) < 0)
				return 1;
		}
		check(clFinish(q), "clFinish");
		wall = now_ms() - wall;
		for (long long ci = 0; ci < nchunks; ci++) {
			cl_ulong s = 0, e = 0;

			check(clGetEventProfilingInfo(kev[ci], CL_PROFILING_COMMAND_START, sizeof s, &s,
			                              NULL),
			      "profiling");
			check(clGetEventProfilingInfo(kev[ci], CL_PROFILING_COMMAND_END, sizeof e, &e, NULL),
			      "profiling");
			kernel_ns += (double)(e - s);
			clReleaseEvent(kev[ci]);
		}
		/* every 997th row, and the last one, against C (streaming: each
		 * chunk as it was done) */
		for (long long j = 0; !stream && j <= rows / 997 + 1; j++) {
			long long i = j * 997 < rows ? j * 997 : rows - 1;
			double want = a[i] * b[i] + c[i];

			if (y[i] != want) {
				fprintf(stderr, "gpu-map-host: row %lld: %.17g, expected %.17g\n", i, y[i], want);
				return 1;
			}
			y[i] = 0;
		}
		printf("round=%d rows=%lld chunk=%lld launches=%lld kernel_ms=%.3f wall_ms=%.3f "
		       "kernel_rows_per_s=%.6g wall_rows_per_s=%.6g%s\n",
		       r + 1, rows, chunk, nchunks, kernel_ns / 1e6, wall, rows / (kernel_ns / 1e9),
		       rows / (wall / 1e3), stream ? " streaming" : "");
	}
	printf("device='%s' clGetPlatformIDs_ms=%.3f context_ms=%.3f build_ms=%.3f load_ms=%.3f "
	       "local=%zu\n",
	       name, t_plat, t_ctx, t_build, t_load, local);
	free(kev);
	clReleaseKernel(k);
	clReleaseProgram(prog);
	clReleaseCommandQueue(q);
	clReleaseContext(ctx);
	free(a), free(b), free(c), free(y);
	if (stream) {
		close(sfd);
		for (int s = 0; s < 2; s++)
			for (int i = 0; i < 4; i++)
				free(sbuf[s][i]);
	}
	return 0;
}
