#!/bin/sh
# Real Arrow writers -> our reader: apache-arrow and polars write streams
# (js-writes.mjs), and we must read every value exactly (read_dump, compared
# with the dump the JS computed), print them as JSON Lines (rec-cat --out
# jsonl), and reject the types we do not support with exit status 3 and a
# message naming the column and the type. Polars writes strings and binary
# with int64 offsets (large utf8, large binary), which we read as utf8 and
# binary.
set -eu
. "$TOP_SRCDIR/tests/interop/node-env.sh"

read_dump=$TOP_BUILDDIR/tests/interop/read_dump
node "$work/js-writes.mjs" "$work"
cd "$work"
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}

# Polars writes one batch per frame; a `cat` of its streams gives several
# batches, a zero-row one among them, and checks concatenated streams.
# rec-cat writes the large utf8/binary columns back with int32 offsets: the
# pass-through check compares values (read_dump), not bytes.
cat polars-1.arrow polars-2.arrow polars-3.arrow >polars-cat.arrow

for name in arrow-all polars-cat; do
	if "$read_dump" <$name.arrow >$name.got 2>$name.err; then
		diff -u $name.dump $name.got >$name.diff || fail "$name: read_dump differs: $(head -20 $name.diff)"
	else
		fail "$name: read_dump failed: $(cat $name.err)"
	fi
	# A stage passing the stream through must not change a single value.
	if rec-cat <$name.arrow >$name.pass 2>$name.err && "$read_dump" <$name.pass >$name.got2; then
		cmp -s $name.dump $name.got2 || fail "$name: rec-cat pass-through changed values"
	else
		fail "$name: rec-cat pass-through failed: $(cat $name.err)"
	fi
	if rec-cat --out jsonl <$name.arrow >$name.jsonl 2>$name.err; then
		node check-jsonl.mjs $name.dump $name.jsonl || fail "$name: rec-cat --out jsonl"
	else
		fail "$name: rec-cat --out jsonl failed: $(cat $name.err)"
	fi
done

# Types we do not read, written by apache-arrow (js-writes.mjs): file, then
# the column and the type the message must name (after the column). The
# dictionary stream fails at its schema, before its DictionaryBatch message.
while read -r file column type; do
	for reader in "$read_dump" rec-cat; do
		status=0
		"$reader" <$file.arrow >/dev/null 2>$file.err || status=$?
		[ $status -eq 3 ] || fail "$file: $reader: exit status $status, want 3"
		case $(cat $file.err) in
		*"column '$column'"*"$type"*) ;;
		*) fail "$file: $reader: message does not name column '$column' and type $type: $(cat $file.err)" ;;
		esac
	done
done <<'EOF'
reject-int32 x unsupported type int32
reject-dictionary x dictionary
reject-utf8view x unsupported type utf8 view
reject-timestamp-ms x unsupported type timestamp[ms]
reject-timestamp-ms-utc x unsupported type timestamp[ms, UTC]
EOF

[ $failed -eq 0 ] && echo "apache-arrow and polars streams read as expected"
exit $failed
