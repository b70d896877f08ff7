#!/bin/sh
# NIST StRD univariate summary statistics (issue 4): the nine sets in
# tests/moments/nist (see the README there), each run through moments as text
# and as float64 Arrow (rec-cat --types), and through datamash as text. The
# helper prints the log relative errors against NIST's certified mean and
# sd and fails unless moments on text is at least as good as datamash on
# every set, and on float64 input reaches LRE 14 for the mean and 8 for the
# sd (NumAcc3/4 cannot do better as float64: 1000000.1 is not a double).
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR}"
for tool in python3 datamash; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool is missing"; exit 77; }
done
for tool in moments rec-cat; do
	command -v $tool >/dev/null 2>&1 || { echo "FAIL: $tool is not on PATH"; exit 1; }
done
nist=$TOP_SRCDIR/tests/moments/nist

work=$(mktemp -d "${TMPDIR:-/tmp}/moments-nist.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

for set in $(cut -f1 "$nist/certified.tsv" | tail -n +2); do
	data=$nist/$set.txt out=$work/$set
	moments --no-header --out tsv < "$data" > "$out.text.tsv" ||
		{ echo "FAIL: $set: moments on text exited $?"; exit 1; }
	# No pipefail in sh: a failing rec-cat leaves moments without
	# end-of-stream marker, so moments fails too.
	rec-cat --no-header --types f1:float64 < "$data" | moments --out tsv > "$out.arrow.tsv" ||
		{ echo "FAIL: $set: rec-cat | moments exited $?"; exit 1; }
	datamash mean 1 sstdev 1 < "$data" > "$out.datamash" ||
		{ echo "FAIL: $set: datamash exited $?"; exit 1; }
done
python3 "$TOP_SRCDIR/tests/moments/nist_lre.py" "$nist" "$work"
