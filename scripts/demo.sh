#!/usr/bin/env bash
# Sets up, builds and runs the main job on what has landed so far: a small
# multiplication-free network (examples/tiny-cnn.mlir), verified, canonicalized
# and executed bit-exactly by the reference interpreter on an 8x8 image.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SHIFTADD_BUILD_DIR:-$root/build}
model=$root/examples/tiny-cnn.mlir
image=$root/examples/tiny-cnn-input.npy

"$root/scripts/setup.sh"

printf '\n==> Verifying and canonicalizing %s\n' "${model#"$root"/}"
"$build/bin/shiftadd-opt" "$model" --canonicalize -o "$build/tiny-cnn.canonical.mlir"
grep -oE '= (shiftadd|tensor)\.[a-z_0-9]+' "$build/tiny-cnn.canonical.mlir" | sort | uniq -c

printf '\n==> Running it with the reference interpreter (docs/spec.md semantics)\n'
"$build/bin/shiftadd-run" "$build/tiny-cnn.canonical.mlir" --entry=main --input="$image" \
  --output="$build/tiny-cnn.logits.npy"
echo "logits (i8, 3 fractional bits) written to ${build}/tiny-cnn.logits.npy"
