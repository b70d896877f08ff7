#!/bin/sh
# cms-count over Arrow input: one key column, int64 or utf8 (dotted IPv4
# addresses), keys drawn Zipf (s = 1.1) or uniformly from KEYS keys, the
# default sketch (width 4096, depth 5: 160 KiB, L2-resident), top 20, at
# -j 1 and -j 2 in one run, in rows per second per core; peak RSS of each.
# Then the update kernel alone: bench/cms-kernel.c, linked to the stage's
# modules as the build compiled them (build/stages/cms-count/libcms.la
# and libstage), hashing keys and adding them on one thread, no I/O.
# Targets (issue 5): >= 25 million rows/s/core; the update kernel
# (hash + add) >= 50 million updates/s/core.
# The streams are PART rows (made by rec-cat from bench/cms-gen.c's text)
# concatenated ROWS/PART times: identical schemas read as one stream.
# Environment: CMS_COUNT, REC_CAT, BENCH_DATA, RUNS (default 5), ROWS
# (default 100000000), PART (default 10000000), KEYS (default PART/10),
# DISTS (default "zipf uniform"), TYPES (default "int64 utf8"), UPDATES
# (kernel, default 100000000; 0 skips the kernel), BUILD (the build tree
# with libcms, default ./build), CC.
set -eu
. "$(dirname "$0")/lib.sh"
find_stage cms-count
find_stage rec-cat
data_dir
ROWS=${ROWS:-100000000}
PART=${PART:-10000000}
if [ "$ROWS" -lt "$PART" ]; then PART=$ROWS; fi
[ $((ROWS % PART)) -eq 0 ] || die "ROWS must be a multiple of $PART"
COPIES=$((ROWS / PART))
KEYS=${KEYS:-$((PART / 10))}
DISTS=${DISTS:-zipf uniform}
TYPES=${TYPES:-int64 utf8}
UPDATES=${UPDATES:-100000000}
BUILD=${BUILD:-$top_dir/build}

# Room: int64 streams about 8 bytes a row, utf8 about 18, the text parts
# about 40 (log lines) or 20 (integers).
free_kib=$(df -Pk "$BENCH_DATA" | awk 'NR == 2 {print $4}')
need_kib=0
for d in $DISTS; do
	for t in $TYPES; do
		[ -s "$BENCH_DATA/key-$t-$d-$PART-$KEYS-x$COPIES.arrow" ] && continue
		case $t in
		int64) need_kib=$((need_kib + (ROWS * 9 + PART * 29) / 1024)) ;;
		utf8) need_kib=$((need_kib + (ROWS * 18 + PART * 58) / 1024)) ;;
		*) die "TYPES: int64 or utf8, not $t" ;;
		esac
	done
done
[ "$free_kib" -gt "$need_kib" ] ||
	die "$BENCH_DATA has $((free_kib / 1024)) MiB free, needs about $((need_kib / 1024)) MiB: set a smaller ROWS or another BENCH_DATA"

cms_gen_build

# stream TYPE DIST: the stream's name on stdout, generated if missing.
stream() {
	s_part="$BENCH_DATA/key-$1-$2-$PART-$KEYS.arrow"
	s_f="$BENCH_DATA/key-$1-$2-$PART-$KEYS-x$COPIES.arrow"
	if [ ! -s "$s_part" ]; then
		echo "generating $s_part" >&2
		if [ "$1" = int64 ]; then
			"$CMS_GEN" int "$2" "$PART" "$KEYS" 1.1 42 |
				"$REC_CAT" --in csv --no-header --types f1:int64 --out arrow >"$s_part.tmp"
		else
			s_t="$BENCH_DATA/log-$2-$PART-$KEYS.txt" # bench/cms-count-text.sh's file
			if [ ! -s "$s_t" ]; then
				"$CMS_GEN" log "$2" "$PART" "$KEYS" 1.1 42 >"$s_t.tmp"
				mv "$s_t.tmp" "$s_t"
			fi
			"$REC_CAT" --in ws --no-header -c 1 --types f1:utf8 --out arrow <"$s_t" >"$s_part.tmp"
		fi
		mv "$s_part.tmp" "$s_part"
	fi
	if [ "$COPIES" -eq 1 ]; then
		s_f=$s_part
	else
		repeat_file "$s_part" "$COPIES" "$s_f"
	fi
	echo "$s_f"
}

out=$(mktemp "${TMPDIR:-/tmp}/bench-cms.XXXXXX") || die "mktemp failed"
trap 'rm -f "$out" "$out.stats"' EXIT
for d in $DISTS; do
	for t in $TYPES; do
		f=$(stream "$t" "$d")
		size=$(wc -c <"$f")
		cat "$f" >/dev/null # into the page cache
		echo
		echo "== $t keys, $d: $f ($ROWS rows, $size bytes)"
		# Both -j settings must count every row; whether their top 20 are
		# the same is reported (the merged sketch is the same for any -j,
		# but on keys without heavy hitters the candidates can differ).
		for j in 1 2; do
			"$CMS_COUNT" -k f1 -j $j --top 20 --out tsv --stats <"$f" >"$out.$j" 2>"$out.stats"
			st=$(grep 'cms-count:' "$out.stats" | tail -n 1)
			n=$(echo "$st" | sed -n 's/.*, N \([0-9]*\),.*/\1/p')
			[ "$n" = "$ROWS" ] || die "cms-count -j $j counted ${n:-?} rows, not $ROWS ($st)"
		done
		echo "$st"
		if cmp -s "$out.1" "$out.2"; then
			echo "top 20 of -j 1 and -j 2: identical"
		else
			echo "top 20 of -j 1 and -j 2: DIFFER ($(diff "$out.1" "$out.2" | grep -c '^<') of 20 lines):"
			diff "$out.1" "$out.2" | sed -n '1,12s/^/  /p'
		fi
		echo "top 3: $(sed -n '2,4p' "$out.1" | tr '\t' ' ' | paste -sd';' -)"
		rm -f "$out.1" "$out.2"

		bench_compare "cms-count -j 1 ($t, $d)" "'$CMS_COUNT' -k f1 -j 1 --top 20 --out tsv < '$f' > /dev/null" \
		              "cms-count -j 2 ($t, $d)" "'$CMS_COUNT' -k f1 -j 2 --top 20 --out tsv < '$f' > /dev/null"
		peak_rss /dev/null "'$CMS_COUNT' -k f1 -j 1 --top 20 --out tsv < '$f'"; r1=$RSS_KIB
		peak_rss /dev/null "'$CMS_COUNT' -k f1 -j 2 --top 20 --out tsv < '$f'"; r2=$RSS_KIB
		awk -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" -v r1="$r1" -v r2="$r2" 'BEGIN {
			printf "%-16s %9s %9s %10s %15s %13s\n", "command", "seconds", "MiB/s", "Mrows/s", "Mrows/s/core", "peak RSS MiB"
			printf "%-16s %9.3f %9.0f %10.1f %15.1f %13.1f\n", "cms-count -j 1", t1, s / t1 / 1048576, n / t1 / 1e6, n / t1 / 1e6, r1 / 1024
			printf "%-16s %9.3f %9.0f %10.1f %15.1f %13.1f\n", "cms-count -j 2", t2, s / t2 / 1048576, n / t2 / 1e6, n / t2 / 2e6, r2 / 1024
			printf "speed-up -j 2 over -j 1: %.2fx\n", t1 / t2
		}'
		echo "$t $d $T1 $T2" >>"$out"
	done
done

echo
echo "$ROWS rows a stream ($PART rows x $COPIES), keys from $KEYS, $(nproc) CPUs, $RUNS runs, median"
awk -v n="$ROWS" '{r1 = n / $3 / 1e6; r2 = n / $4 / 2e6
	printf "%-6s %-8s Mrows/s/core: -j 1 %6.1f, -j 2 %6.1f\n", $1, $2, r1, r2
	if (r1 < 25) miss1++; if (r2 < 25) miss2++; cases++}
	END {printf "rows/s/core (target >= 25M): -j 1 %s, -j 2 %s (%d cases each)\n",
		(miss1 ? "NOT met in " miss1 : "met in all"), (miss2 ? "NOT met in " miss2 : "met in all"), cases}' "$out"

[ "$UPDATES" -gt 0 ] || exit 0
# The kernel, linked to the build's convenience libraries.
lib_cms=$BUILD/stages/cms-count/.libs/libcms.a
lib_core=$BUILD/libstage/.libs/libstagecore.a
[ -f "$lib_cms" ] && [ -f "$lib_core" ] && [ -f "$BUILD/config.h" ] ||
	die "$lib_cms or $lib_core not found: build first (scripts/build.sh), or UPDATES=0"
kernel=$BENCH_DATA/cms-kernel
${CC:-cc} -O2 -std=gnu11 -include "$BUILD/config.h" -I"$top_dir/libstage" \
	-I"$top_dir/stages/cms-count" -o "$kernel" "$bench_dir/cms-kernel.c" "$lib_cms" "$lib_core" -lm ||
	die "cannot build $bench_dir/cms-kernel.c"
echo
echo "update kernel alone (bench/cms-kernel.c, one thread, $(basename "$lib_cms") of $BUILD):"
"$kernel" "$UPDATES" "$KEYS"
