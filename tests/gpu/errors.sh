#!/bin/sh
# Mistakes found before any kernel is built, each with its exit status and
# message and nothing on stdout: column types the device cannot take,
# malformed options, devices that are not there, no OpenCL platform at all
# (an ICD loader pointed at an empty vendor directory). Empty input is no
# mistake: an empty stream out.
set -u
. "$TOP_SRCDIR/tests/gpu/lib.sh"
need_device

printf 'a,b,host,flag\n1,2.5,x,true\n' > in.csv
echo '__kernel void f(__global const double *x, __global double *y, const long n) {}' > k.cl

# bad STATUS MESSAGE ARG...: gpu-map ARG... < in.csv
bad() {
	want=$1 msg=$2
	shift 2
	if status "$want" "gpu-map $*" gpu-map "$@" < in.csv; then
		has err "$msg" "gpu-map $*: message"
		[ -s out ] && fail "gpu-map $*: $(wc -c < out) bytes on stdout"
	fi
}
bad 2 "gpu-map: 1:5: string columns are not supported by gpu-map: 'host'" 'y = host'
bad 2 "'+' needs numbers, got string column 'host'" 'y = host + 1'
bad 2 "gpu-map: 1:9: unknown column 'zz'" 'y = a + zz'
bad 2 "--in column 'host' is utf8: -f kernels take int64, float64 and float32 columns" \
	-f k.cl --kernel f --in host --out y:float64
bad 2 "--in column 'flag' is bool" -f k.cl --kernel f --in flag --out y:float64
bad 2 "unknown column 'zz'" -f k.cl --kernel f --in zz --out y:float64
bad 2 "--out 'y:bool': expected NAME:TYPE" -f k.cl --kernel f --in b --out y:bool
bad 2 "--out 'y': expected NAME:TYPE" -f k.cl --kernel f --in b --out y
bad 2 "-f needs --kernel, --in and --out" -f k.cl --in b --out y:float64
bad 2 "-f and assignments exclude each other" -f k.cl --kernel f --in b --out y:float64 'y = a'
bad 2 "--kernel and --arg need -f" --kernel f 'y = a'
bad 2 "cannot open 'missing.cl'" -f missing.cl --kernel f --in b --out y:float64
bad 2 "nothing to do" --stats
bad 2 "--device 'foo': expected gpu, cpu, accelerator or PLATFORM:DEVICE" --device foo 'y = a'
bad 1 "--device '9:0': no such device" --device 9:0 'y = a'
bad 1 "--device '0:99': no such device" --device 0:99 'y = a'
if grep -q 'type accelerator' devices; then
	echo "note: this machine has an accelerator device; not checking its absence"
else
	bad 1 "no OpenCL accelerator device found" --device accelerator 'y = a'
fi
mkdir vendors
OCL_ICD_VENDORS=$PWD/vendors
export OCL_ICD_VENDORS
bad 1 "ocl-icd-libopencl1" 'y = a * 2'
has err "pocl-opencl-icd" "no platform: the message names PoCL"
status 1 "--list-devices without a platform" gpu-map --list-devices &&
	has err "no OpenCL platform found" "--list-devices says so"
unset OCL_ICD_VENDORS

status 0 "--list-devices" gpu-map --list-devices &&
	has out "fp64" "--list-devices shows fp64" && has out "compute units" "and compute units"
status 0 "empty input" sh -c 'gpu-map "y = a * 2" < /dev/null | rec-cat --out csv' &&
	{ [ -s out ] && fail "empty input: $(cat out)" || ok "empty input: nothing out"; }
finish
