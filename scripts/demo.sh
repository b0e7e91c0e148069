#!/usr/bin/env bash
# Sets up, builds and runs the main job, end to end:
# 1. shiftadd-train trains a digits CNN with shift convolutions (seconds, UCI
#    digits from Debian's python3-sklearn) and exports it as ONNX;
# 2. shiftaddc compiles it for x86-64 with a static memory plan and prints the
#    memory report; a host C program classifies the 360 test images, and the
#    reference interpreter gives the same logits on every image;
# 3. shiftaddc compiles it for a Cortex-M4; bare-metal firmware classifies 20
#    embedded images under qemu-system-arm and counts the instructions of one
#    inference;
# 4. the same for RISC-V rv32i without a multiplier (two output pixels per add
#    in 16-bit lanes, docs/codegen.md) under qemu-system-riscv32.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SHIFTADD_BUILD_DIR:-$root/build}
bin=$build/bin
work=$build/demo
run=$work/digits

"$root/scripts/setup.sh"
rm -rf "$work" && mkdir -p "$work/host" "$work/m4" "$work/rv32i"

printf '\n==> 1. Training the digits CNN with shift convolutions (12 epochs)\n'
"$bin/shiftadd-train" --data digits --data-path "$root/data/digits/digits.csv.gz" --op shift \
  --epochs 12 --batch 32 --lr 0.1 --export-batch 360 --out "$run"

printf '\n==> 2. shiftaddc for x86-64, memory report, host program on the 360 test images\n'
"$bin/shiftaddc" "$run/model.onnx" --target=x86-64 -o "$work/host/model" --report
cc -std=c11 -O2 -I"$work/host" "$root/examples/classify/classify.c" "$work/host/model.o" -o "$work/classify"
"$work/classify" "$run/samples-input.npy" "$run/samples-labels.npy" "$work/host/logits.bin"
"$bin/shiftadd-translate" --import-onnx "$run/model.onnx" -o "$work/model.mlir"
"$bin/shiftadd-run" "$work/model.mlir" --entry=model --input="$run/samples-input.npy" \
  --output="$work/interpreter.npy" > /dev/null
/usr/bin/python3 -c "
import numpy as np, sys
a = np.fromfile(sys.argv[1], np.int8).reshape(-1, 10); b = np.load(sys.argv[2])
print('compiled code and reference interpreter: identical logits on %d of %d images' % ((a == b).all(1).sum(), len(a)))
" "$work/host/logits.bin" "$work/interpreter.npy"
echo "multiply/divide instructions in the object: $(/usr/lib/llvm-22/bin/llvm-objdump -d "$work/host/model.o" |
  grep -cE '\s(i?mul|div)' || true)"

printf '\n==> 3. shiftaddc for Cortex-M4, firmware on qemu-system-arm (mps2-an386)\n'
# The firmware classifies one image per call: the same weights exported with batch 1.
"$bin/shiftadd-train" --data digits --data-path "$root/data/digits/digits.csv.gz" --op shift \
  --epochs 12 --batch 32 --lr 0.1 --export-batch 1 --samples 360 --out "$run" --resume --quiet
"$bin/shiftaddc" "$run/model.onnx" --target=cortex-m4 -o "$work/m4/model" --report | tail -3
bash "$root/examples/classify/build-firmware.sh" cortex-m4 "$work/m4" "$run/samples-input.npy" \
  "$run/samples-labels.npy" 20 2>&1 | tail -4

printf '\n==> 4. shiftaddc for rv32i (no multiplier), firmware on qemu-system-riscv32 (virt)\n'
"$bin/shiftaddc" "$run/model.onnx" --target=rv32i -o "$work/rv32i/model" --report | tail -3
bash "$root/examples/classify/build-firmware.sh" rv32i "$work/rv32i" "$run/samples-input.npy" \
  "$run/samples-labels.npy" 20 2>&1 | tail -4
