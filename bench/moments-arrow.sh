#!/bin/sh
# moments over 100 million float64 values as an Arrow stream (800 MB): -j 1
# against -j 2 in one run, in values per second per core, and peak RSS next
# to GNU datamash's on the same values as text (datamash keeps every value
# to compute sskew, so its memory grows with the input).
# Targets: >= 1e8 values/s/core; moments' memory flat (the same peak RSS on
# a tenth of the input).
# The stream is PART rows (10 million; 1e9 + N(0,1), made by rec-cat from
# text) concatenated ROWS/PART times: identical schemas read as one stream.
# datamash is measured on all ROWS values when its peak RSS, extrapolated
# from PART values, stays under DATAMASH_MAX_MIB (default 8192), else on
# PART values only (the script says which). On the 2-CPU VM of RESULTS.md
# datamash took 26 minutes on 10^8 values, mostly system time in page
# faults: DATAMASH_MAX_MIB=0 keeps it to PART values.
# Environment: MOMENTS, REC_CAT, BENCH_DATA, RUNS (default 5), ROWS (default
# 100000000), PART (default 10000000), DATAMASH_MAX_MIB.
set -eu
. "$(dirname "$0")/lib.sh"
find_stage moments
find_stage rec-cat
data_dir
command -v datamash >/dev/null 2>&1 || die "datamash not found (apt-get install datamash)"
ROWS=${ROWS:-100000000}
PART=${PART:-10000000}
if [ "$ROWS" -lt "$PART" ]; then PART=$ROWS; fi
[ $((ROWS % PART)) -eq 0 ] || die "ROWS must be a multiple of $PART"
COPIES=$((ROWS / PART))
DATAMASH_MAX_MIB=${DATAMASH_MAX_MIB:-8192}
t_part="$BENCH_DATA/normal-1e9-$PART.txt"
a_part="$BENCH_DATA/normal-1e9-$PART.arrow"
f="$BENCH_DATA/normal-1e9-$ROWS.arrow"

# Room for the stream and, at worst, the text copy of it for datamash
# (about 17.5 bytes a value) plus the parts.
free_kib=$(df -Pk "$BENCH_DATA" | awk 'NR == 2 {print $4}')
need_kib=$(( (ROWS * 8 + ROWS * 18 + PART * 26) / 1024 ))
if [ -s "$f" ]; then need_kib=$(( (ROWS * 18 + PART * 26) / 1024 )); fi
[ "$free_kib" -gt "$need_kib" ] ||
	die "$BENCH_DATA has $((free_kib / 1024)) MiB free, needs about $((need_kib / 1024)) MiB: set a smaller ROWS or another BENCH_DATA"

gen_normal "$t_part" "$PART"
if [ ! -s "$a_part" ]; then
	echo "generating $a_part" >&2
	"$REC_CAT" --in csv --no-header --types f1:float64 --out arrow <"$t_part" >"$a_part.tmp"
	mv "$a_part.tmp" "$a_part"
fi
repeat_file "$a_part" "$COPIES" "$f"
size=$(wc -c <"$f")
cat "$f" >/dev/null # into the page cache

# Both -j settings must count every value.
for j in 1 2; do
	n=$("$MOMENTS" -j $j --out tsv <"$f" | awk -F'\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next} {print $c["n"]}')
	[ "$n" = "$ROWS" ] || die "moments -j $j counted $n values, not $ROWS"
done

bench_compare "moments -j 1" "'$MOMENTS' -j 1 --out tsv < '$f' > /dev/null" \
              "moments -j 2" "'$MOMENTS' -j 2 --out tsv < '$f' > /dev/null"

# Peak RSS: moments on all values and on one part (flat memory means the
# same figure), datamash on the text.
peak_rss /dev/null "'$MOMENTS' -j 1 --out tsv < '$f'"; rss_j1=$RSS_KIB
peak_rss /dev/null "'$MOMENTS' -j 2 --out tsv < '$f'"; rss_j2=$RSS_KIB
peak_rss /dev/null "'$MOMENTS' -j 1 --out tsv < '$a_part'"; rss_part=$RSS_KIB
peak_rss /dev/null "datamash mean 1 sstdev 1 sskew 1 skurt 1 < '$t_part'"
dm_part="$RSS_KIB KiB, $RSS_S s (user $RSS_USER s, system $RSS_SYS s)"
dm_rss=$RSS_KIB dm_s=$RSS_S dm_cpu="user $RSS_USER s, system $RSS_SYS s" dm_n=$PART dm_note=
if [ "$COPIES" -gt 1 ] && [ $((dm_rss * COPIES / 1024)) -lt "$DATAMASH_MAX_MIB" ]; then
	t_full="$BENCH_DATA/normal-1e9-$PART-x$COPIES.txt"
	repeat_file "$t_part" "$COPIES" "$t_full"
	peak_rss /dev/null "datamash mean 1 sstdev 1 sskew 1 skurt 1 < '$t_full'"
	dm_rss=$RSS_KIB dm_s=$RSS_S dm_cpu="user $RSS_USER s, system $RSS_SYS s" dm_n=$ROWS
elif [ "$COPIES" -gt 1 ]; then
	dm_note="datamash measured on $PART values only: on $ROWS it would need about $((dm_rss * COPIES / 1024)) MiB (> DATAMASH_MAX_MIB=$DATAMASH_MAX_MIB)"
fi

echo
echo "file: $f ($ROWS float64 values, $size bytes), $(nproc) CPUs, $RUNS runs, median"
awk -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" -v r1="$rss_j1" -v r2="$rss_j2" \
	-v rp="$rss_part" -v np="$PART" -v dr="$dm_rss" -v ds="$dm_s" -v dc="$dm_cpu" -v dn="$dm_n" 'BEGIN {
	printf "%-14s %9s %10s %14s %18s %14s\n", "command", "seconds", "MiB/s", "Mvalues/s", "Mvalues/s/core", "peak RSS MiB"
	printf "%-14s %9.3f %10.0f %14.1f %18.1f %14.1f\n", "moments -j 1", t1, s / t1 / 1048576, n / t1 / 1e6, n / t1 / 1e6, r1 / 1024
	printf "%-14s %9.3f %10.0f %14.1f %18.1f %14.1f\n", "moments -j 2", t2, s / t2 / 1048576, n / t2 / 1e6, n / t2 / 2e6, r2 / 1024
	printf "moments -j 1 on %d values: peak RSS %.1f MiB\n", np, rp / 1024
	printf "datamash (text, %d values, one run): %.2f s (%s), peak RSS %.1f MiB\n", dn, ds, dc, dr / 1024
	printf "speed-up -j 2 over -j 1: %.2fx\n", t1 / t2
	printf "values/s/core (target >= 1e8): -j 1 %.3g, -j 2 %.3g: %s\n", n / t1, n / t2 / 2,
		(n / t1 >= 1e8 && n / t2 / 2 >= 1e8 ? "met" : (n / t1 >= 1e8 || n / t2 / 2 >= 1e8 ? "met with one -j setting only" : "NOT met"))
	printf "memory flat (-j 1 peak RSS on %d values within 10%% + 1 MiB of that on %d): %s\n", n, np,
		(r1 <= rp * 1.1 + 1024 ? "yes" : "NO")
}'
[ "$dm_n" = "$PART" ] || echo "datamash on $PART values: $dm_part"
[ -z "$dm_note" ] || echo "$dm_note"
