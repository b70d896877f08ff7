/* libFuzzer target for eval-expr's front end: the input bytes go to
 * ev_front() as an assignment and as a --where expression against a fixed
 * schema with columns of every type; input split by \x01 bytes also feeds
 * several arguments, --where, --drop and --keep at once. Every accepted
 * tree must keep the promises of ast.h (ast_valid.h), every rejection must
 * be a clean usage error; anything else aborts so libFuzzer records it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_valid.h"
#include "front.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static stage_schema *fixed_schema(void)
{
	static const struct {
		const char *name;
		stage_type type;
	} cols[] = {
		{"i", STAGE_INT64},   {"j", STAGE_INT64},      {"f", STAGE_FLOAT64},
		{"g", STAGE_FLOAT64}, {"h", STAGE_FLOAT32},    {"b", STAGE_BOOL},
		{"s", STAGE_UTF8},    {"host", STAGE_UTF8},    {"ts", STAGE_TIMESTAMP},
		{"blob", STAGE_BINARY}, {"δ", STAGE_INT64},   {"my col", STAGE_FLOAT32},
		{"nan", STAGE_FLOAT64},
	};
	static stage_schema *s;
	stage_error err;

	if (s)
		return s;
	if (!(s = stage_schema_new()))
		abort();
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (stage_schema_add(s, cols[i].name, cols[i].type, &err) < 0)
			abort();
	return s;
}

static void run(const ev_front_opts *o)
{
	const stage_schema *in = fixed_schema();
	stage_error err = {0};
	ev_ast *ast = NULL;
	const char *bad;

	if (ev_front(o, in, &ast, &err) < 0) {
		if (ast || (err.status != STAGE_EXIT_USAGE && err.status != STAGE_EXIT_FAILURE) ||
		    err.msg[0] == '\0' || strlen(err.msg) >= sizeof err.msg) {
			fprintf(stderr, "fuzz_eval_parse: bad error: status %d, message '%s'\n",
			        err.status, err.msg);
			abort();
		}
		return;
	}
	if ((bad = ev_valid_ast(ast, in))) {
		fprintf(stderr, "fuzz_eval_parse: tree promise broken: %s\n", bad);
		abort();
	}
	ev_ast_free(ast);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *parts[4] = {NULL, NULL, NULL, NULL};
	const char *assign[2] = {"y = i + 1", NULL};
	size_t nparts = 0;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	/* whole, as an assignment and as --where (after one assignment) */
	assign[1] = text;
	run(&(ev_front_opts){.assignments = &assign[1], .nassignments = 1});
	run(&(ev_front_opts){.assignments = assign, .nassignments = 1, .where = text});
	/* split: assignments, --where, --drop, --keep */
	for (char *p = text; p && nparts < 4; nparts++) {
		char *q = strchr(p, '\x01');

		parts[nparts] = p;
		if (q)
			*q++ = '\0';
		p = q;
	}
	if (nparts > 1) {
		assign[0] = parts[0];
		assign[1] = "z = i * 2";
		run(&(ev_front_opts){.assignments = assign, .nassignments = 2, .where = parts[1],
		                     .drop = parts[2], .keep = parts[3]});
		run(&(ev_front_opts){.assignments = assign, .nassignments = 2, .where = parts[1],
		                     .keep = parts[2]});
	}
	free(text);
	return 0;
}
