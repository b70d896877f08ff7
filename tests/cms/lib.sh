# The start every cms-count test shares (sourced): the tools it names
# must be on PATH, a scratch directory is made and removed again, and
# failures are counted in $failed by fail().
# need_tools TOOL...: fails the test at once when one is missing.
need_tools() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is not on PATH"; exit 1; }
	done
}

gen=${TOP_BUILDDIR:-.}/tests/cms/gen_keys
work=$(mktemp -d "${TMPDIR:-/tmp}/cms-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
cd "$work"
LC_ALL=C
export LC_ALL
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
