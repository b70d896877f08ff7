#!/bin/sh
# rec-cat arrow -> arrow pass-through vs cat on a ~1 GiB Arrow stream, both
# in the same pipeline position: `X < f | cat > /dev/null`, once per I/O
# backend. Targets: rec-cat at least 0.5x the throughput of cat (issue 2) and
# 0.8x on both backends (issue 3).
# Environment: REC_CAT, BENCH_DATA, RUNS (default 5), SIZE_MIB (default 1024).
set -eu
. "$(dirname "$0")/lib.sh"
find_stage rec-cat
data_dir
SIZE_MIB=${SIZE_MIB:-1024}
f="$BENCH_DATA/passthrough-${SIZE_MIB}m.arrow"

if [ ! -s "$f" ]; then
	# A 64 MiB-ish stream from CSV (int64, float64, utf8 columns), then
	# copies of it concatenated: identical schemas read as one stream.
	part="$BENCH_DATA/passthrough-part.arrow"
	echo "generating $f" >&2
	mawk 'BEGIN { srand(7); for (i = 0; i < 2000000; i++)
		printf "%d,%.17g,name-%d\n", i, rand() * 1e6, int(rand() * 1e9) }' |
		"$REC_CAT" --in csv --no-header --out arrow >"$part"
	part_size=$(wc -c <"$part")
	copies=$(( (SIZE_MIB * 1048576 + part_size - 1) / part_size ))
	: >"$f.tmp"
	i=0
	while [ $i -lt $copies ]; do cat "$part" >>"$f.tmp"; i=$((i + 1)); done
	mv "$f.tmp" "$f"
	rm -f "$part"
	# The stream must read back whole.
	"$REC_CAT" --out arrow <"$f" | cmp -s - "$f" ||
		echo "note: rec-cat output differs byte-wise from its input (re-batching)" >&2
fi
size=$(wc -c <"$f")
cat "$f" >/dev/null # into the page cache

# The same pipeline position for all: read the file, write a pipe. Once per
# I/O backend (issue targets: >= 0.5x cat, and >= 0.8x on both backends).
for backend in uring epoll; do
	bench_compare "rec-cat ($backend)" "PIPESTAGE_IO=$backend '$REC_CAT' < '$f' | cat > /dev/null" \
	              "cat" "cat '$f' | cat > /dev/null"
	echo
	echo "PIPESTAGE_IO=$backend; file: $f ($size bytes), $RUNS runs, median"
	awk -v s="$size" -v t1="$T1" -v t2="$T2" -v b="$backend" 'BEGIN {
		printf "%-18s %10s %12s\n", "command", "seconds", "MiB/s"
		printf "%-18s %10.3f %12.0f\n", "rec-cat (" b ")", t1, s / t1 / 1048576
		printf "%-18s %10.3f %12.0f\n", "cat", t2, s / t2 / 1048576
		r = t2 / t1
		printf "ratio rec-cat/cat throughput: %.2fx (targets >= 0.5x, >= 0.8x): %s\n", r,
			(r >= 0.8 ? "both met" : r >= 0.5 ? "0.5x met, 0.8x NOT met" : "NOT met")
	}'
	echo
done
