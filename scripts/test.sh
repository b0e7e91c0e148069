#!/usr/bin/env bash
# Sets up, builds and runs every test (lit + GoogleTest) through ctest.
# Extra arguments go to ctest, e.g. scripts/test.sh -R lit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SHIFTADD_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
printf '\n==> Running the tests\n'
ctest --test-dir "$build" --output-on-failure -j2 "$@"
