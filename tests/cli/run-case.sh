#!/bin/sh
# Runs one CLI test case file (tests/cli/cases/*.test): a command, its input,
# the expected output and exit status. make check runs every case through
# this harness (TEST_LOG_COMPILER in tests/cli/cli.am); by hand:
#   TOP_SRCDIR=... TOP_BUILDDIR=... sh tests/cli/run-case.sh CASE.test
#
# Case file format (see also tests/cli/README):
#
#   # comment lines, before the first block
#   command: rec-cat --in csv --out arrow | rec-cat --out csv
#   status: 0
#   --- stdin
#   a,b
#   1,2
#   --- stdout
#   a,b
#   1,2
#   --- stderr-contains
#   a line that must appear somewhere in stderr
#
# Header lines, before the first block:
#   command: CMD   one line, run by sh in a fresh temp dir (the current
#                  directory), with rec-cat, gen_sample and read_dump on PATH
#                  and TOP_SRCDIR, TOP_BUILDDIR, CASE_DIR (the case file's
#                  directory) in the environment
#   status: N      expected exit status of CMD (default 0)
#   # ...          comment; blank lines are ignored too
# Blocks: a line "--- NAME" starts one, and its content is every following
# line, byte for byte (tabs, trailing spaces, empty lines, CRs), up to the
# next "--- " line or the end of the file; the newline of its last line
# belongs to it. So do not put blank lines between blocks, and no content
# line may start with "--- ".
#   stdin             fed to CMD (without it, stdin is /dev/null)
#   stdout            CMD's stdout must be exactly this (without it, stdout
#                     is not checked; an empty block means empty output)
#   stderr            CMD's stderr must be exactly this
#   stderr-contains   each line must appear in stderr (fixed strings)
# A NAME ending in -noeol (stdin-noeol, stdout-noeol, stderr-noeol) drops
# the final newline: the bytes end without one.
#
# Exit status: 0 pass, 1 fail, 99 a malformed case file.
set -eu

case_file=$1
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"

work=$(mktemp -d "${TMPDIR:-/tmp}/pipestage-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$work/case" "$work/run"

# Split the case into files: header, and one file per block named after it.
# Content is collected and written at the block's end, so -noeol blocks can
# leave out the last newline.
awk -v dir="$work/case" '
function flush() {
	if (name == "") return
	if (name ~ /-noeol$/) { sub(/-noeol$/, "", name); eol = "" } else eol = "\n"
	if (name in seen) { print "duplicate block: " name > "/dev/stderr"; bad = 1 }
	seen[name] = 1
	printf "%s", (n ? body eol : "") > (dir "/" name)
	close(dir "/" name)
}
/^--- / {
	flush()
	name = substr($0, 5); body = ""; n = 0
	if (name !~ /^(stdin|stdout|stderr|stderr-contains)(-noeol)?$/) {
		print "unknown block: " name > "/dev/stderr"; bad = 1; name = ""
	}
	inblock = 1
	next
}
inblock { body = n++ ? body "\n" $0 : $0; next }
{ print > (dir "/header") }
END { flush(); exit bad ? 99 : 0 }
' "$case_file" || exit 99

header() {
	[ -f "$work/case/header" ] || return 0
	sed -n "s/^$1:[[:space:]]*//p" "$work/case/header" | head -n 1
}
command=$(header command)
want_status=$(header status)
want_status=${want_status:-0}
if [ -z "$command" ]; then
	echo "$case_file: no 'command:' line"
	exit 99
fi
case $want_status in
*[!0-9]*) echo "$case_file: bad status: $want_status"; exit 99 ;;
esac

CASE_DIR=$(cd "$(dirname "$case_file")" && pwd)
PATH=$TOP_BUILDDIR/stages/rec-cat:$TOP_BUILDDIR/tests/interop:$PATH
# Messages from sh and the tools in one language and encoding everywhere.
LC_ALL=C
export CASE_DIR PATH LC_ALL

stdin=/dev/null
[ -f "$work/case/stdin" ] && stdin=$work/case/stdin
# A hung command must not hang make check.
timeout=
command -v timeout >/dev/null 2>&1 && timeout="timeout 60"

printf "%s: %s\n" "$case_file" "$command"
status=0
(cd "$work/run" && $timeout sh -c "$command" <"$stdin" >"$work/stdout" 2>"$work/stderr") ||
	status=$?

failed=0
if [ "$status" -ne "$want_status" ]; then
	echo "FAIL: exit status $status, want $want_status"
	failed=1
fi
for stream in stdout stderr; do
	[ -f "$work/case/$stream" ] || continue
	if ! cmp -s "$work/case/$stream" "$work/$stream"; then
		echo "FAIL: $stream differs (- want, + got):"
		diff -u "$work/case/$stream" "$work/$stream" | tail -n +3 || true
		# diff hides differences it cannot show: a missing final newline, binary
		od -c "$work/$stream" | tail -3
		failed=1
	fi
done
if [ -f "$work/case/stderr-contains" ]; then
	while IFS= read -r want || [ -n "$want" ]; do
		[ -n "$want" ] || continue
		if ! grep -qF -e "$want" "$work/stderr"; then
			echo "FAIL: stderr lacks: $want"
			failed=1
		fi
	done <"$work/case/stderr-contains"
fi
if [ $failed -ne 0 ]; then
	echo "--- stderr was:"
	head -c 2000 "$work/stderr"
fi
exit $failed
