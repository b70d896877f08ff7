/* gpu-map's device choice: the OpenCL platforms and devices of this
 * machine, --list-devices, and --device gpu|cpu|accelerator|P:D. */
#ifndef GPU_MAP_DEVICE_H
#define GPU_MAP_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cl.h"
#include "stage.h"

typedef struct gm_device {
	cl_platform_id platform;
	cl_device_id id;
	int platform_index, device_index; /* as --list-devices numbers them */
	char name[256];
	char platform_name[256];
	char driver[128];      /* CL_DRIVER_VERSION */
	cl_device_type type;
	bool fp64;             /* CL_DEVICE_DOUBLE_FP_CONFIG != 0 */
	bool unified;          /* CL_DEVICE_HOST_UNIFIED_MEMORY, or a CPU device */
	uint64_t max_alloc;    /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
	uint64_t global_mem;
	cl_uint compute_units;
} gm_device;

/* Prints every platform and device, one device per line under its
 * platform. Returns 0, or -1 when there is no platform (err says which
 * packages provide one). */
int gm_device_list(FILE *f, stage_error *err);
/* Chooses the device --device names (NULL: the first GPU, else the first
 * CPU device). Unknown or absent devices: status FAILURE; a malformed
 * choice: status USAGE. */
int gm_device_choose(const char *choice, gm_device *out, stage_error *err);
const char *gm_device_type_name(cl_device_type t);

#endif
