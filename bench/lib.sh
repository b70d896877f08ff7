# Shared helpers for the bench scripts (sourced, not run): finding a stage,
# a scratch directory, and timing commands side by side in one run, with
# hyperfine when installed and a date-based loop otherwise.

bench_dir=$(cd "$(dirname "$0")" && pwd)
top_dir=$(cd "$bench_dir/.." && pwd)
RUNS=${RUNS:-5}

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# find_stage NAME [VAR]: sets VAR (default: NAME in capitals, '-' as '_', so
# REC_CAT, MOMENTS) to the stage to time: $VAR when set, else the default build
# (./build, made by scripts/build.sh without sanitizers), else PATH. In a
# build tree build/stages/NAME/NAME is libtool's wrapper script, which costs
# about 70 ms a run (a shell, then exec); the binary it runs is taken instead,
# with the wrapper's LD_LIBRARY_PATH exported so it finds libstage.so (peer
# tools then search that one extra directory first: no measurable cost).
find_stage() {
	fs_name=$1 fs_var=${2:-$(printf '%s' "$1" | tr 'a-z-' 'A-Z_')}
	eval "fs_c=\${$fs_var:-}"
	if [ -z "$fs_c" ]; then
		fs_w=$top_dir/build/stages/$fs_name/$fs_name
		if [ -f "$fs_w" ] && sed -n 1,5p "$fs_w" | grep -q 'wrapper script for'; then
			fs_p=$(sed -n "s/^ *program='\(.*\)'\$/\1/p" "$fs_w" | head -n 1)
			fs_l=$(sed -n 's/^ *LD_LIBRARY_PATH="\(.*\):\$LD_LIBRARY_PATH"$/\1/p' "$fs_w" | head -n 1)
			if [ -n "$fs_p" ] && [ -x "$(dirname "$fs_w")/.libs/$fs_p" ]; then
				fs_c=$(dirname "$fs_w")/.libs/$fs_p
				if [ -n "$fs_l" ]; then
					LD_LIBRARY_PATH=$fs_l${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
					export LD_LIBRARY_PATH
				fi
			fi
		fi
		for c in "$fs_c" "$fs_w" "$(command -v "$fs_name" 2>/dev/null)"; do
			[ -n "$c" ] && [ -x "$c" ] && { fs_c=$c; break; }
		done
	fi
	[ -n "$fs_c" ] && [ -x "$fs_c" ] ||
		die "$fs_name not found: run scripts/build.sh first, or set $fs_var"
	eval "$fs_var=\$fs_c"
	"$fs_c" --version >/dev/null 2>&1 || die "$fs_c does not run (--version failed)"
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

# repeat_file PART COPIES OUT: OUT holds PART COPIES times over (a longer
# stream without generating it again), unless OUT is already there.
repeat_file() {
	[ -s "$3" ] && return 0
	echo "generating $3" >&2
	: >"$3.tmp"
	rf_i=0
	while [ $rf_i -lt "$2" ]; do cat "$1" >>"$3.tmp"; rf_i=$((rf_i + 1)); done
	mv "$3.tmp" "$3"
}

# bench_compare LABEL1 CMD1 LABEL2 CMD2 [LABEL3 CMD3 ...]: times the commands
# RUNS times each, interleaved (after one warm-up run each), and sets T1,
# T2, ... to their median seconds. Each CMD runs under sh -c '...', so a
# single quote in it is written '\''.
bench_compare() {
	bc_n=0
	while [ $# -ge 2 ]; do
		bc_n=$((bc_n + 1))
		eval "bc_l$bc_n=\$1 bc_c$bc_n=\$2"
		shift 2
	done
	[ $# -eq 0 ] && [ $bc_n -ge 1 ] || die "bench_compare: LABEL CMD pairs expected"
	bc_tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX") || die "mktemp failed"
	if command -v hyperfine >/dev/null 2>&1 && [ -z "${NO_HYPERFINE:-}" ]; then
		set --
		bc_i=1
		while [ $bc_i -le $bc_n ]; do
			eval "set -- \"\$@\" -n \"\$bc_l$bc_i\" \"sh -c '\$bc_c$bc_i'\""
			bc_i=$((bc_i + 1))
		done
		hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$bc_tmp/h.json" \
			"$@" >&2 || die "hyperfine failed"
		# median of each command, from the JSON export
		bc_i=1
		while [ $bc_i -le $bc_n ]; do
			eval "T$bc_i=\$(tr -d ' \n' <\"\$bc_tmp/h.json\" | sed 's/\"command\":/\n/g' |
				sed -n $((bc_i + 1))p | sed 's/.*\"median\":\([0-9.e-]*\).*/\1/')"
			bc_i=$((bc_i + 1))
		done
	else
		bc_i=1
		while [ $bc_i -le $bc_n ]; do # warm-up
			eval "sh -c \"\$bc_c$bc_i\"" || eval "die \"'\$bc_c$bc_i' failed\""
			bc_i=$((bc_i + 1))
		done
		bc_r=0
		while [ $bc_r -lt "$RUNS" ]; do
			bc_i=1
			while [ $bc_i -le $bc_n ]; do
				a=$(now)
				eval "sh -c \"\$bc_c$bc_i\"" || eval "die \"'\$bc_c$bc_i' failed\""
				b=$(now)
				echo "$a $b" | awk '{print $2 - $1}' >>"$bc_tmp/t$bc_i"
				bc_i=$((bc_i + 1))
			done
			bc_r=$((bc_r + 1))
		done
		bc_i=1
		while [ $bc_i -le $bc_n ]; do
			eval "T$bc_i=\$(median <\"\$bc_tmp/t$bc_i\")"
			bc_i=$((bc_i + 1))
		done
	fi
	rm -rf "$bc_tmp"
}

# median: the median of the numbers on stdin, one a line (the lower middle
# one for an even count, as bench_compare's loop has always taken it).
median() {
	sort -g | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'
}

# peak_rss FILE CMD: runs CMD under sh -c with GNU time (package `time`) and
# sets RSS_KIB to its peak resident set size in KiB (the "Maximum resident
# set size" of time -v), RSS_S to its elapsed seconds and RSS_USER, RSS_SYS
# to its user and system CPU seconds. CMD's stdout goes to FILE.
peak_rss() {
	[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
	pr_tmp=$(mktemp "${TMPDIR:-/tmp}/bench-time.XXXXXX") || die "mktemp failed"
	/usr/bin/time -o "$pr_tmp" -f '%M %e %U %S' sh -c "$2" >"$1" || die "'$2' failed"
	RSS_KIB=$(tail -n 1 "$pr_tmp" | cut -d' ' -f1)
	RSS_S=$(tail -n 1 "$pr_tmp" | cut -d' ' -f2)
	RSS_USER=$(tail -n 1 "$pr_tmp" | cut -d' ' -f3)
	RSS_SYS=$(tail -n 1 "$pr_tmp" | cut -d' ' -f4)
	rm -f "$pr_tmp"
}

# gen_normal FILE ROWS: writes ROWS values 1e9 + N(0,1) (Box-Muller, fixed
# seed), one a line with 6 decimals, to FILE unless it is there already.
gen_normal() {
	[ -s "$1" ] && return 0
	command -v mawk >/dev/null 2>&1 || die "mawk not found (apt-get install mawk)"
	echo "generating $1" >&2
	# 1 - rand() is in (0, 1], so the log is finite.
	mawk -v n="$2" 'BEGIN { srand(13); for (i = 0; i < n; i++)
		printf "%.6f\n", 1e9 + sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }' >"$1.tmp"
	mv "$1.tmp" "$1"
}

# find_duckdb: sets DUCKDB_MJS to bench/duckdb/duckdb.mjs (DuckDB through
# @duckdb/node-api, the version pinned in its package-lock.json; run it as
# node "$DUCKDB_MJS" FILE THREADS SQL) and DUCKDB_VERSION, first installing
# the package with `npm ci` when bench/duckdb/node_modules lacks it.
find_duckdb() {
	for fd_t in node npm; do
		command -v $fd_t >/dev/null 2>&1 || die "$fd_t not found (scripts/install-deps.sh installs nodejs and npm)"
	done
	fd_pkg=$bench_dir/duckdb/node_modules/@duckdb/node-api/package.json
	if [ ! -f "$fd_pkg" ]; then
		echo "installing @duckdb/node-api into $bench_dir/duckdb/node_modules (npm ci)" >&2
		(cd "$bench_dir/duckdb" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
			die "npm ci in $bench_dir/duckdb failed"
	fi
	DUCKDB_MJS=$bench_dir/duckdb/duckdb.mjs
	DUCKDB_VERSION=$(sed -n 's/^ *"version": *"\(.*\)",*$/\1/p' "$fd_pkg" | head -n 1)
}

# cms_gen_build: sets CMS_GEN to bench/cms-gen.c compiled (with ${CC:-cc}
# -O2) into $BENCH_DATA, rebuilding it when the source is newer.
cms_gen_build() {
	CMS_GEN=$BENCH_DATA/cms-gen
	if [ ! -x "$CMS_GEN" ] || [ "$bench_dir/cms-gen.c" -nt "$CMS_GEN" ] ||
		[ "$bench_dir/cms-zipf.h" -nt "$CMS_GEN" ]; then
		${CC:-cc} -O2 -std=gnu11 -o "$CMS_GEN" "$bench_dir/cms-gen.c" -lm ||
			die "cannot build $bench_dir/cms-gen.c"
	fi
}
