#!/usr/bin/env bash
# Sets up, builds and runs the main job on what has landed so far: a small
# multiplication-free network, executed bit-exactly by the reference interpreter.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SHIFTADD_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"

printf '\n==> shiftadd-opt parses and verifies the example network\n'
"$build/bin/shiftadd-opt" "$root/examples/tiny-cnn.mlir" >/dev/null
echo "examples/tiny-cnn.mlir: ok"
