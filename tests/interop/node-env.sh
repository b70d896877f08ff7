# Sourced by the interop tests. Installs the Arrow implementations pinned in
# package-lock.json (apache-arrow, nodejs-polars) once per build directory,
# then makes a private temp dir $work holding the JS scripts and a link to
# them, and removes it on exit. Skips (77) when node or npm is missing, or
# node is older than v20.
# Needs TOP_SRCDIR and TOP_BUILDDIR (set by AM_TESTS_ENVIRONMENT).

: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
interop_src=$TOP_SRCDIR/tests/interop

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (scripts/install-deps.sh installs nodejs and npm)"
		exit 77
	fi
done

# nodejs-polars 0.25 needs node 20 or newer.
node_version=$(node --version 2>/dev/null) || node_version=
node_major=${node_version#v}
node_major=${node_major%%.*}
case $node_major in
'' | *[!0-9]*)
	echo "SKIP: cannot tell the node version ('node --version' printed '$node_version'); nodejs-polars needs node >= 20"
	exit 77
	;;
esac
if [ "$node_major" -lt 20 ]; then
	echo "SKIP: node $node_version is too old: nodejs-polars needs node >= 20"
	exit 77
fi

# In the build tree, so a read-only source tree (make distcheck) works and
# `make clean` removes it (clean-local in interop.am).
npm_dir=$TOP_BUILDDIR/tests/interop/npm

install_js_deps() {
	# Installed already, from this very lock file?
	if cmp -s "$interop_src/package-lock.json" "$npm_dir/installed-lock.json" &&
		[ -d "$npm_dir/node_modules" ]; then
		return 0
	fi
	rm -rf "$npm_dir/node_modules" "$npm_dir/installed-lock.json"
	mkdir -p "$npm_dir"
	cp "$interop_src/package.json" "$interop_src/package-lock.json" "$npm_dir/"
	echo "installing apache-arrow and nodejs-polars with npm ci in $npm_dir"
	if ! (cd "$npm_dir" && npm ci --no-audit --no-fund >npm-ci.log 2>&1); then
		tail -20 "$npm_dir/npm-ci.log"
		echo "FAIL: npm ci failed (is the npm registry reachable?)"
		exit 1
	fi
	cp "$interop_src/package-lock.json" "$npm_dir/installed-lock.json"
}

# Several interop tests may start together under make -j: one installs, the
# others wait for it. flock comes with util-linux; without it, install
# unlocked.
mkdir -p "$TOP_BUILDDIR/tests/interop"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$TOP_BUILDDIR/tests/interop/npm.lock"
	flock 9
	install_js_deps
	flock -u 9
	exec 9>&-
else
	install_js_deps
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pipestage-interop.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
# ES modules resolve packages from their own directory, not from NODE_PATH:
# run copies of the scripts next to a node_modules link.
cp "$interop_src"/*.mjs "$work/"
ln -s "$npm_dir/node_modules" "$work/node_modules"
