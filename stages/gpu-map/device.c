/* OpenCL platforms and devices: listing them, choosing one, and the facts
 * about it that the rest of gpu-map needs (fp64, unified memory, the
 * largest buffer). */
#include <stdlib.h>
#include <string.h>

#include "device.h"

#define NO_PLATFORM_HINT \
	"no OpenCL platform found: install an OpenCL driver and the ICD loader " \
	"(Debian: ocl-icd-libopencl1, and pocl-opencl-icd for the CPU through PoCL)"

const char *gm_device_type_name(cl_device_type t)
{
	if (t & CL_DEVICE_TYPE_GPU)
		return "gpu";
	if (t & CL_DEVICE_TYPE_CPU)
		return "cpu";
	if (t & CL_DEVICE_TYPE_ACCELERATOR)
		return "accelerator";
	return "other";
}

/* The platforms, in the loader's order (caller frees *out). */
static int get_platforms(cl_platform_id **out, cl_uint *n, stage_error *err)
{
	cl_int rc = clGetPlatformIDs(0, NULL, n);

	*out = NULL;
	if (rc != CL_SUCCESS || *n == 0)
		return stage_error_set(err, STAGE_EXIT_FAILURE, NO_PLATFORM_HINT);
	*out = calloc(*n, sizeof **out);
	if (!*out)
		return stage_error_oom(err, "platforms");
	rc = clGetPlatformIDs(*n, *out, NULL);
	if (rc != CL_SUCCESS) {
		free(*out);
		*out = NULL;
		return stage_error_set(err, STAGE_EXIT_FAILURE, "clGetPlatformIDs: %s",
		                       gm_cl_strerror(rc));
	}
	return 0;
}

/* A platform's devices (caller frees *out); none is not an error. */
static int get_devices(cl_platform_id p, cl_device_id **out, cl_uint *n, stage_error *err)
{
	cl_int rc = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, NULL, n);

	*out = NULL;
	if (rc == CL_DEVICE_NOT_FOUND || (rc == CL_SUCCESS && *n == 0)) {
		*n = 0;
		return 0;
	}
	if (rc != CL_SUCCESS)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "clGetDeviceIDs: %s",
		                       gm_cl_strerror(rc));
	*out = calloc(*n, sizeof **out);
	if (!*out)
		return stage_error_oom(err, "devices");
	rc = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, *n, *out, NULL);
	if (rc != CL_SUCCESS) {
		free(*out);
		*out = NULL;
		return stage_error_set(err, STAGE_EXIT_FAILURE, "clGetDeviceIDs: %s",
		                       gm_cl_strerror(rc));
	}
	return 0;
}

static void describe(cl_platform_id p, cl_device_id d, int pi, int di, gm_device *g)
{
	cl_device_fp_config fp = 0;
	cl_bool unified = CL_FALSE;
	cl_ulong u = 0;

	memset(g, 0, sizeof *g);
	g->platform = p;
	g->id = d;
	g->platform_index = pi;
	g->device_index = di;
	clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof g->platform_name - 1, g->platform_name, NULL);
	clGetDeviceInfo(d, CL_DEVICE_NAME, sizeof g->name - 1, g->name, NULL);
	clGetDeviceInfo(d, CL_DRIVER_VERSION, sizeof g->driver - 1, g->driver, NULL);
	clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof g->type, &g->type, NULL);
	clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof g->compute_units,
	                &g->compute_units, NULL);
	if (clGetDeviceInfo(d, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp, &fp, NULL) == CL_SUCCESS)
		g->fp64 = fp != 0;
	clGetDeviceInfo(d, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified, NULL);
	g->unified = unified || (g->type & CL_DEVICE_TYPE_CPU);
	if (clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof u, &u, NULL) == CL_SUCCESS)
		g->max_alloc = u;
	u = 0;
	if (clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof u, &u, NULL) == CL_SUCCESS)
		g->global_mem = u;
}

static void print_size(FILE *f, uint64_t b)
{
	if (b >= (1ULL << 30))
		fprintf(f, "%.1fG", (double)b / (1ULL << 30));
	else
		fprintf(f, "%.1fM", (double)b / (1ULL << 20));
}

int gm_device_list(FILE *f, stage_error *err)
{
	cl_platform_id *ps;
	cl_uint np;

	if (get_platforms(&ps, &np, err) < 0)
		return -1;
	for (cl_uint i = 0; i < np; i++) {
		cl_device_id *ds;
		cl_uint nd;
		char name[256] = "", version[256] = "";

		clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof name - 1, name, NULL);
		clGetPlatformInfo(ps[i], CL_PLATFORM_VERSION, sizeof version - 1, version, NULL);
		fprintf(f, "platform %u: %s (%s)\n", i, name, version);
		if (get_devices(ps[i], &ds, &nd, err) < 0) {
			free(ps);
			return -1;
		}
		for (cl_uint j = 0; j < nd; j++) {
			gm_device g;

			describe(ps[i], ds[j], (int)i, (int)j, &g);
			fprintf(f, "  device %u:%u: %s\n    type %s, %u compute units, global memory ",
			        i, j, g.name, gm_device_type_name(g.type), g.compute_units);
			print_size(f, g.global_mem);
			fprintf(f, ", max alloc ");
			print_size(f, g.max_alloc);
			fprintf(f, ", fp64 %s, driver %s\n", g.fp64 ? "yes" : "no", g.driver);
		}
		free(ds);
	}
	free(ps);
	return 0;
}

/* Parses "P:D"; returns 0, or -1 when choice is not of that form. */
static int parse_index(const char *choice, long *p, long *d)
{
	char *end;

	*p = strtol(choice, &end, 10);
	if (end == choice || *end != ':' || *p < 0)
		return -1;
	choice = end + 1;
	*d = strtol(choice, &end, 10);
	if (end == choice || *end || *d < 0)
		return -1;
	return 0;
}

int gm_device_choose(const char *choice, gm_device *out, stage_error *err)
{
	cl_device_type want[2] = {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_CPU};
	int nwant = 2;
	long pi = -1, di = -1;
	cl_platform_id *ps;
	cl_uint np;
	int rc = -1;

	if (choice && !strcmp(choice, "gpu"))
		nwant = 1;
	else if (choice && !strcmp(choice, "cpu"))
		want[0] = CL_DEVICE_TYPE_CPU, nwant = 1;
	else if (choice && !strcmp(choice, "accelerator"))
		want[0] = CL_DEVICE_TYPE_ACCELERATOR, nwant = 1;
	else if (choice && parse_index(choice, &pi, &di) < 0)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--device '%s': expected gpu, cpu, accelerator or "
		                       "PLATFORM:DEVICE (numbers from --list-devices)",
		                       choice);
	if (get_platforms(&ps, &np, err) < 0)
		return -1;
	if (pi >= 0) {
		cl_device_id *ds = NULL;
		cl_uint nd = 0;

		if ((cl_uint)pi < np && get_devices(ps[pi], &ds, &nd, err) < 0)
			goto out;
		if ((cl_uint)pi >= np || (cl_uint)di >= nd) {
			stage_error_set(err, STAGE_EXIT_FAILURE,
			                "--device '%s': no such device (see --list-devices)", choice);
		} else {
			describe(ps[pi], ds[di], (int)pi, (int)di, out);
			rc = 0;
		}
		free(ds);
		goto out;
	}
	for (int w = 0; w < nwant && rc < 0; w++) {
		for (cl_uint i = 0; i < np && rc < 0; i++) {
			cl_device_id *ds;
			cl_uint nd;

			if (get_devices(ps[i], &ds, &nd, err) < 0)
				goto out;
			for (cl_uint j = 0; j < nd && rc < 0; j++) {
				cl_device_type t = 0;

				clGetDeviceInfo(ds[j], CL_DEVICE_TYPE, sizeof t, &t, NULL);
				if (t & want[w]) {
					describe(ps[i], ds[j], (int)i, (int)j, out);
					rc = 0;
				}
			}
			free(ds);
		}
	}
	if (rc < 0)
		stage_error_set(err, STAGE_EXIT_FAILURE, "no OpenCL %s device found (see --list-devices)",
		                choice ? choice : "gpu or cpu");
out:
	free(ps);
	return rc;
}
