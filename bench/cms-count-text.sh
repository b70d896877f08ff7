#!/bin/sh
# cms-count's top 20 over access-log lines as text ("IP GET /item/N 200
# BYTES", the key being the first field, the IP), against the exact counts
# of the usual pipelines, in one run:
#   cms-count -k f1 --no-header --top 20 --out tsv < f
#   cut -d" " -f1 < f | LC_ALL=C sort | uniq -c | LC_ALL=C sort -rn | head -20
#   mawk "{c[\$1]++} END {for (k in c) print c[k], k}" < f | LC_ALL=C sort -rn | head -20
# (cut is needed: uniq -c counts whole lines), on keys drawn Zipf (s = 1.1)
# and uniformly from KEYS keys, and the peak RSS of each (for a pipeline,
# its largest process: GNU time reports the maximum over the processes
# sh waited for). cms-count's peak RSS is also taken on a tenth of the
# lines with a tenth of the keys, to show it grows with neither.
# Targets (issue 5): cms-count at least 5x as fast as both pipelines, its
# memory flat in N and in the number of distinct keys.
# Data: bench/cms-gen.c (built with cc into BENCH_DATA), about 40 bytes a
# line. At ROWS=100000000 a file is 4 GB, the sort pipeline takes minutes
# a run (and spills to TMPDIR): set RUNS low, e.g. RUNS=2.
# Environment: CMS_COUNT, BENCH_DATA, RUNS (default 5), ROWS (default
# 10000000), KEYS (default ROWS/10), DISTS (default "zipf uniform"), CC.
set -eu
. "$(dirname "$0")/lib.sh"
find_stage cms-count
data_dir
for t in mawk cut sort uniq head; do
	command -v $t >/dev/null 2>&1 || die "$t not found"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
ROWS=${ROWS:-10000000}
KEYS=${KEYS:-$((ROWS / 10))}
DISTS=${DISTS:-zipf uniform}
SMALL_ROWS=$((ROWS / 10)) SMALL_KEYS=$((KEYS / 10))
[ "$SMALL_KEYS" -ge 1 ] || die "KEYS must be at least 10"
LC_ALL=C
export LC_ALL

# Room for the files (about 40 bytes a line, 42 to be safe) and, in
# TMPDIR, for sort's spill of the keys (about 15 bytes a line, twice).
ndists=$(echo $DISTS | wc -w)
free_kib=$(df -Pk "$BENCH_DATA" | awk 'NR == 2 {print $4}')
need_kib=0
for d in $DISTS; do
	[ -s "$BENCH_DATA/log-$d-$ROWS-$KEYS.txt" ] || need_kib=$((need_kib + ROWS * 42 / 1024))
	[ -s "$BENCH_DATA/log-$d-$SMALL_ROWS-$SMALL_KEYS.txt" ] || need_kib=$((need_kib + SMALL_ROWS * 42 / 1024))
done
[ "$free_kib" -gt "$need_kib" ] ||
	die "$BENCH_DATA has $((free_kib / 1024)) MiB free, needs about $((need_kib / 1024)) MiB: set a smaller ROWS or another BENCH_DATA"
tmp_kib=$(df -Pk "${TMPDIR:-/tmp}" | awk 'NR == 2 {print $4}')
[ "$tmp_kib" -gt $((ROWS * 30 / 1024 + need_kib)) ] ||
	die "${TMPDIR:-/tmp} has $((tmp_kib / 1024)) MiB free; sort needs about $((ROWS * 30 / 1048576)) MiB there: set TMPDIR"

cms_gen_build
size_fmt() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

# gen DIST ROWS KEYS: the file's name on stdout, generated if missing.
gen() {
	g_f="$BENCH_DATA/log-$1-$2-$3.txt"
	if [ ! -s "$g_f" ]; then
		echo "generating $g_f" >&2
		"$CMS_GEN" log "$1" "$2" "$3" 1.1 42 >"$g_f.tmp" || die "cms-gen failed"
		mv "$g_f.tmp" "$g_f"
	fi
	echo "$g_f"
}

awk_prog='{c[$1]++} END {for (k in c) print c[k], k}'
summary=$(mktemp "${TMPDIR:-/tmp}/bench-cms.XXXXXX") || die "mktemp failed"
trap 'rm -f "$summary" "$summary.exact" "$summary.cms" "$summary.stats"' EXIT

for d in $DISTS; do
	f=$(gen "$d" "$ROWS" "$KEYS")
	fs=$(gen "$d" "$SMALL_ROWS" "$SMALL_KEYS")
	size=$(wc -c <"$f")
	cat "$f" >/dev/null # into the page cache

	echo
	echo "== $d: $f ($ROWS lines, $KEYS keys drawn from, $size bytes)"
	# What cms-count found against the exact counts: of its top 20, how
	# many are in the exact top 20 (ties at rank 20 broken either way),
	# whether any estimate is below its key's count (a bug), and the
	# largest excess over the count, next to eps*N.
	mawk "$awk_prog" <"$f" | sort -rn >"$summary.exact"
	distinct=$(wc -l <"$summary.exact")
	"$CMS_COUNT" -k f1 --no-header --top 20 --out tsv --stats <"$f" >"$summary.cms" 2>"$summary.stats"
	stats=$(grep 'cms-count:' "$summary.stats" | tail -n 1)
	echo "distinct keys present: $distinct; $stats"
	eps=$(echo "$stats" | sed -n 's/.*epsilon \([^,]*\),.*/\1/p')
	awk -v eps="${eps:-0}" -v n="$ROWS" 'FNR == 1 {file++}
		file == 1 {cnt[$2] = $1; if (FNR <= 20) {top[$2] = 1; k20 = $1}; next}
		FNR == 1 && /estimate/ {for (i = 1; i <= NF; i++) col[$i] = i; next}
		{key = $1; est = col["estimate"] ? $col["estimate"] : $2
		 m++; if (key in top || cnt[key] >= k20) hit++
		 if (est < cnt[key]) under++
		 if (est - cnt[key] > maxerr) maxerr = est - cnt[key]
		 if (m <= 3) first = first sprintf(" %s=%d", key, est)}
		END {printf "cms-count top %d: %d in the exact top 20; estimates below the count: %d;", m, hit, under
		 printf " largest excess %d (eps*N = %d)\n  cms-count top 3:%s\n", maxerr, eps * n, first}' \
		"$summary.exact" "$summary.cms"
	echo "  exact top 3:    $(head -n 3 "$summary.exact" | awk '{printf " %s=%d", $2, $1}')"
	[ "$d" != uniform ] || echo "  (uniform keys: no heavy hitters; either top 20 is noise)"

	c_cms="'$CMS_COUNT' -k f1 --no-header --top 20 --out tsv < '$f' > /dev/null"
	c_sort="cut -d\" \" -f1 < '$f' | LC_ALL=C sort | uniq -c | LC_ALL=C sort -rn | head -20 > /dev/null"
	c_mawk="mawk \"{c[\\\$1]++} END {for (k in c) print c[k], k}\" < '$f' | LC_ALL=C sort -rn | head -20 > /dev/null"
	bench_compare "cms-count ($d)" "$c_cms" "sort | uniq -c ($d)" "$c_sort" "mawk ($d)" "$c_mawk"

	peak_rss /dev/null "'$CMS_COUNT' -k f1 --no-header --top 20 --out tsv < '$f'"; r1=$RSS_KIB
	peak_rss /dev/null "cut -d' ' -f1 < '$f' | LC_ALL=C sort | uniq -c | LC_ALL=C sort -rn | head -20"; r2=$RSS_KIB
	peak_rss /dev/null "mawk '$awk_prog' < '$f' | LC_ALL=C sort -rn | head -20"; r3=$RSS_KIB
	peak_rss /dev/null "'$CMS_COUNT' -k f1 --no-header --top 20 --out tsv < '$fs'"; rs=$RSS_KIB

	awk -v d="$d" -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" -v t3="$T3" \
		-v r1="$r1" -v r2="$r2" -v r3="$r3" -v rs="$rs" -v sn="$SMALL_ROWS" -v sk="$SMALL_KEYS" 'BEGIN {
		printf "%-22s %9s %9s %11s %13s\n", "command", "seconds", "MiB/s", "Mlines/s", "peak RSS MiB"
		printf "%-22s %9.3f %9.0f %11.2f %13.1f\n", "cms-count", t1, s / t1 / 1048576, n / t1 / 1e6, r1 / 1024
		printf "%-22s %9.3f %9.0f %11.2f %13.1f\n", "sort | uniq -c", t2, s / t2 / 1048576, n / t2 / 1e6, r2 / 1024
		printf "%-22s %9.3f %9.0f %11.2f %13.1f\n", "mawk", t3, s / t3 / 1048576, n / t3 / 1e6, r3 / 1024
		printf "cms-count on %d lines, %d keys: peak RSS %.1f MiB\n", sn, sk, rs / 1024
		a = t2 / t1; b = t3 / t1
		printf "cms-count is %.2fx as fast as sort | uniq -c, %.2fx as fast as mawk (target >= 5x both): %s\n",
			a, b, (a >= 5 && b >= 5 ? "met" : "NOT met")
	}'
	echo "$d $T1 $T2 $T3 $r1 $r2 $r3 $rs" >>"$summary"
done

echo
echo "$ROWS lines, keys from $KEYS, $(nproc) CPUs, $RUNS runs, median; cms-count -j default ($(nproc) CPUs)"
echo "$(sort --version | sed 1q); mawk $(mawk -W version 2>&1 | sed -n '1s/^mawk \([^ ]*\).*/\1/p')"
awk '{rss[NR] = $5; d[NR] = $1; small[NR] = $8}
	END {lo = hi = rss[1]
	 for (i = 1; i <= NR; i++) {
		printf "cms-count peak RSS, %s: %.1f MiB (%.1f MiB on a tenth)\n", d[i], rss[i] / 1024, small[i] / 1024
		if (rss[i] < lo) lo = rss[i]; if (rss[i] > hi) hi = rss[i]
		if (small[i] < lo) lo = small[i]; if (small[i] > hi) hi = small[i]
	 }
	 printf "memory flat (all cms-count peaks within 10%% + 1 MiB of each other): %s\n",
		(hi <= lo * 1.1 + 1024 ? "yes" : "NO")
	}' "$summary"
