#!/bin/sh
# Builds pipestage with warnings as errors and runs the whole test suite
# twice, once on each I/O backend (PIPESTAGE_IO=uring, then epoll): Check
# unit tests, CLI cases, I/O behaviour, interop with real Arrow readers, a
# short fuzz run. Ends with one line "N passed, N failed, N skipped".
# Extra arguments go to configure (e.g. --enable-sanitizers).
set -u
cd "$(dirname "$0")/.."
./scripts/build.sh --enable-werror "$@" || { echo "0 passed, 1 failed"; exit 1; }
cd build
count() { find . -name '*.trs' -exec cat {} + | grep -c ":test-result: $1"; }
passed=0 failed=0 skipped=0
for backend in uring epoll; do
	echo "== make check with PIPESTAGE_IO=$backend"
	PIPESTAGE_IO=$backend make -j"$(nproc)" check >make-check-$backend.log 2>&1
	status=$?
	grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' make-check-$backend.log
	[ $status -eq 0 ] || tail -100 test-suite.log 2>/dev/null
	p=$(count PASS)
	f=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
	[ $status -eq 0 ] || [ "$f" -gt 0 ] || f=1
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + $(count SKIP)))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
