#!/bin/sh
# cms-count --every N and --every-seconds S (issue 5): running results for
# endless streams. --every N writes the top K after every N rows and once
# more at the end when rows are left over. --every-seconds S writes it
# every S seconds by the clock, also while the input is quiet
# (`tail -F log | cms-count --every-seconds 5`): a writer that sends 3
# lines, sleeps 3.5 s and sends 4 more must get at least two snapshots
# taken at row 3 (at about 1, 2 and 3 s) before the snapshot of all 7 rows
# at the end, through text input and through an Arrow pipe (rec-cat
# between, whose start-up eats into the pause: at least one snapshot
# there). The later lines arrive after the pause, so row-3 snapshots prove
# the timer fired without input.
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/cms/lib.sh"
need_tools cms-count rec-cat

printf 'a\nb\na\nc\na\n' | cms-count -k 1 --no-header --out tsv --every 2 --top 1 > every.tsv ||
	fail "--every 2 exited $?"
printf 'row\tf1\testimate\tlower\n2\ta\t1\t1\n4\ta\t2\t2\n5\ta\t3\t3\n' > want.tsv
# Ties at row 2 (a and b, once each) go to the smaller key.
cmp -s want.tsv every.tsv || fail "--every 2: got $(cat every.tsv)"

slow() { printf 'a\nb\na\n'; sleep 3.5; printf 'c\nc\nc\nc\n'; }

# snapshots NAME FILE MIN: FILE (tsv, --top 1) has at least MIN rows at row
# 3 and ends with the row-7 result.
snapshots() {
	at3=$(awk -F '\t' '$1 == 3 && $2 == "a" && $3 == 2' "$2" | wc -l)
	last=$(tail -n 1 "$2")
	[ "$at3" -ge "$3" ] || fail "$1: $at3 snapshots during the pause, want at least $3 ($(cat "$2"))"
	[ "$last" = "$(printf '7\tc\t4\t4')" ] || fail "$1: last row '$last', want the 7-row result"
	echo "$1: $at3 snapshots during the pause"
}

slow | cms-count -k 1 --no-header --out tsv --every-seconds 1 --top 1 > text.tsv ||
	fail "--every-seconds, text input, exited $?"
snapshots "text input" text.tsv 2
slow | rec-cat --no-header | cms-count -k 1 --every-seconds 1 --top 1 | rec-cat --out tsv > arrow.tsv ||
	fail "--every-seconds, Arrow input, exited $?"
snapshots "Arrow input" arrow.tsv 1
# Units as stage_parse_duration takes them.
slow | cms-count -k 1 --no-header --out tsv --every-seconds 700ms --top 1 > ms.tsv ||
	fail "--every-seconds 700ms exited $?"
snapshots "700ms" ms.tsv 3

[ "$failed" -eq 0 ] || exit 1
echo "PASS"
