/* Naming and guessing input formats: the --in option's words, and the
 * sniffing that picks a text format from the first bytes of input. */
#include "text_in_internal.h"

int stage_in_format_parse(const char *name, stage_in_format *out)
{
	static const struct {
		const char *name;
		stage_in_format format;
	} names[] = {
		{"auto", STAGE_IN_AUTO}, {"arrow", STAGE_IN_ARROW}, {"lines", STAGE_IN_LINES},
		{"ws", STAGE_IN_WS},     {"tsv", STAGE_IN_TSV},     {"csv", STAGE_IN_CSV},
		{"jsonl", STAGE_IN_JSONL},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].format;
			return 0;
		}
	}
	return -1;
}

/* Only the first line counts: later lines may hold free text. A UTF-8
 * byte order mark, blank lines and leading spaces are skipped (not tabs,
 * which may separate an empty first TSV field). */
stage_in_format stage_text_sniff(const uint8_t *p, size_t n)
{
	const uint8_t *nl;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	while (n && (*p == ' ' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	if (n && *p == '{')
		return STAGE_IN_JSONL;
	nl = memchr(p, '\n', n);
	if (nl)
		n = (size_t)(nl - p);
	if (memchr(p, '\t', n))
		return STAGE_IN_TSV;
	if (memchr(p, ',', n))
		return STAGE_IN_CSV;
	return STAGE_IN_WS;
}
