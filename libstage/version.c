/* The library's version string, the one --version prints. */
#include "stage_internal.h"

const char *stage_version(void)
{
	return PACKAGE_VERSION;
}
