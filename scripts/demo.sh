#!/bin/sh
# Installs the build dependencies (as root), builds pipestage in ./build and
# runs the demo pipeline on the bundled sample data.
set -eu
cd "$(dirname "$0")/.."
./scripts/build.sh
PATH="$PWD/build/stages/rec-cat:$PWD/build/stages/moments:$PWD/build/stages/cms-count:$PWD/build/stages/eval-expr:$PWD/build/stages/fetch-with-cache:$PATH" exec sh pipelines/demo.sh
