#!/bin/sh
# Our writer -> real Arrow readers: apache-arrow and polars read the sample
# stream (every type, nulls, zero-row batches) that gen_sample writes, and
# the same stream after it passed through rec-cat, and compare every cell
# with values they compute themselves (sample.mjs).
set -eu
. "$TOP_SRCDIR/tests/interop/node-env.sh"

"$TOP_BUILDDIR/tests/interop/gen_sample" >"$work/sample.arrow"
node "$work/js-reads-ours.mjs" "$work/sample.arrow" gen_sample

# rec-cat writes through the same codec, but it rebuilds the schema and
# re-emits every batch: check what a real stage puts on a pipe, too.
rec-cat <"$work/sample.arrow" >"$work/rec-cat.arrow"
node "$work/js-reads-ours.mjs" "$work/rec-cat.arrow" "gen_sample | rec-cat"
