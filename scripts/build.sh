#!/bin/sh
# Builds pipestage in ./build (configure arguments are passed through).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -x configure ] || ./bootstrap >/dev/null
mkdir -p build
cd build
if [ ! -f Makefile ] || [ "$*" != "$(cat .configure-args 2>/dev/null)" ]; then
	../configure -q "$@"
	printf '%s' "$*" > .configure-args
fi
make -j"$(nproc)" >/dev/null
