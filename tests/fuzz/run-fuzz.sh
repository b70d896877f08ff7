#!/bin/sh
# Builds the libFuzzer target for the Arrow IPC reader with clang (libstage
# compiled in, with ASan and UBSan) and runs it on a copy of the seed corpus
# for FUZZ_SECONDS (default 30), then the one for eval-expr's expression
# parser and checker for FUZZ_EVAL_SECONDS (default 15). Fails on any crash, leak, timeout or
# sanitizer report; skips (77) when clang with libFuzzer is missing, unless
# FUZZ_REQUIRED=1 (set by --enable-fuzzing builds).
set -u

here=$(cd "$(dirname "$0")" && pwd)
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$(pwd)}
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_EVAL_SECONDS=${FUZZ_EVAL_SECONDS:-15}
out="$TOP_BUILDDIR/tests/fuzz"
bin="$out/fuzz_ipc_reader"
eval_bin="$out/obj/eval/fuzz_eval_parse"
eval_sources="ast lex parse typecheck calls front"

skip() {
	echo "run-fuzz: $*" >&2
	if [ "${FUZZ_REQUIRED:-0}" = 1 ]; then
		echo "run-fuzz: fuzzing was enabled (--enable-fuzzing), so this is a failure" >&2
		exit 1
	fi
	exit 77
}

[ -f "$TOP_BUILDDIR/config.h" ] ||
	{ echo "run-fuzz: no config.h in '$TOP_BUILDDIR' (set TOP_BUILDDIR)" >&2; exit 1; }
command -v "$FUZZ_CC" >/dev/null 2>&1 ||
	skip "'$FUZZ_CC' not found: install the Debian packages clang and libclang-rt-14-dev"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' >"$tmp/probe.c"
"$FUZZ_CC" -fsanitize=fuzzer,address,undefined "$tmp/probe.c" -o "$tmp/probe" 2>"$tmp/probe.log" ||
	skip "'$FUZZ_CC' cannot link -fsanitize=fuzzer: install libclang-rt-14-dev ($(head -1 "$tmp/probe.log"))"

cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
-include $TOP_BUILDDIR/config.h -I$TOP_SRCDIR/libstage -I$here"

# Rebuild when any source is newer than the binary.
sources="$TOP_SRCDIR/libstage/*.c $TOP_SRCDIR/libstage/*.h $here/fuzz_ipc_reader.c $here/ipc_consume.h"
stale=yes
if [ -x "$bin" ]; then
	stale=$(find $sources "$TOP_BUILDDIR/config.h" -newer "$bin" 2>/dev/null | head -1)
fi
rebuilt=
if [ -n "$stale" ]; then
	rebuilt=yes
	echo "run-fuzz: building $bin with $FUZZ_CC" >&2
	mkdir -p "$out/obj" || exit 1
	rm -f "$out/obj/"*.o "$out/libstage-fuzz.a"
	for src in "$TOP_SRCDIR"/libstage/*.c; do
		"$FUZZ_CC" $cflags -fsanitize=fuzzer-no-link,address,undefined \
			-c "$src" -o "$out/obj/$(basename "$src" .c).o" ||
			{ echo "run-fuzz: compiling $src failed" >&2; exit 1; }
	done
	# An archive, so that modules the reader does not need stay out of the link.
	ar rcs "$out/libstage-fuzz.a" "$out/obj/"*.o || exit 1
	"$FUZZ_CC" $cflags -fsanitize=fuzzer,address,undefined "$here/fuzz_ipc_reader.c" \
		"$out/libstage-fuzz.a" $(pkg-config --libs liburing 2>/dev/null || echo -luring) -lpthread -lm \
		-o "$bin" ||
		{ echo "run-fuzz: linking the fuzz target failed" >&2; exit 1; }
fi

# eval-expr's front end, on the same libstage archive.
stale=yes
if [ -x "$eval_bin" ] && [ -z "$rebuilt" ]; then
	stale=$(find "$TOP_SRCDIR"/stages/eval-expr/*.[ch] "$here/fuzz_eval_parse.c" "$here"/eval/*.h "$TOP_BUILDDIR/config.h" \
		-newer "$eval_bin" 2>/dev/null | head -1)
fi
if [ -n "$stale" ]; then
	echo "run-fuzz: building $eval_bin with $FUZZ_CC" >&2
	mkdir -p "$out/obj/eval" || exit 1
	rm -f "$out/obj/eval/"*.o
	for name in $eval_sources; do
		"$FUZZ_CC" $cflags -I"$TOP_SRCDIR/stages/eval-expr" -fsanitize=fuzzer-no-link,address,undefined \
			-c "$TOP_SRCDIR/stages/eval-expr/$name.c" -o "$out/obj/eval/$name.o" ||
			{ echo "run-fuzz: compiling $name.c failed" >&2; exit 1; }
	done
	"$FUZZ_CC" $cflags -I"$TOP_SRCDIR/stages/eval-expr" -I"$here/eval" \
		-fsanitize=fuzzer,address,undefined "$here/fuzz_eval_parse.c" "$out/obj/eval/"*.o \
		"$out/libstage-fuzz.a" $(pkg-config --libs liburing 2>/dev/null || echo -luring) -lpthread -lm \
		-o "$eval_bin" ||
		{ echo "run-fuzz: linking the eval-expr fuzz target failed" >&2; exit 1; }
fi

# fuzz NAME BINARY SECONDS DICT CORPUS-DIR...: runs one target on a copy of
# its seeds; on failure keeps the artifacts and exits 1.
fuzz() {
	name=$1 target=$2 seconds=$3 dict=$4
	shift 4
	rm -rf "$tmp/corpus" && mkdir "$tmp/corpus" || exit 1
	for dir in "$@"; do
		cp "$dir"/* "$tmp/corpus/" || exit 1
	done
	echo "run-fuzz: fuzzing $name for ${seconds}s" >&2
	# libFuzzer's default error exit code is 77, which automake reads as a skip.
	"$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
		-error_exitcode=1 -timeout_exitcode=1 -dict="$dict" -print_final_stats=1 \
		-artifact_prefix="$tmp/" "$tmp/corpus" >"$tmp/fuzz.log" 2>&1
	status=$?
	tail -25 "$tmp/fuzz.log" >&2
	if [ $status -ne 0 ]; then
		mkdir -p "$out/artifacts"
		for a in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-* "$tmp"/slow-unit-*; do
			[ -f "$a" ] || continue
			cp "$a" "$out/artifacts/" &&
				echo "run-fuzz: reproduce with: $target $out/artifacts/$(basename "$a")" >&2
		done
		echo "run-fuzz: the fuzzer failed on $name (status $status)" >&2
		exit 1
	fi
}

fuzz "the IPC reader" "$bin" "$FUZZ_SECONDS" "$here/ipc.dict" "$here/corpus/ipc"
fuzz "eval-expr's parser" "$eval_bin" "$FUZZ_EVAL_SECONDS" "$here/eval/eval.dict" "$here/eval/corpus"
exit 0
