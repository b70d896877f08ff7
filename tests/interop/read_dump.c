/* read_dump: reads an Arrow IPC stream on stdin with libstage's reader and
 * prints every cell in a fixed, typed text form, so the interop tests can
 * compare what we read with what a JS writer wrote, bit for bit, without
 * depending on the text writers' number formatting.
 *
 * Output, one item per line:
 *   column NAME TYPE          per schema field, TYPE as stage_type_name()
 *   batch NROWS               per record batch, zero-row batches included
 *   ROW COL VALUE             per cell; ROW counts over the whole stream
 * VALUE is "null", an int64 or timestamp in decimal, a bool as true/false,
 * float64/float32 as the hex of their bit pattern (-0.0, subnormals and NaN
 * payloads stay distinguishable), utf8/binary as "..." with bytes outside
 * printable ASCII, '"' and '\' written as \xNN.
 * On error: "read_dump: MESSAGE" on stderr, exit status as rec-cat's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stage.h"

static void print_bytes(const uint8_t *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"' || p[i] == '\\')
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

static void print_cell(const stage_array *a, int64_t i)
{
	uint64_t u64;
	uint32_t u32;
	size_t n;
	const uint8_t *p;

	if (stage_array_is_null(a, i)) {
		fputs("null", stdout);
		return;
	}
	switch (a->type) {
	case STAGE_INT64:
	case STAGE_TIMESTAMP:
		printf("%" PRId64, stage_array_i64(a, i));
		break;
	case STAGE_FLOAT64: {
		double d = stage_array_f64(a, i);

		memcpy(&u64, &d, sizeof(u64));
		printf("%016" PRIx64, u64);
		break;
	}
	case STAGE_FLOAT32: {
		float f = stage_array_f32(a, i);

		memcpy(&u32, &f, sizeof(u32));
		printf("%08" PRIx32, u32);
		break;
	}
	case STAGE_BOOL:
		fputs(stage_array_bool(a, i) ? "true" : "false", stdout);
		break;
	case STAGE_UTF8:
	case STAGE_BINARY:
		p = stage_array_bytes(a, i, &n);
		print_bytes(p, n);
		break;
	}
}

int main(void)
{
	stage_error err = {0};
	stage_source *src = stage_source_new(0, &err);
	stage_ipc_reader *r = NULL;
	const stage_schema *s;
	stage_batch *b;
	int64_t row = 0;
	int rc = -1;

	if (!src || stage_ipc_reader_open(&r, src, &err) < 0)
		goto done;
	s = stage_ipc_reader_schema(r);
	for (size_t c = 0; c < s->ncols; c++)
		printf("column %s %s\n", s->fields[c].name, stage_type_name(s->fields[c].type));
	while ((rc = stage_ipc_reader_next(r, &b, &err)) > 0) {
		printf("batch %" PRId64 "\n", b->nrows);
		for (int64_t i = 0; i < b->nrows; i++, row++) {
			for (size_t c = 0; c < b->ncols; c++) {
				printf("%" PRId64 " %s ", row, s->fields[c].name);
				print_cell(&b->cols[c], i);
				putchar('\n');
			}
		}
		stage_batch_free(b);
	}
done:
	stage_ipc_reader_free(r);
	stage_source_free(src);
	if (fflush(stdout) != 0 && rc == 0)
		return 1;
	if (rc < 0) {
		fprintf(stderr, "read_dump: %s\n", err.msg);
		return err.status ? err.status : 1;
	}
	return 0;
}
