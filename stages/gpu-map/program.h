/* gpu-map's kernel builds: OpenCL C source built for one device, through a
 * cache of program binaries so that the second run of the same kernel
 * starts without a compiler run, and PoCL's own kernel cache kept in a
 * persistent place. */
#ifndef GPU_MAP_PROGRAM_H
#define GPU_MAP_PROGRAM_H

#include <stdbool.h>

#include "cl.h"
#include "device.h"
#include "stage.h"

/* Before the first OpenCL call: when POCL_CACHE_DIR is unset, points it at
 * $XDG_CACHE_HOME/pipestage/pocl (or ~/.cache/pipestage/pocl), so PoCL's
 * compiled work-group functions outlive the process. */
void gm_cache_env(void);

typedef struct gm_program {
	cl_program program;
	double build_ms;  /* clBuildProgram (or loading the cached binary) */
	bool cached;      /* the binary came from the cache */
	char *log;        /* the compiler's log after a failed build, or NULL */
} gm_program;

/* Builds `source` with `options` for device d. `file` names the user's
 * .cl file (source is then its text unchanged): the compiler's messages
 * name that file with its own line numbers. cache_dir: where binaries are
 * kept (NULL: no cache). A failed build: status USAGE, out->log set. */
int gm_program_build(cl_context ctx, const gm_device *d, const char *source,
                     const char *options, const char *file, const char *cache_dir,
                     gm_program *out, stage_error *err);
void gm_program_release(gm_program *p);
/* $XDG_CACHE_HOME/pipestage/opencl or ~/.cache/pipestage/opencl (malloc'd),
 * NULL when neither variable is set. */
char *gm_cache_dir_default(void);

#endif
