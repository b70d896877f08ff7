/* gpu-map: an OpenCL kernel over the columns of each batch, on a GPU or on
 * the CPU through PoCL. Inline, an assignment in eval-expr's language
 * (numeric subset) becomes an element-wise kernel; with -f, a kernel of
 * the user's runs over named columns. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen.h"
#include "device.h"
#include "front.h"
#include "program.h"
#include "stage.h"
#include "stream.h"

static const char usage[] =
	"Usage: gpu-map [OPTIONS] ASSIGNMENT...\n"
	"       gpu-map [OPTIONS] -f FILE.cl --kernel NAME --in COLS --out NAME:TYPE,...\n"
	"                         [--arg NAME=VALUE]...\n"
	"       gpu-map --list-devices\n"
	"Run an OpenCL kernel over the columns of each batch, on a GPU or on the CPU\n"
	"through PoCL.\n"
	"\n"
	"  ASSIGNMENT             NAME = EXPR in eval-expr's language, numbers only\n"
	"                         (no strings or regexes): compiled to one kernel\n"
	"  -f, --file FILE        a kernel of your own in OpenCL C; its parameters, in\n"
	"                         order: the --in column buffers, the --out buffers, the\n"
	"                         row count as a long, then the --arg scalars\n"
	"      --kernel NAME      the kernel function in FILE\n"
	"      --in COLS          with -f: the input columns, comma-separated (int64 as\n"
	"                         long, float64 as double, float32 as float; no nulls)\n"
	"      --out NAME:TYPE,...  with -f: the output columns, TYPE int64, float64 or\n"
	"                         float32\n"
	"      --arg NAME=VALUE   with -f: a scalar parameter (typed as the kernel\n"
	"                         declares it)\n"
	"      --in-format FMT, --out-format FMT\n"
	"                         the common --in and --out, which name columns with -f\n"
	"      --list-devices     print the OpenCL platforms and devices, and exit\n"
	"      --device DEV       gpu, cpu, accelerator, or PLATFORM:DEVICE as numbered\n"
	"                         by --list-devices (default: the first GPU, else the\n"
	"                         first CPU device)\n"
	"      --allow-float32    on a device without fp64, compute float64 as float32\n"
	"      --float32          compute float64 as float32 on any device\n"
	"      --max-alloc SIZE   the largest buffer to use (default: the device's);\n"
	"                         larger batches run as several launches\n"
	"      --buffers MODE     auto (default): the batch's memory used in place on a\n"
	"                         CPU or unified-memory device, copies on a discrete\n"
	"                         one; host: in place; copy: copies\n"
	"      --cache-dir DIR    compiled kernels (default\n"
	"                         $XDG_CACHE_HOME/pipestage/opencl)\n"
	"      --no-cache         build from source every time\n"
	"\n"
	"Examples:\n"
	"  gpu-map 'y = a * 2.0 + sin(b)' < in.arrow > out.arrow\n"
	"  gpu-map -f saxpy.cl --kernel saxpy --in x,y --out z:float64 --arg a=2.5\n"
	"\n";

enum {
	OPT_FILE = 'f',
	OPT_KERNEL = 0x2000,
	OPT_ARG,
	OPT_IN_FORMAT,
	OPT_OUT_FORMAT,
	OPT_LIST,
	OPT_DEVICE,
	OPT_ALLOW_F32,
	OPT_F32,
	OPT_MAX_ALLOC,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
	OPT_BUFFERS,
};

/* The largest kernel file read. */
#define MAX_SOURCE (16u << 20)
#define MAX_ARGS 64

struct opts {
	const char *file, *kernel, *in_cols, *out_cols, *in_raw, *out_raw, *device, *cache_dir;
	const char *buffers;
	const char *args[MAX_ARGS];
	size_t nargs;
	bool list, allow_f32, f32, no_cache;
	uint64_t max_alloc;
	const char *const *assignments;
	size_t nassignments;
};

static int parse_args(int argc, char **argv, stage_cli *cli, struct opts *o, stage_error *err)
{
	static const struct option longopts[] = {
		{"file", required_argument, NULL, OPT_FILE},
		{"kernel", required_argument, NULL, OPT_KERNEL},
		{"arg", required_argument, NULL, OPT_ARG},
		{"in-format", required_argument, NULL, OPT_IN_FORMAT},
		{"out-format", required_argument, NULL, OPT_OUT_FORMAT},
		{"list-devices", no_argument, NULL, OPT_LIST},
		{"device", required_argument, NULL, OPT_DEVICE},
		{"allow-float32", no_argument, NULL, OPT_ALLOW_F32},
		{"float32", no_argument, NULL, OPT_F32},
		{"max-alloc", required_argument, NULL, OPT_MAX_ALLOC},
		{"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
		{"no-cache", no_argument, NULL, OPT_NO_CACHE},
		{"buffers", required_argument, NULL, OPT_BUFFERS},
		STAGE_CLI_LONG_OPTIONS,
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "f:" STAGE_CLI_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_FILE: o->file = optarg; continue;
		case OPT_KERNEL: o->kernel = optarg; continue;
		case OPT_ARG:
			if (o->nargs == MAX_ARGS)
				return stage_error_set(err, STAGE_EXIT_USAGE, "more than %d --arg", MAX_ARGS);
			o->args[o->nargs++] = optarg;
			continue;
		case OPT_IN_FORMAT:
			if (stage_cli_option(cli, STAGE_OPT_IN, optarg, err) < 0)
				return -1;
			continue;
		case OPT_OUT_FORMAT:
			if (stage_cli_option(cli, STAGE_OPT_OUT, optarg, err) < 0)
				return -1;
			continue;
		case STAGE_OPT_IN: o->in_raw = optarg; continue;
		case STAGE_OPT_OUT: o->out_raw = optarg; continue;
		case OPT_LIST: o->list = true; continue;
		case OPT_DEVICE: o->device = optarg; continue;
		case OPT_ALLOW_F32: o->allow_f32 = true; continue;
		case OPT_F32: o->f32 = true; continue;
		case OPT_MAX_ALLOC:
			if (stage_parse_size(optarg, &o->max_alloc, err) < 0)
				return stage_error_prefix(err, "--max-alloc");
			continue;
		case OPT_CACHE_DIR: o->cache_dir = optarg; continue;
		case OPT_NO_CACHE: o->no_cache = true; continue;
		case OPT_BUFFERS:
			if (!strcmp(optarg, "auto") || !strcmp(optarg, "host") || !strcmp(optarg, "copy")) {
				o->buffers = optarg;
				continue;
			}
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--buffers '%s': expected auto, host or copy", optarg);
		}
		if (stage_cli_option(cli, opt, optarg, err) < 0)
			return -1;
	}
	o->assignments = (const char *const *)argv + optind;
	o->nassignments = (size_t)(argc - optind);
	if (o->list)
		return 0;
	/* --in and --out name columns in file mode, formats otherwise. */
	if (o->file) {
		o->in_cols = o->in_raw;
		o->out_cols = o->out_raw;
		if (o->nassignments)
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "-f and assignments exclude each other");
		if (!o->kernel || !o->in_cols || !o->out_cols)
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "-f needs --kernel, --in and --out (try --help)");
		return 0;
	}
	if ((o->in_raw && stage_cli_option(cli, STAGE_OPT_IN, o->in_raw, err) < 0) ||
	    (o->out_raw && stage_cli_option(cli, STAGE_OPT_OUT, o->out_raw, err) < 0))
		return -1;
	if (o->kernel || o->nargs)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--kernel and --arg need -f");
	if (!o->nassignments)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "nothing to do: give an assignment or -f (try --help)");
	return 0;
}

struct run {
	stage_cli *cli;
	struct opts *o;
	stage_input *in;
	stage_output *out;
	stage_schema *schema; /* the output's */
	int *project;         /* output column -> input column (placeholder 0) */
	gm_device dev;
	bool have_dev;
	cl_context ctx;
	gm_program prog;
	cl_kernel kernel;
	gm_stream st;
	gm_kernel gen;
	char *source;
	int64_t rows, batches;
	bool float32;
};

/* ---- inline mode ---- */

static bool uses_float64(const ev_node *n)
{
	if (n->type == EV_FLOAT64)
		return true;
	for (int i = 0; i < n->nargs; i++)
		if (uses_float64(n->args[i]))
			return true;
	return false;
}

static stage_type stage_type_of(ev_type t)
{
	switch (t) {
	case EV_BOOL: return STAGE_BOOL;
	case EV_INT64: return STAGE_INT64;
	case EV_FLOAT32: return STAGE_FLOAT32;
	default: return STAGE_FLOAT64;
	}
}

static int add_param(gm_param **ps, size_t *n, gm_param p, stage_error *err)
{
	gm_param *q = realloc(*ps, (*n + 1) * sizeof *q);

	if (!q)
		return stage_error_oom(err, "parameters");
	q[(*n)++] = p;
	*ps = q;
	return 0;
}

/* Schema, projection and stream parameters of the generated kernel. */
static int plan_inline(struct run *r, const ev_ast *ast, const stage_schema *in, stage_error *err)
{
	gm_stream *s = &r->st;

	r->schema = stage_schema_new();
	r->project = calloc(ast->nout + 1, sizeof *r->project);
	s->outs = calloc(ast->nassign + 1, sizeof *s->outs);
	if (!r->schema || !r->project || !s->outs)
		return stage_error_oom(err, "schema");
	for (size_t i = 0; i < ast->nassign; i++)
		s->outs[i] = (gm_out){.type = stage_type_of(ast->assign[i].expr->type),
		                      .column = -1,
		                      .from_float = r->float32 &&
		                                    ast->assign[i].expr->type == EV_FLOAT64,
		                      .has_valid = true};
	s->nouts = ast->nassign;
	for (size_t j = 0; j < ast->nout; j++) {
		const ev_output *o = &ast->out[j];
		int rc;

		if (o->input >= 0) {
			r->project[j] = o->input;
			rc = stage_schema_add(r->schema, in->fields[o->input].name,
			                      in->fields[o->input].type, err);
		} else {
			s->outs[o->assigned].column = (int)j;
			rc = stage_schema_add(r->schema, ast->assign[o->assigned].name,
			                      s->outs[o->assigned].type, err);
		}
		if (rc < 0)
			return -1;
	}
	for (size_t k = 0; k < r->gen.ninputs; k++) {
		int c = r->gen.inputs[k];
		stage_type t = in->fields[c].type;
		gm_param v = {.kind = t == STAGE_BOOL ? GM_IN_BITS : GM_IN, .col = c,
		              .to_float = r->float32 && t == STAGE_FLOAT64};

		if (add_param(&s->params, &s->nparams, v, err) < 0 ||
		    add_param(&s->params, &s->nparams,
		              (gm_param){.kind = GM_IN_BITS, .col = c, .validity = true}, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < ast->nassign; i++)
		if (add_param(&s->params, &s->nparams, (gm_param){.kind = GM_OUT, .col = (int)i},
		              err) < 0 ||
		    add_param(&s->params, &s->nparams,
		              (gm_param){.kind = GM_OUT_VALID, .col = (int)i}, err) < 0)
			return -1;
	return add_param(&s->params, &s->nparams, (gm_param){.kind = GM_ROWS}, err);
}

static int choose_device(struct run *r, stage_error *err)
{
	if (gm_device_choose(r->o->device, &r->dev, err) < 0)
		return -1;
	r->have_dev = true;
	return 0;
}

static int compile_inline(struct run *r, stage_error *err)
{
	const stage_schema *in = stage_input_schema(r->in);
	ev_front_opts fo = {.assignments = r->o->assignments, .nassignments = r->o->nassignments};
	gm_codegen_opts co = {0};
	bool f64 = false;
	ev_ast *ast = NULL;
	int rc = -1;

	if (ev_front(&fo, in, &ast, err) < 0)
		return -1;
	if (!ast->nassign) {
		stage_error_set(err, STAGE_EXIT_USAGE,
		                "nothing to do: the assignments are empty (try --help)");
		goto out;
	}
	for (size_t i = 0; i < ast->nassign; i++)
		f64 = f64 || uses_float64(ast->assign[i].expr);
	if (choose_device(r, err) < 0)
		goto out;
	if (f64 && !r->dev.fp64 && !r->o->allow_f32 && !r->o->f32) {
		stage_error_set(err, STAGE_EXIT_FAILURE,
		                "device '%s' has no float64 (fp64) support: use --allow-float32 to "
		                "compute in float32",
		                r->dev.name);
		goto out;
	}
	r->float32 = co.float32 = f64 && (r->o->f32 || !r->dev.fp64);
	if (gm_codegen(ast, in, &co, &r->gen, err) < 0)
		goto out;
	if (r->cli->verbose)
		fprintf(stderr, "%s: generated kernel:\n%s\n", r->cli->prog, r->gen.source);
	rc = plan_inline(r, ast, in, err);
out:
	ev_ast_free(ast);
	return rc;
}

/* ---- file mode ---- */

static int read_source(const char *path, char **out, stage_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;

	if (fd < 0)
		return stage_error_set(err, STAGE_EXIT_USAGE, "cannot open '%s': %s", path,
		                       strerror(errno));
	buf = malloc(cap);
	for (;;) {
		ssize_t n;

		if (!buf) {
			close(fd);
			return stage_error_oom(err, "kernel source");
		}
		if (len + 1 == cap) {
			char *b;

			if (cap >= MAX_SOURCE) {
				free(buf);
				close(fd);
				return stage_error_set(err, STAGE_EXIT_USAGE, "'%s': larger than %u bytes",
				                       path, MAX_SOURCE);
			}
			b = realloc(buf, cap * 2);
			if (!b)
				free(buf);
			buf = b;
			cap *= 2;
			continue;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			close(fd);
			return stage_error_set(err, STAGE_EXIT_USAGE, "reading '%s': %s", path,
			                       strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* "y:float64,z:int64" into the output slots and the output schema. */
static int plan_file_outputs(struct run *r, const stage_schema *in, stage_error *err)
{
	gm_stream *s = &r->st;
	char *list = strdup(r->o->out_cols), *save = NULL;
	size_t n = 1;
	int rc = -1;

	for (const char *p = r->o->out_cols; *p; p++)
		n += *p == ',';
	s->outs = calloc(n, sizeof *s->outs);
	r->schema = stage_schema_copy(in, err);
	r->project = calloc(in->ncols + n, sizeof *r->project);
	if (!list || !s->outs || !r->schema || !r->project) {
		stage_error_oom(err, "outputs");
		goto out;
	}
	for (size_t i = 0; i < in->ncols; i++)
		r->project[i] = (int)i;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':');
		stage_type t;
		gm_out *o = &s->outs[s->nouts];

		if (!colon || colon == tok || stage_type_parse(colon + 1, &t) < 0 ||
		    (t != STAGE_INT64 && t != STAGE_FLOAT64 && t != STAGE_FLOAT32)) {
			stage_error_set(err, STAGE_EXIT_USAGE,
			                "--out '%s': expected NAME:TYPE with TYPE int64, float64 or "
			                "float32",
			                tok);
			goto out;
		}
		*colon = '\0';
		*o = (gm_out){.type = t, .column = -1};
		/* A name of an input column replaces it in place. */
		for (size_t c = 0; c < r->schema->ncols; c++)
			if (!strcmp(r->schema->fields[c].name, tok)) {
				o->column = (int)c;
				r->schema->fields[c].type = t;
			}
		if (o->column < 0) {
			o->column = (int)r->schema->ncols;
			r->project[o->column] = 0;
			if (stage_schema_add(r->schema, tok, t, err) < 0)
				goto out;
		}
		s->nouts++;
		if (add_param(&s->params, &s->nparams,
		              (gm_param){.kind = GM_OUT, .col = (int)s->nouts - 1}, err) < 0)
			goto out;
	}
	if (!s->nouts) {
		stage_error_set(err, STAGE_EXIT_USAGE, "--out names no column");
		goto out;
	}
	rc = 0;
out:
	free(list);
	return rc;
}

static int plan_file_inputs(struct run *r, const stage_schema *in, stage_error *err)
{
	char *list = strdup(r->o->in_cols), *save = NULL;
	int rc = -1;

	if (!list)
		return stage_error_oom(err, "inputs");
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int c = stage_schema_find(in, tok, err);
		stage_type t;

		if (c < 0)
			goto out;
		t = in->fields[c].type;
		if (t != STAGE_INT64 && t != STAGE_TIMESTAMP && t != STAGE_FLOAT64 &&
		    t != STAGE_FLOAT32) {
			stage_error_set(err, STAGE_EXIT_USAGE,
			                "--in column '%s' is %s: -f kernels take int64, float64 and "
			                "float32 columns",
			                in->fields[c].name, stage_type_name(t));
			goto out;
		}
		if (add_param(&r->st.params, &r->st.nparams, (gm_param){.kind = GM_IN, .col = c},
		              err) < 0)
			goto out;
	}
	if (!r->st.nparams) {
		stage_error_set(err, STAGE_EXIT_USAGE, "--in names no column");
		goto out;
	}
	rc = 0;
out:
	free(list);
	return rc;
}

/* The type a scalar parameter is declared with ("" when unknown). */
static void arg_type(cl_kernel k, cl_uint i, char *type, size_t sz, char *name, size_t nsz)
{
	type[0] = name[0] = '\0';
	if (clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_NAME, sz - 1, type, NULL) != CL_SUCCESS)
		type[0] = '\0';
	if (clGetKernelArgInfo(k, i, CL_KERNEL_ARG_NAME, nsz - 1, name, NULL) != CL_SUCCESS)
		name[0] = '\0';
}

static int parse_scalar(const char *spec, const char *value, const char *type, gm_param *p,
                        stage_error *err)
{
	char *end;
	bool is_int = !strcmp(type, "long") || !strcmp(type, "ulong") || !strcmp(type, "int") ||
	              !strcmp(type, "uint") || !strcmp(type, "short") || !strcmp(type, "ushort") ||
	              !strcmp(type, "char") || !strcmp(type, "uchar");
	bool is_float = !strcmp(type, "double") || !strcmp(type, "float");
	long long i;
	double d;

	errno = 0;
	i = strtoll(value, &end, 0);
	if (!*type) /* no argument info: an integer is a long, else a double */
		is_int = *value && !*end && !errno, is_float = !is_int, type = is_int ? "long" : "double";
	if (!is_int && !is_float)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--arg '%s': kernel parameter of type '%s' is not supported "
		                       "(integer and floating-point scalars are)",
		                       spec, type);
	if (is_int) {
		if (!*value || *end || errno)
			return stage_error_set(err, STAGE_EXIT_USAGE, "--arg '%s': expected an integer (%s)",
			                       spec, type);
		if (!strcmp(type, "long") || !strcmp(type, "ulong")) {
			cl_long v = i;
			memcpy(p->scalar, &v, p->scalar_size = sizeof v);
		} else if (!strcmp(type, "int") || !strcmp(type, "uint")) {
			cl_int v = (cl_int)i;
			memcpy(p->scalar, &v, p->scalar_size = sizeof v);
		} else if (!strcmp(type, "short") || !strcmp(type, "ushort")) {
			cl_short v = (cl_short)i;
			memcpy(p->scalar, &v, p->scalar_size = sizeof v);
		} else {
			cl_char v = (cl_char)i;
			memcpy(p->scalar, &v, p->scalar_size = sizeof v);
		}
		return 0;
	}
	errno = 0;
	d = strtod(value, &end);
	if (!*value || *end)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--arg '%s': expected a number (%s)",
		                       spec, type);
	if (!strcmp(type, "float")) {
		cl_float v = (cl_float)d;
		memcpy(p->scalar, &v, p->scalar_size = sizeof v);
	} else {
		cl_double v = d;
		memcpy(p->scalar, &v, p->scalar_size = sizeof v);
	}
	return 0;
}

/* After the build: the kernel's parameters against --in, --out, --arg. */
static int plan_file_scalars(struct run *r, stage_error *err)
{
	gm_stream *s = &r->st;
	cl_uint nk = 0;
	size_t want = s->nparams + r->o->nargs;

	clGetKernelInfo(r->kernel, CL_KERNEL_NUM_ARGS, sizeof nk, &nk, NULL);
	if (nk != want)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "kernel '%s' has %u parameters, but --in, --out, the row count "
		                       "and --arg make %zu",
		                       r->o->kernel, nk, want);
	for (size_t j = 0; j < r->o->nargs; j++) {
		const char *spec = r->o->args[j], *eq = strchr(spec, '=');
		char type[64], name[128];
		gm_param p = {.kind = GM_SCALAR};

		if (!eq || eq == spec)
			return stage_error_set(err, STAGE_EXIT_USAGE, "--arg '%s': expected NAME=VALUE",
			                       spec);
		arg_type(r->kernel, (cl_uint)s->nparams, type, sizeof type, name, sizeof name);
		if (*name && (strlen(name) != (size_t)(eq - spec) || strncmp(name, spec, eq - spec)))
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--arg '%s': kernel parameter %zu is named '%s'", spec,
			                       s->nparams + 1, name);
		if (parse_scalar(spec, eq + 1, type, &p, err) < 0 ||
		    add_param(&s->params, &s->nparams, p, err) < 0)
			return -1;
	}
	return 0;
}

static int plan_file(struct run *r, stage_error *err)
{
	const stage_schema *in = stage_input_schema(r->in);

	if (read_source(r->o->file, &r->source, err) < 0 || plan_file_inputs(r, in, err) < 0 ||
	    plan_file_outputs(r, in, err) < 0)
		return -1;
	if (add_param(&r->st.params, &r->st.nparams, (gm_param){.kind = GM_ROWS}, err) < 0)
		return -1;
	return choose_device(r, err);
}

/* ---- both ---- */

static int build(struct run *r, stage_error *err)
{
	const char *file = r->o->file;
	char *dir = NULL;
	cl_int rc;
	int ret;

	r->ctx = clCreateContext(NULL, 1, &r->dev.id, NULL, NULL, &rc);
	if (rc != CL_SUCCESS)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "clCreateContext: %s",
		                       gm_cl_strerror(rc));
	if (!r->o->no_cache)
		dir = r->o->cache_dir ? strdup(r->o->cache_dir) : gm_cache_dir_default();
	ret = gm_program_build(r->ctx, &r->dev, file ? r->source : r->gen.source,
	                       file ? "-cl-kernel-arg-info" : "", file, dir, &r->prog, err);
	free(dir);
	if (ret < 0) {
		if (r->prog.log)
			fprintf(stderr, "%s", r->prog.log);
		return -1;
	}
	r->kernel = clCreateKernel(r->prog.program, file ? r->o->kernel : "gpu_map", &rc);
	if (rc == CL_INVALID_KERNEL_NAME)
		return stage_error_set(err, STAGE_EXIT_USAGE, "no kernel '%s' in '%s'", r->o->kernel,
		                       file);
	if (rc != CL_SUCCESS)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "clCreateKernel: %s",
		                       gm_cl_strerror(rc));
	if (file && plan_file_scalars(r, err) < 0)
		return -1;
	r->st.dev = &r->dev;
	r->st.ctx = r->ctx;
	r->st.kernel = r->kernel;
	r->st.max_alloc = r->o->max_alloc;
	r->st.profile = r->cli->stats;
	r->st.copy = r->o->buffers && !strcmp(r->o->buffers, "copy");
	if (r->o->buffers && !strcmp(r->o->buffers, "host"))
		r->dev.unified = true;
	return gm_stream_init(&r->st, err);
}

/* In file mode the kernel reads the buffers as they are: nulls are refused. */
static int check_nulls(struct run *r, const stage_batch *b, stage_error *err)
{
	for (size_t i = 0; i < r->st.nparams; i++) {
		const gm_param *p = &r->st.params[i];

		if (p->kind == GM_IN && b->cols[p->col].null_count > 0)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "column '%s' has nulls: -f kernels take columns without "
			                       "nulls",
			                       stage_input_schema(r->in)->fields[p->col].name);
	}
	return 0;
}

/* One output batch per input batch, in order. A batch is submitted to the
 * device and written after the next one has been read and submitted, so
 * reading overlaps computing; when the input goes idle it is written at
 * once, so that a trickle of rows is not held back. */
/* Waits for the held batch and writes it. */
static int flush_held(struct run *r, gm_pending **held, stage_batch **held_out, stage_error *err)
{
	int rc = 0;

	if (*held) {
		rc = gm_stream_wait(&r->st, *held, err);
		*held = NULL;
		if (rc == 0)
			rc = stage_output_write(r->out, *held_out, err);
	}
	stage_batch_free(*held_out);
	*held_out = NULL;
	return rc;
}

static int run_batches(struct run *r, stage_error *err)
{
	gm_pending *held = NULL;
	stage_batch *held_out = NULL, *b;
	int rc;

	while ((rc = stage_input_next(r->in, &b, err)) > 0) {
		stage_batch *res = NULL;
		gm_pending *p = NULL;

		r->rows += b->nrows;
		r->batches++;
		if ((r->o->file && check_nulls(r, b, err) < 0) ||
		    !(res = stage_batch_project(b, r->project, r->schema->ncols, err)) ||
		    gm_stream_submit(&r->st, b, res, &p, err) < 0)
			rc = -1;
		stage_batch_free(b);
		if (rc < 0) {
			stage_batch_free(res);
			break;
		}
		/* The previous batch goes out while this one is on the device. */
		if (flush_held(r, &held, &held_out, err) < 0) {
			gm_pending_free(&r->st, p);
			stage_batch_free(res);
			return -1;
		}
		held = p;
		held_out = res;
		if (stage_input_idle(r->in) && flush_held(r, &held, &held_out, err) < 0)
			return -1;
	}
	if (rc == 0)
		return flush_held(r, &held, &held_out, err);
	gm_pending_free(&r->st, held);
	stage_batch_free(held_out);
	return rc;
}

static int run(struct run *r, stage_error *err)
{
	if (stage_input_open(&r->in, 0, &r->cli->in, err) < 0)
		return -1;
	stage_cli_note_io(r->cli);
	if (!stage_input_is_arrow(r->in) && stage_input_schema(r->in)->ncols == 0) {
		/* No input at all: an empty stream out, as from every stage. */
		if (!(r->schema = stage_schema_new()))
			return stage_error_oom(err, "schema");
		return stage_output_open(&r->out, 1, r->cli->out, r->schema, err);
	}
	if ((r->o->file ? plan_file(r, err) : compile_inline(r, err)) < 0 || build(r, err) < 0)
		return -1;
	if (stage_output_open(&r->out, 1, r->cli->out, r->schema, err) < 0)
		return -1;
	return run_batches(r, err);
}

static void print_stats(const struct run *r, double secs)
{
	fprintf(stderr,
	        "%s: device '%s' (%s, platform '%s'), build %.1f ms (%s), %lld rows, %lld batches, "
	        "%llu launches, kernel %.3f ms, %llu bytes to device (%llu realigned), %llu bytes from "
	        "device, "
	        "%.3f s, %.1f M rows/s\n",
	        r->cli->prog, r->dev.name, gm_device_type_name(r->dev.type), r->dev.platform_name,
	        r->prog.build_ms, r->prog.cached ? "cached" : "compiled", (long long)r->rows,
	        (long long)r->batches, (unsigned long long)r->st.launches, r->st.kernel_ms,
	        (unsigned long long)r->st.bytes_to_device,
	        (unsigned long long)r->st.bytes_realigned,
	        (unsigned long long)r->st.bytes_from_device, secs,
	        secs > 0 ? (double)r->rows / secs / 1e6 : 0.0);
}

int main(int argc, char **argv)
{
	stage_cli cli;
	struct opts o = {0};
	stage_error err = {0};
	struct run r = {.cli = &cli, .o = &o};
	uint64_t start = stage_now_ns();
	int failed = 1;
	const char *warning;

	/* PoCL reads POCL_CACHE_DIR once, at the first OpenCL call. */
	gm_cache_env();
	stage_cli_init(&cli, "gpu-map", usage);
	if (parse_args(argc, argv, &cli, &o, &err) < 0)
		goto done;
	if (o.list) {
		if (gm_device_list(stdout, &err) < 0)
			goto done;
		failed = 0;
		goto done;
	}
	if (stage_output_end(r.out, cli.prog, run(&r, &err), &err) < 0)
		goto done;
	failed = 0;
done:
	warning = r.in ? stage_input_warning(r.in) : NULL;
	if (warning)
		stage_cli_warn(&cli, "%s", warning);
	if (cli.stats && r.have_dev)
		print_stats(&r, (double)(stage_now_ns() - start) / 1e9);
	stage_output_free(r.out);
	gm_stream_release(&r.st);
	free(r.st.params);
	free(r.st.outs);
	if (r.kernel)
		clReleaseKernel(r.kernel);
	gm_program_release(&r.prog);
	if (r.ctx)
		clReleaseContext(r.ctx);
	gm_kernel_release(&r.gen);
	free(r.source);
	free(r.project);
	stage_schema_free(r.schema);
	stage_input_free(r.in);
	return stage_cli_exit(&cli, failed ? &err : NULL);
}
