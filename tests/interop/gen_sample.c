/* Writes the sample stream (tests/common/sample_stream.h) to stdout for the
 * interop scripts: batches of 5, 0, 1, 1000 and 0 rows. */
#include <stdio.h>

#include "sample_stream.h"

int main(void)
{
	static const int64_t sizes[] = {5, 0, 1, 1000, 0};
	stage_error err;

	if (sample_write_stream(1, sizes, 5, true, &err) < 0) {
		fprintf(stderr, "gen_sample: %s\n", err.msg);
		return 1;
	}
	return 0;
}
