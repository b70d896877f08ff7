/* Names for OpenCL status codes, for messages. */
#include <stdio.h>

#include "cl.h"

const char *gm_cl_strerror(cl_int rc)
{
	static __thread char buf[64];
	const char *name;

	switch (rc) {
	case CL_DEVICE_NOT_FOUND: name = "CL_DEVICE_NOT_FOUND"; break;
	case CL_DEVICE_NOT_AVAILABLE: name = "CL_DEVICE_NOT_AVAILABLE"; break;
	case CL_COMPILER_NOT_AVAILABLE: name = "CL_COMPILER_NOT_AVAILABLE"; break;
	case CL_MEM_OBJECT_ALLOCATION_FAILURE: name = "CL_MEM_OBJECT_ALLOCATION_FAILURE"; break;
	case CL_OUT_OF_RESOURCES: name = "CL_OUT_OF_RESOURCES"; break;
	case CL_OUT_OF_HOST_MEMORY: name = "CL_OUT_OF_HOST_MEMORY"; break;
	case CL_BUILD_PROGRAM_FAILURE: name = "CL_BUILD_PROGRAM_FAILURE"; break;
	case CL_INVALID_VALUE: name = "CL_INVALID_VALUE"; break;
	case CL_INVALID_DEVICE: name = "CL_INVALID_DEVICE"; break;
	case CL_INVALID_BINARY: name = "CL_INVALID_BINARY"; break;
	case CL_INVALID_BUILD_OPTIONS: name = "CL_INVALID_BUILD_OPTIONS"; break;
	case CL_INVALID_PROGRAM_EXECUTABLE: name = "CL_INVALID_PROGRAM_EXECUTABLE"; break;
	case CL_INVALID_KERNEL_NAME: name = "CL_INVALID_KERNEL_NAME"; break;
	case CL_INVALID_ARG_INDEX: name = "CL_INVALID_ARG_INDEX"; break;
	case CL_INVALID_ARG_VALUE: name = "CL_INVALID_ARG_VALUE"; break;
	case CL_INVALID_ARG_SIZE: name = "CL_INVALID_ARG_SIZE"; break;
	case CL_INVALID_KERNEL_ARGS: name = "CL_INVALID_KERNEL_ARGS"; break;
	case CL_INVALID_WORK_GROUP_SIZE: name = "CL_INVALID_WORK_GROUP_SIZE"; break;
	case CL_INVALID_BUFFER_SIZE: name = "CL_INVALID_BUFFER_SIZE"; break;
	case CL_INVALID_HOST_PTR: name = "CL_INVALID_HOST_PTR"; break;
	case CL_KERNEL_ARG_INFO_NOT_AVAILABLE: name = "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"; break;
	case -1001: name = "CL_PLATFORM_NOT_FOUND_KHR"; break;
	default: name = "OpenCL error"; break;
	}
	snprintf(buf, sizeof buf, "%s (%d)", name, (int)rc);
	return buf;
}
