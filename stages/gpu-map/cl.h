/* The OpenCL headers at the API level gpu-map is written against (1.2,
 * which PoCL and every current driver provide), and the error-code names
 * its messages use. */
#ifndef GPU_MAP_CL_H
#define GPU_MAP_CL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

/* "CL_OUT_OF_RESOURCES (-5)" for an OpenCL status code. */
const char *gm_cl_strerror(cl_int rc);

#endif
