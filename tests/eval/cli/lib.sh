# The start every eval-expr CLI script shares (sourced): eval-expr and
# rec-cat must be on PATH, a scratch directory is made (the current
# directory) and removed again, and failures are counted by fail() so one
# run shows every broken check; finish ends the script with its verdict.
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
for tool in eval-expr rec-cat; do
	command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is not on PATH"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/eval-cli.XXXXXX") || exit 99
trap 'cd / && rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
cd "$work" || exit 99
LC_ALL=C
export LC_ALL
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
finish() { [ "$failed" -eq 0 ] || exit 1; exit 0; }
