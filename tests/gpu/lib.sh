# The start every gpu-map test script shares (sourced): gpu-map, eval-expr
# and rec-cat must be on PATH; a scratch directory (the current directory)
# holds the test's own build cache ($XDG_CACHE_HOME, with PoCL's cache
# under it), removed again at the end. Without an OpenCL platform the test
# is skipped (77): CI installs PoCL (scripts/install-deps.sh).
# Failures are counted by fail() so one run shows every broken check;
# finish ends the script with its verdict.
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
for tool in gpu-map eval-expr rec-cat; do
	command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is not on PATH"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-map.XXXXXX") || exit 99
trap 'cd / && rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
cd "$work" || exit 99
LC_ALL=C
XDG_CACHE_HOME=$work/cache
export LC_ALL XDG_CACHE_HOME
unset POCL_CACHE_DIR
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
finish() { [ "$failed" -eq 0 ] || exit 1; exit 0; }
# Skips the test when the machine has no OpenCL device.
need_device() {
	if ! gpu-map --list-devices > devices 2>&1 || ! grep -q 'device 0:0' devices; then
		echo "SKIP: no OpenCL device: $(cat devices) (install pocl-opencl-icd)"
		exit 77
	fi
}
# same A B [TOL]: the two TSV files agree, numbers within TOL.
same() {
	if res=$(sh "$TOP_SRCDIR/tests/gpu/close-numbers.sh" "$1" "$2" ${3:+"$3"}); then
		ok "$1 = $2"
	else
		fail "$1 against $2: $res"
	fi
}
# status WANT WHAT CMD...: runs CMD (stdout to out, stderr to err) and
# checks its exit status.
status() {
	want=$1 what=$2
	shift 2
	st=0
	"$@" > out 2> err || st=$?
	if [ "$st" -ne "$want" ]; then
		fail "$what: exit status $st, want $want (stderr: $(cat err))"
		return 1
	fi
	ok "$what: exit status $st"
}
# has FILE TEXT WHAT: FILE contains the fixed string TEXT.
has() {
	if grep -qF -e "$2" "$1"; then
		ok "$3"
	else
		fail "$3: '$2' not in $1: $(cat "$1")"
	fi
}
