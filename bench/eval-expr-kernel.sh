#!/bin/sh
# eval-expr's compiled expressions in process (bench/eval-kernel.c, linked to
# the build's libeval and libstagecore), against numexpr and Numba
# (bench/eval-expr-peers.py) and this machine's memory bandwidth (a
# STREAM-triad-like loop in eval-kernel), over ROWS float64 rows of three
# columns, uniform in [-10, 10), at 1 and 2 threads, in one run.
# Targets (issue 6): '2*a + 3*b**2 - sin(c)' >= 5x numexpr; 'a*b + c' >= 1.2x
# numexpr and >= 70% of the triad's bandwidth (4 x 8 bytes a row, both
# sides); both at least as fast as Numba's @njit(parallel=True) loop;
# numexpr and Numba at the same thread count.
# Environment: ROWS (default "10000000 100000000"), BATCH (rows a batch the
# kernel hands to ev_job_begin, default 1048576), RUNS (default 5), THREADS
# (default "1,2"), BUILD (the build tree with libeval, default ./build),
# PYTHON (default /usr/bin/python3, with numpy, numexpr and numba), CC.
set -eu
. "$(dirname "$0")/lib.sh"
data_dir
ROWS=${ROWS:-10000000 100000000}
BATCH=${BATCH:-1048576}
THREADS=${THREADS:-1,2}
BUILD=${BUILD:-$top_dir/build}
PYTHON=${PYTHON:-/usr/bin/python3}
POLY='d = 2*a + 3*b**2 - sin(c)'
FMA='d = a*b + c'

"$PYTHON" -c 'import numpy, numexpr, numba' 2>/dev/null ||
	die "$PYTHON lacks numpy, numexpr or numba (apt-get install python3-numexpr python3-numba)"
lib_eval=$BUILD/stages/eval-expr/.libs/libeval.a
lib_core=$BUILD/libstage/.libs/libstagecore.a
[ -f "$lib_eval" ] && [ -f "$lib_core" ] && [ -f "$BUILD/config.h" ] ||
	die "$lib_eval or $lib_core not found: build first (scripts/build.sh), or set BUILD"
libs=$(sed -n 's/^\(PCRE2_LIBS\|MVEC_LIBS\) = //p' "$BUILD/Makefile" | tr '\n' ' ')
kernel=$BENCH_DATA/eval-kernel
# -march=native for the bandwidth loop's sake; libeval is as the build made it.
# shellcheck disable=SC2086 # $libs is a list of flags
${CC:-cc} -O3 -march=native -std=gnu11 -ffp-contract=off -pthread -include "$BUILD/config.h" \
	-I"$top_dir/libstage" -I"$top_dir/stages/eval-expr" -o "$kernel" \
	"$bench_dir/eval-kernel.c" "$lib_eval" "$lib_core" $libs -lm ||
	die "cannot build $bench_dir/eval-kernel.c"

out=$(mktemp "${TMPDIR:-/tmp}/bench-eval.XXXXXX") || die "mktemp failed"
trap 'rm -f "$out"' EXIT
for rows in $ROWS; do
	# The kernel holds 4 arrays and an output batch; Python 3 arrays, 2
	# outputs and the check's tolerances: at most 6 arrays at a time.
	avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
	need_kib=$((rows * 8 * 6 / 1024))
	[ "$avail_kib" -gt "$need_kib" ] ||
		die "$rows rows need about $((need_kib / 1024)) MiB, $((avail_kib / 1024)) MiB available: set a smaller ROWS"
	echo
	echo "== $rows rows, batches of $BATCH, $RUNS runs, median; threads $THREADS of $(nproc) CPUs"
	"$kernel" "$rows" "$BATCH" "$RUNS" "$THREADS" "$POLY" "$FMA" | tee "$out"
	"$PYTHON" "$bench_dir/eval-expr-peers.py" "$rows" "$RUNS" "$THREADS" | tee -a "$out"
	awk -v poly="$POLY" -v fma="$FMA" '
	/^case=/ {
		delete f
		for (i = 1; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v
			if (k == "expr") { v = $0; sub(/.* expr=/, "", v); f[k] = v; break }
		}
		key = f["case"] SUBSEP f["threads"] SUBSEP f["expr"]
		secs[key] = f["seconds"] + 0; gbs[key] = f["gb_s"] + 0; mrows[key] = f["mrows_s"] + 0
		if (!(f["threads"] in seen)) { seen[f["threads"]] = 1; th[++nth] = f["threads"] }
	}
	END {
		printf "\n%-8s %-26s %9s %9s %9s %9s %9s\n", "threads", "expression", "eval-expr", "numexpr", "numba", "x numexpr", "x numba"
		for (j = 1; j <= nth; j++) {
			t = th[j]
			for (e = 1; e <= 2; e++) {
				x = e == 1 ? poly : fma
				me = mrows["eval" SUBSEP t SUBSEP x]
				rn = secs["numexpr" SUBSEP t SUBSEP x] / secs["eval" SUBSEP t SUBSEP x]
				rb = secs["numba" SUBSEP t SUBSEP x] / secs["eval" SUBSEP t SUBSEP x]
				printf "%-8s %-26s %9.1f %9.1f %9.1f %8.2fx %8.2fx   (M rows/s)\n", t, x, me,
					mrows["numexpr" SUBSEP t SUBSEP x], mrows["numba" SUBSEP t SUBSEP x], rn, rb
				want = e == 1 ? 5 : 1.2
				verdict[++nv] = sprintf("T=%s %-26s x numexpr %.2f (>= %.1f): %s; x numba %.2f (>= 1): %s",
					t, x, rn, want, rn >= want ? "met" : "NOT met", rb, rb >= 1 ? "met" : "NOT met")
			}
			tg = gbs["triad" SUBSEP t SUBSEP ""]; fg = gbs["eval" SUBSEP t SUBSEP fma]
			verdict[++nv] = sprintf("T=%s %-26s %.2f GB/s of the triad'"'"'s %.2f GB/s = %.0f%% (>= 70%%): %s",
				t, fma, fg, tg, 100 * fg / tg, fg >= 0.7 * tg ? "met" : "NOT met")
		}
		print ""
		for (i = 1; i <= nv; i++) print verdict[i]
	}' "$out"
done
