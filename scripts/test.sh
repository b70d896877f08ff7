#!/bin/sh
# Builds pipestage with warnings as errors and runs the whole test suite:
# Check unit tests, CLI cases, interop with real Arrow readers, a short fuzz
# run. Ends with one line "N passed, N failed, N skipped".
# Extra arguments go to configure (e.g. --enable-sanitizers).
set -u
cd "$(dirname "$0")/.."
./scripts/build.sh --enable-werror "$@" || { echo "0 passed, 1 failed"; exit 1; }
cd build
rm -f test-suite.log
make -j"$(nproc)" check >make-check.log 2>&1
status=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' make-check.log
[ $status -eq 0 ] || cat test-suite.log 2>/dev/null | tail -100
count() { find . -name '*.trs' -exec cat {} + | grep -c ":test-result: $1" ; }
passed=$(count PASS)
failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
skipped=$(count SKIP)
[ $status -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
