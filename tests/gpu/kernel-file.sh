#!/bin/sh
# gpu-map -f: a user kernel with three input columns (float64, int64,
# float32), three outputs (one replacing an input column in place) and
# scalar arguments of three types, over more rows than one launch takes
# (--max-alloc); expected values worked out by awk. Then the mistakes found
# once the kernel is built (from the cache): parameter count, names and
# types of --arg, an unknown kernel name, nulls in an input column.
set -u
. "$TOP_SRCDIR/tests/gpu/lib.sh"
need_device

cat > k.cl <<'CL'
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
/* y = a * x + off, k = k * b, s = 2 * g */
__kernel void axpb(__global const double *x, __global const long *k,
                   __global const float *g, __global double *y,
                   __global long *kout, __global float *s, const long n,
                   const double a, const int b, const long off)
{
	long i = get_global_id(0);

	if (i >= n)
		return;
	y[i] = a * x[i] + off;
	kout[i] = k[i] * b;
	s[i] = 2.0f * g[i];
}
CL
awk 'BEGIN {
	srand(11); print "x,k,g"
	for (i = 0; i < 10000; i++)
		printf "%.17g,%d,%.2f\n", rand() * 100 - 50 + 0.5, int(rand() * 1e6) - 5e5, int(rand() * 64) / 4 + 0.25
}' > in.csv
awk -F, 'NR == 1 { print "x\tk\tg\ty\ts"; next }
	{ printf "%s\t%d\t%s\t%.17g\t%s\n", $1, $2 * -3, $3, 2.5 * $1 + 7, $3 * 2 }' in.csv > want.tsv

run() {
	gpu-map -f k.cl --kernel axpb --in x,k,g --out y:float64,k:int64,s:float32 \
		--types g:float32 "$@"
}
if status 0 "kernel with 3 inputs, 3 outputs, 3 scalars" \
	run --arg a=2.5 --arg b=-3 --arg off=7 --stats --max-alloc 16K --out-format tsv < in.csv; then
	mv out got.tsv
	same got.tsv want.tsv
	has err "(compiled)" "first run compiles"
	has err "1 batches, 3 launches" "--max-alloc splits the batch"
fi
if status 0 "second run, --buffers copy" run --arg a=2.5 --arg b=-3 --arg off=7 --stats \
	--buffers copy --out-format tsv < in.csv; then
	mv out got-copy.tsv
	same got-copy.tsv want.tsv
	has err "(cached)" "second run takes the kernel from the cache"
fi

status 2 "one --arg short" run --arg a=2.5 --arg b=-3 < in.csv &&
	has err "kernel 'axpb' has 10 parameters, but --in, --out, the row count and --arg make 9" \
		"parameter count"
status 2 "--arg of another name" run --arg a=2.5 --arg c=-3 --arg off=7 < in.csv &&
	has err "--arg 'c=-3': kernel parameter 9 is named 'b'" "--arg names"
status 2 "--arg not an integer" run --arg a=2.5 --arg b=1.5 --arg off=7 < in.csv &&
	has err "--arg 'b=1.5': expected an integer (int)" "--arg types"
status 2 "unknown kernel" gpu-map -f k.cl --kernel nope --in x,k,g --out y:float64 < in.csv &&
	has err "no kernel 'nope' in 'k.cl'" "kernel names"
printf 'x,k,g\n1.5,2,0.5\n,3,0.25\n' > nulls.csv
status 3 "nulls in an input column" run --arg a=2.5 --arg b=-3 --arg off=7 < nulls.csv &&
	has err "column 'x' has nulls" "nulls are refused"
finish
