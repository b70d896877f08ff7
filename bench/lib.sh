# Shared helpers for the bench scripts (sourced, not run): finding rec-cat,
# a scratch directory, and timing commands side by side in one run, with
# hyperfine when installed and a date-based loop otherwise.

bench_dir=$(cd "$(dirname "$0")" && pwd)
top_dir=$(cd "$bench_dir/.." && pwd)
RUNS=${RUNS:-5}

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# rec-cat from $REC_CAT, the default build (./build, made by scripts/build.sh
# without sanitizers), or PATH.
find_rec_cat() {
	for c in "${REC_CAT:-}" "$top_dir/build/stages/rec-cat/rec-cat" "$(command -v rec-cat 2>/dev/null)"; do
		[ -n "$c" ] && [ -x "$c" ] && { REC_CAT=$c; return 0; }
	done
	die "rec-cat not found: run scripts/build.sh first, or set REC_CAT"
}

# Generated data lives in $BENCH_DATA (default bench/data/, gitignored) and
# is reused by later runs.
data_dir() {
	BENCH_DATA=${BENCH_DATA:-$bench_dir/data}
	mkdir -p "$BENCH_DATA" || die "cannot create $BENCH_DATA"
}

now() {
	date +%s.%N
}

# bench_compare LABEL1 CMD1 LABEL2 CMD2: times both commands RUNS times,
# interleaved, and sets T1 and T2 to the median seconds.
bench_compare() {
	l1=$1 c1=$2 l2=$3 c2=$4
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX") || die "mktemp failed"
	if command -v hyperfine >/dev/null 2>&1 && [ -z "${NO_HYPERFINE:-}" ]; then
		hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$tmp/h.json" \
			-n "$l1" "sh -c '$c1'" -n "$l2" "sh -c '$c2'" >&2 || die "hyperfine failed"
		# median of each command, from the JSON export
		T1=$(tr -d ' \n' <"$tmp/h.json" | sed 's/"command":/\n/g' | sed -n 2p |
			sed 's/.*"median":\([0-9.e-]*\).*/\1/')
		T2=$(tr -d ' \n' <"$tmp/h.json" | sed 's/"command":/\n/g' | sed -n 3p |
			sed 's/.*"median":\([0-9.e-]*\).*/\1/')
	else
		sh -c "$c1" && sh -c "$c2" || die "a command failed" # warm-up
		i=0
		while [ $i -lt "$RUNS" ]; do
			a=$(now); sh -c "$c1" || die "'$c1' failed"; b=$(now)
			sh -c "$c2" || die "'$c2' failed"; c=$(now)
			echo "$a $b" | awk '{print $2 - $1}' >>"$tmp/t1"
			echo "$b $c" | awk '{print $2 - $1}' >>"$tmp/t2"
			i=$((i + 1))
		done
		T1=$(sort -g "$tmp/t1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
		T2=$(sort -g "$tmp/t2" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	fi
	rm -rf "$tmp"
}
