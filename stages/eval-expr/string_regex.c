/* eval-expr's regex match `s ~ 'pattern'` (kernels.h) over PCRE2: compiled
 * once as UTF, JIT-compiled where PCRE2 can (the interpreter otherwise),
 * matched without re-validating UTF-8 since utf8 columns are valid. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "string_view.h"

/* PCRE2's default match limit (10^7) keeps a catastrophic pattern to well
 * under a second per row; the JIT stack may grow to this much per worker. */
#define JIT_STACK_START (32 * 1024)
#define JIT_STACK_MAX (4 * 1024 * 1024)

struct ev_regex {
	pcre2_code *code;
	bool jit;
	char *pattern; /* for messages, NUL-terminated */
	size_t pattern_len;
};

struct ev_regex_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack; /* NULL without JIT */
};

int ev_regex_compile(const uint8_t *pattern, size_t len, ev_regex **out, char *msg, size_t msgsz)
{
	ev_regex *re = calloc(1, sizeof *re);
	int code;
	PCRE2_SIZE at;

	*out = NULL;
	if (!re || !(re->pattern = malloc(len + 1))) {
		free(re);
		snprintf(msg, msgsz, "regex '%.*s': out of memory", (int)len, (const char *)pattern);
		return -1;
	}
	memcpy(re->pattern, pattern, len);
	re->pattern[len] = '\0';
	re->pattern_len = len;
	re->code = pcre2_compile(len ? pattern : (PCRE2_SPTR) "", len, PCRE2_UTF, &code, &at, NULL);
	if (!re->code) {
		PCRE2_UCHAR why[256];

		pcre2_get_error_message(code, why, sizeof why);
		snprintf(msg, msgsz, "bad regex '%.*s': %s at offset %zu", (int)len,
		         (const char *)pattern, (const char *)why, (size_t)at);
		ev_regex_free(re);
		return -1;
	}
	/* JIT is an optimisation: where it is unsupported or fails, the
	 * interpreter gives the same answers */
	re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	*out = re;
	return 0;
}

ev_regex_scratch *ev_regex_scratch_new(const ev_regex *re)
{
	ev_regex_scratch *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	if (re->jit) {
		s->stack = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL);
		if (s->stack && s->mctx)
			pcre2_jit_stack_assign(s->mctx, NULL, s->stack);
	}
	if (!s->md || !s->mctx || (re->jit && !s->stack)) {
		ev_regex_scratch_free(s);
		return NULL;
	}
	return s;
}

void ev_regex_scratch_free(ev_regex_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	pcre2_jit_stack_free(s->stack);
	free(s);
}

/* 1 on a match, 0 on none, a negative PCRE2 error code otherwise */
static int match(const ev_regex *re, ev_regex_scratch *s, ev_str t)
{
	int rc;

	if (re->jit)
		rc = pcre2_jit_match(re->code, t.p, t.len, 0, 0, s->md, s->mctx);
	else
		rc = pcre2_match(re->code, t.p, t.len, 0, PCRE2_NO_UTF_CHECK, s->md, s->mctx);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

int ev_regex_match(const ev_regex *re, ev_regex_scratch *s, uint8_t *dst, const ev_str_view *v,
                   size_t n, char *msg, size_t msgsz)
{
	size_t rows = v->offsets ? n : (n > 0);

	for (size_t i = 0; i < rows; i++) {
		int rc = match(re, s, ev_str_at(v, i));

		if (rc < 0) {
			PCRE2_UCHAR why[256];

			pcre2_get_error_message(rc, why, sizeof why);
			snprintf(msg, msgsz, "regex '%s': %s", re->pattern, (const char *)why);
			return -1;
		}
		dst[i] = (uint8_t)rc;
	}
	/* a constant subject matches or not once for every row */
	if (!v->offsets && n > 0)
		memset(dst + 1, dst[0], n - 1);
	return 0;
}

void ev_regex_free(ev_regex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	free(re->pattern);
	free(re);
}
