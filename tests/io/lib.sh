# Shared setup for the I/O behaviour tests (tests/io/*.sh), sourced by each:
# a temp dir of its own (the current directory) removed on exit, background
# processes killed on exit, and the pass/fail/skip helpers. The backend is
# whatever PIPESTAGE_IO the environment gives (scripts/test.sh runs the suite
# once with uring, once with epoll).
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"

io_work=$(mktemp -d "${TMPDIR:-/tmp}/pipestage-io.XXXXXX") || exit 99
io_bg=
io_failed=0
io_cleanup() {
	for p in $io_bg; do kill "$p" 2>/dev/null; done
	cd / && rm -rf "$io_work"
}
trap 'io_cleanup' EXIT
trap 'exit 1' HUP INT TERM
cd "$io_work" || exit 99

skip() { echo "SKIP: $*"; exit 77; }
# fail records a failure and goes on, so one run shows every broken check.
fail() { echo "FAIL: $*"; io_failed=1; }
pass() { echo "ok: $*"; }
# bg_started PID: kill PID when the test ends, whatever happens.
bg_started() { io_bg="$io_bg $1"; }
finish() { [ "$io_failed" -eq 0 ] || exit 1; exit 0; }

command -v rec-cat >/dev/null 2>&1 || { echo "FAIL: rec-cat is not on PATH"; exit 1; }
command -v timeout >/dev/null 2>&1 || skip "timeout (coreutils) is missing"
echo "PIPESTAGE_IO=${PIPESTAGE_IO:-auto}"

# now_ms: wall clock in milliseconds (GNU date).
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
case $(date +%s%N) in *N|'') skip "date +%s%N (GNU date) is unavailable" ;; esac
