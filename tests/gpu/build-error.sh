#!/bin/sh
# A kernel that does not compile: exit status 2, and the compiler's log on
# stderr names the user's file and line.
set -u
. "$TOP_SRCDIR/tests/gpu/lib.sh"
need_device

cat > bad.cl <<'CL'
__kernel void f(__global const double *x, __global double *y, const long n)
{
	long i = get_global_id(0);
	if (i < n)
		y[i] = x[i] + no_such_variable;
}
CL
printf 'x,u\n1.5,1\n' > in.csv
if status 2 "kernel that fails to compile" gpu-map -f bad.cl --kernel f --in x --out y:float64 < in.csv
then
	has err "bad.cl:5:" "the log gives the user's line"
	has err "no_such_variable" "the log gives the compiler's message"
	has err "gpu-map: bad.cl: build failed" "the message names the file"
	[ -s out ] && fail "output written by a failed build"
fi
finish
