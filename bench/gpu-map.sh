#!/bin/sh
# gpu-map (issue 8) on PoCL, 'y = a*b + c' over N float64 rows (three
# columns uniform in [-10, 10)), side by side in one run, medians of RUNS:
#  1. kernel throughput: gpu-map's --stats "kernel" time (the sum of its
#     launches' OpenCL profiling events) against bench/gpu-map-host.c, a
#     hand-written zero-copy host program (CL_MEM_USE_HOST_PTR over 128-byte
#     aligned columns, map/unmap): in chunks of gpu-map's batch size read
#     from the raw file into two reused sets of buffers as gpu-map reads its
#     batches (streaming), in the same chunks over columns all in memory,
#     and in one launch; target: gpu-map >= 0.8x the host program in chunks.
#  2. end to end: `gpu-map 'y = a*b + c' < f.arrow > /dev/null` against
#     bench/gpu-map-pyopencl.py (an ElementwiseKernel) reading the same values
#     as raw float64 columns (pyarrow is not installed: each reads its own
#     format) and writing y, or all four columns, to /dev/null; rec-cat
#     passing the stream through as the floor; target: gpu-map at least as
#     fast as PyOpenCL.
#  3. start-up with a warm build cache: gpu-map on a 16-row stream, against
#     rec-cat on it (a stage's start-up without OpenCL), the host program's
#     bare clGetPlatformIDs (PoCL's own start-up) and its whole run on 1000
#     rows, and the PyOpenCL script on 16 rows; target: gpu-map under 100 ms.
# The stream is the CSV part (PART rows, made by mawk, the same as
# bench/eval-expr-arrow.sh's) through rec-cat, concatenated N/PART times; the
# raw file holds the same values in the same order.
# Environment: GPU_MAP, REC_CAT (find_stage; a libtool wrapper named there is
# replaced by the binary it runs), BENCH_DATA, RUNS (default 3), N (default
# 100000000; 3.2 GB of columns in the host program, about 7 GB in PyOpenCL),
# PART (default 10000000), START_RUNS (default 10), CHUNK (the host program's
# chunk, default 65536 as gpu-map's batches), PARTS (default "1 2 3": which of
# the three to run), PYTHON (/usr/bin/python3), CC. On a VM whose first touch
# of fresh memory is slow (about 8 s a GiB on the 2-core one this was written
# on), 10^8 rows take far longer than the timed work: PyOpenCL's buffers and
# the host program's columns are fresh memory each run.
set -eu
RUNS=${RUNS:-3} # before lib.sh, whose default is 5
. "$(dirname "$0")/lib.sh"
N=${N:-100000000}
PART=${PART:-10000000}
START_RUNS=${START_RUNS:-10}
PARTS=${PARTS:-1 2 3}
want() {
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}
PYTHON=${PYTHON:-/usr/bin/python3}

# find_stage, then a libtool wrapper replaced by the binary it runs (the
# wrapper's shell costs tens of milliseconds a run: start-up is timed here).
unwrap() {
	eval "uw_c=\$$1"
	if sed -n 1,5p "$uw_c" 2>/dev/null | grep -q 'wrapper script for'; then
		uw_p=$(sed -n "s/^ *program='\(.*\)'\$/\1/p" "$uw_c" | head -n 1)
		uw_l=$(sed -n 's/^ *LD_LIBRARY_PATH="\(.*\):\$LD_LIBRARY_PATH"$/\1/p' "$uw_c" | head -n 1)
		if [ -n "$uw_p" ] && [ -x "$(dirname "$uw_c")/.libs/$uw_p" ]; then
			eval "$1=\$(dirname \"\$uw_c\")/.libs/\$uw_p"
			[ -z "$uw_l" ] || { LD_LIBRARY_PATH=$uw_l${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; export LD_LIBRARY_PATH; }
		fi
	fi
}
find_stage gpu-map
unwrap GPU_MAP
find_stage rec-cat
unwrap REC_CAT
"$PYTHON" -c 'import numpy, pyopencl' 2>/dev/null ||
	die "$PYTHON cannot import numpy and pyopencl (apt-get install python3-pyopencl)"
command -v mawk >/dev/null 2>&1 || die "mawk not found (apt-get install mawk)"
"$GPU_MAP" --list-devices >/dev/null 2>&1 || die "gpu-map finds no OpenCL device (pocl-opencl-icd)"
data_dir
if [ "$N" -lt "$PART" ]; then PART=$N; fi
[ $((N % PART)) -eq 0 ] || die "N must be a multiple of PART ($PART)"
COPIES=$((N / PART))

# The host program, compiled into BENCH_DATA (bench/gpu-map.am declares it
# for `make bench/gpu-map-host` too).
HOST=$BENCH_DATA/gpu-map-host
if [ ! -x "$HOST" ] || [ "$bench_dir/gpu-map-host.c" -nt "$HOST" ]; then
	${CC:-cc} -O2 -std=gnu11 -ffp-contract=off -o "$HOST" "$bench_dir/gpu-map-host.c" \
		$(pkg-config --cflags --libs OpenCL 2>/dev/null || echo -lOpenCL) ||
		die "cannot build $bench_dir/gpu-map-host.c (ocl-icd-opencl-dev)"
fi
PYCL=$bench_dir/gpu-map-pyopencl.py

# The data: CSV part -> Arrow part (rec-cat) and raw part; both repeated.
part="$BENCH_DATA/abc-$PART.arrow"
rawpart="$BENCH_DATA/abc-$PART.f64"
f="$BENCH_DATA/abc-$PART-x$COPIES.arrow"
raw="$BENCH_DATA/abc-$PART-x$COPIES.f64"
[ "$COPIES" -gt 1 ] || f=$part raw=$rawpart
if [ ! -s "$part" ] || [ ! -s "$rawpart" ] || [ ! -s "$raw" ]; then
	free_kib=$(df -Pk "$BENCH_DATA" | awk 'NR == 2 {print $4}')
	need_kib=$(((N * 50 + PART * 110) / 1024))
	[ "$free_kib" -gt "$need_kib" ] ||
		die "$BENCH_DATA has $((free_kib / 1024)) MiB free, needs about $((need_kib / 1024)) MiB"
	csv="$BENCH_DATA/abc-$PART.csv"
	echo "generating $csv" >&2
	mawk -v n="$PART" 'BEGIN { srand(11); print "a,b,c"; for (i = 0; i < n; i++)
		printf "%.17g,%.17g,%.17g\n", rand() * 20 - 10, rand() * 20 - 10, rand() * 20 - 10 }' >"$csv"
	if [ ! -s "$part" ]; then
		echo "generating $part" >&2
		"$REC_CAT" --in csv --types a:float64,b:float64,c:float64 --out arrow <"$csv" >"$part.tmp"
		mv "$part.tmp" "$part"
	fi
	echo "generating $raw" >&2
	"$PYTHON" "$PYCL" --make-raw "$csv" 1 "$rawpart.tmp" && mv "$rawpart.tmp" "$rawpart"
	rm -f "$raw"
	[ "$COPIES" -eq 1 ] || "$PYTHON" "$PYCL" --make-raw "$csv" "$COPIES" "$raw.tmp"
	[ "$COPIES" -eq 1 ] || mv "$raw.tmp" "$raw"
	rm -f "$csv"
fi
[ "$COPIES" -eq 1 ] || repeat_file "$part" "$COPIES" "$f"
tiny="$BENCH_DATA/abc-16.arrow"
tinyraw="$BENCH_DATA/abc-16.f64"
if [ ! -s "$tiny" ] || [ ! -s "$tinyraw" ]; then
	mawk 'BEGIN { srand(5); print "a,b,c"; for (i = 0; i < 16; i++)
		printf "%.17g,%.17g,%.17g\n", rand() * 20 - 10, rand() * 20 - 10, rand() * 20 - 10 }' >"$tiny.csv"
	"$REC_CAT" --in csv --types a:float64,b:float64,c:float64 --out arrow <"$tiny.csv" >"$tiny"
	"$PYTHON" "$PYCL" --make-raw "$tiny.csv" 1 "$tinyraw"
	rm -f "$tiny.csv"
fi
cat "$f" "$raw" >/dev/null # into the page cache
size=$(wc -c <"$f")

# Checks, untimed (these runs also fill the build caches): every row passes,
# y is a*b + c (gpu-map against mawk on the first 100000 rows of the part;
# the peers check themselves), and gpu-map's batch size for the host program.
stats=$("$GPU_MAP" --stats 'y = a*b + c' <"$f" 2>&1 >/dev/null) || die "gpu-map failed: $stats"
echo "$stats" | grep -q " $N rows, " || die "gpu-map did not pass $N rows: $stats"
batches=$(echo "$stats" | sed -n 's/.* \([0-9]*\) batches, .*/\1/p')
[ -n "$batches" ] && [ "$batches" -ge 1 ] || die "no batch count in gpu-map --stats: $stats"
# The stream's batches are rec-cat's default 65536 rows (the last one of
# each part shorter): CHUNK, unless the batch count says otherwise.
CHUNK=${CHUNK:-65536}
[ $(((N + CHUNK - 1) / CHUNK)) -le "$batches" ] || CHUNK=$(((N + batches - 1) / batches))
bad=$("$GPU_MAP" 'y = a*b + c' <"$part" | "$REC_CAT" --out csv | head -n 100001 |
	mawk -F, 'NR > 1 { if ($4 != $1 * $2 + $3) bad++ } END { print bad + 0 }')
[ "$bad" -eq 0 ] || die "gpu-map's y differs from mawk's a*b + c on $bad of 100000 rows"
"$HOST" -n 1000 >/dev/null || die "$HOST failed" # its checks run in every timed round too
if want 2; then "$PYTHON" "$PYCL" --check "$raw" || die "$PYCL failed"; fi
"$GPU_MAP" 'y = a*b + c' <"$tiny" >/dev/null || die "gpu-map failed on $tiny"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-gpu-map.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# 1. Kernel throughput: RUNS rounds of each, interleaved; medians.
if want 1; then
echo "kernel throughput: $RUNS rounds of gpu-map --stats and $HOST -c $CHUNK,0" >&2
r=0
while [ $r -lt "$RUNS" ]; do
	"$GPU_MAP" --stats 'y = a*b + c' <"$f" 2>"$tmp/gs" >/dev/null || die "gpu-map failed"
	sed -n 's/.* launches, kernel \([0-9.]*\) ms, .*/\1/p' "$tmp/gs" >>"$tmp/gk"
	sed -n 's/.* \([0-9.]*\) s, [0-9.]* M rows\/s$/\1/p' "$tmp/gs" >>"$tmp/gw"
	sed -n 's/.* \([0-9]*\) launches, .*/\1/p' "$tmp/gs" >"$tmp/gl"
	# chunks first (a first pass over the data, as gpu-map's), then one launch
	"$HOST" -f "$raw" -n "$N" -c "$CHUNK,0" >"$tmp/h" || die "$HOST failed"
	sed -n "s/^round=1 rows=$N chunk=$CHUNK .* kernel_ms=\([0-9.]*\) .*/\1/p" "$tmp/h" >>"$tmp/hk"
	sed -n "s/^round=1 rows=$N chunk=$CHUNK .* wall_ms=\([0-9.]*\) .*/\1/p" "$tmp/h" >>"$tmp/hw"
	sed -n "s/^round=1 rows=$N chunk=$N .* kernel_ms=\([0-9.]*\) .*/\1/p" "$tmp/h" >>"$tmp/h1k"
	sed -n "s/^round=1 rows=$N chunk=$N .* wall_ms=\([0-9.]*\) .*/\1/p" "$tmp/h" >>"$tmp/h1w"
	# streaming: each chunk read from the file into one of two reused sets
	"$HOST" -s -f "$raw" -n "$N" -c "$CHUNK" >"$tmp/h2" || die "$HOST -s failed"
	sed -n "s/^round=1 rows=$N chunk=$CHUNK .* kernel_ms=\([0-9.]*\) .*/\1/p" "$tmp/h2" >>"$tmp/hsk"
	sed -n "s/^round=1 rows=$N chunk=$CHUNK .* wall_ms=\([0-9.]*\) .*/\1/p" "$tmp/h2" >>"$tmp/hsw"
	r=$((r + 1))
done
GK=$(median <"$tmp/gk") GW=$(median <"$tmp/gw") HK=$(median <"$tmp/hk") HW=$(median <"$tmp/hw")
H1K=$(median <"$tmp/h1k") H1W=$(median <"$tmp/h1w") HSK=$(median <"$tmp/hsk") HSW=$(median <"$tmp/hsw")
GL=$(cat "$tmp/gl")
HL=$(sed -n "s/^round=1 rows=$N chunk=$CHUNK launches=\([0-9]*\) .*/\1/p" "$tmp/h")

fi

# 2. End to end (bench_compare: quotes in the commands are double ones).
if want 2; then
echo "end to end" >&2
bench_compare "gpu-map" "'$GPU_MAP' \"y = a*b + c\" < '$f' > /dev/null" \
              "pyopencl (y out)" "'$PYTHON' '$PYCL' '$raw'" \
              "pyopencl (a, b, c, y out)" "'$PYTHON' '$PYCL' --write all '$raw'" \
              "rec-cat" "'$REC_CAT' < '$f' > /dev/null"
E1=$T1 E2=$T2 E3=$T3 E4=$T4
"$PYTHON" "$PYCL" --stats "$raw" 2>"$tmp/ps" || die "$PYCL failed"

fi

# 3. Start-up, warm caches.
KRUNS=$RUNS
if want 3; then
echo "start-up" >&2
RUNS=$START_RUNS
bench_compare "gpu-map, 16 rows" "'$GPU_MAP' \"y = a*b+c\" < '$tiny' > /dev/null" \
              "rec-cat, 16 rows" "'$REC_CAT' < '$tiny' > /dev/null" \
              "host, clGetPlatformIDs only" "'$HOST' --platform-only > /dev/null" \
              "host, 1000 rows" "'$HOST' -n 1000 > /dev/null" \
              "pyopencl, 16 rows" "'$PYTHON' '$PYCL' '$tinyraw'"
S1=$T1 S2=$T2 S3=$T3 S4=$T4 S5=$T5
r=0
: >"$tmp/pp"
while [ $r -lt "$START_RUNS" ]; do
	"$HOST" --platform-only | sed -n 's/.*clGetPlatformIDs_ms=\([0-9.]*\).*/\1/p' >>"$tmp/pp"
	r=$((r + 1))
done
PP=$(median <"$tmp/pp")
gstart=$("$GPU_MAP" --stats 'y = a*b+c' <"$tiny" 2>&1 >/dev/null | sed -n 's/.*, build \([0-9.]* ms ([a-z]*)\),.*/\1/p')
hstart=$("$HOST" -n 1000 | sed -n 's/^device=.* clGetPlatformIDs_ms=\([0-9.]*\) context_ms=\([0-9.]*\) build_ms=\([0-9.]*\) .*/clGetPlatformIDs \1 ms, context \2 ms, build \3 ms/p')
fi

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "device: $("$HOST" -n 1000 | sed -n 's/^device=.\(.*\). clGetPlatformIDs.*/\1/p') ($("$GPU_MAP" --list-devices | sed -n 's/^platform 0: .*(\(OpenCL [^ ]* PoCL [^ ]*\).*/\1/p'))"
echo "stream: $f ($N rows, $size bytes, $batches batches); raw: $raw; $KRUNS runs, median"
want 1 && awk -v n="$N" -v gk="$GK" -v gw="$GW" -v hk="$HK" -v hw="$HW" -v h1k="$H1K" -v h1w="$H1W" \
	-v gl="$GL" -v hl="$HL" -v chunk="$CHUNK" -v hsk="$HSK" -v hsw="$HSW" 'BEGIN {
	print ""
	print "1. kernel throughput, y = a*b + c (float64)"
	printf "%-38s %9s %11s %10s %10s\n", "", "launches", "kernel ms", "Mrows/s", "wall s"
	printf "%-38s %9d %11.1f %10.1f %10.3f\n", "gpu-map --stats (process)", gl, gk, n / gk / 1e3, gw
	printf "%-38s %9d %11.1f %10.1f %10.3f\n", "host program, chunks of " chunk, hl, hk, n / hk / 1e3, hw / 1e3
	printf "%-38s %9d %11.1f %10.1f %10.3f\n", "host program, one launch", 1, h1k, n / h1k / 1e3, h1w / 1e3
	printf "%-38s %9d %11.1f %10.1f %10.3f\n", "host program, streaming chunks", hl, hsk, n / hsk / 1e3, hsw / 1e3
	printf "gpu-map / host program (streaming chunks) kernel throughput: %.2fx (target >= 0.8x): %s\n",
		hsk / gk, (hsk / gk >= 0.8 ? "met" : "NOT met")
	printf "gpu-map / host program (chunks, all in memory) kernel throughput: %.2fx (target >= 0.8x): %s\n",
		hk / gk, (hk / gk >= 0.8 ? "met" : "NOT met")
	printf "gpu-map / host program (one launch) kernel throughput: %.2fx\n", h1k / gk
	printf "(host wall: first enqueue to clFinish, reads of the file included when streaming; gpu-map wall: the whole process)\n"
}'
want 2 && awk -v n="$N" -v s="$size" -v e1="$E1" -v e2="$E2" -v e3="$E3" -v e4="$E4" 'BEGIN {
	print ""
	print "2. end to end, file in the page cache -> /dev/null"
	printf "%-44s %9s %9s\n", "", "seconds", "Mrows/s"
	printf "%-44s %9.3f %9.1f\n", "gpu-map < arrow (a, b, c, y out)", e1, n / e1 / 1e6
	printf "%-44s %9.3f %9.1f\n", "pyopencl < raw f64 (y out)", e2, n / e2 / 1e6
	printf "%-44s %9.3f %9.1f\n", "pyopencl < raw f64 (a, b, c, y out)", e3, n / e3 / 1e6
	printf "%-44s %9.3f %9.1f\n", "rec-cat < arrow (pass-through)", e4, n / e4 / 1e6
	printf "gpu-map / pyopencl (y out) throughput: %.2fx (target >= 1x): %s\n", e2 / e1,
		(e2 / e1 >= 1 ? "met" : "NOT met")
	printf "gpu-map / pyopencl (a, b, c, y out): %.2fx; gpu-map / rec-cat: %.2fx\n", e3 / e1, e4 / e1
}'
want 2 && echo "pyopencl phases: $(sed 's/^[^:]*: //' "$tmp/ps")"
want 3 && awk -v s1="$S1" -v s2="$S2" -v s3="$S3" -v s4="$S4" -v s5="$S5" -v pp="$PP" -v r="$START_RUNS" 'BEGIN {
	print ""
	print "3. start-up, warm build caches, " r " runs, median"
	printf "%-44s %9s\n", "", "ms"
	printf "%-44s %9.1f\n", "gpu-map \"y = a*b+c\", 16 rows", s1 * 1e3
	printf "%-44s %9.1f\n", "rec-cat, 16 rows (no OpenCL)", s2 * 1e3
	printf "%-44s %9.1f\n", "host program, clGetPlatformIDs only", s3 * 1e3
	printf "%-44s %9.1f\n", "  of which clGetPlatformIDs itself", pp
	printf "%-44s %9.1f\n", "host program, whole run on 1000 rows", s4 * 1e3
	printf "%-44s %9.1f\n", "pyopencl, 16 rows", s5 * 1e3
	printf "gpu-map start-up < 100 ms: %s\n", (s1 < 0.1 ? "met" : "NOT met")
}'
want 3 && echo "gpu-map --stats on 16 rows: build $gstart; host program on 1000 rows: $hstart"
exit 0
