#!/usr/bin/env bash
# Sets up, builds and runs the main job on what has landed so far:
# 1. shiftadd-train trains a digits CNN with shift convolutions (seconds) and
#    exports it as ONNX; the compiler imports it and the reference interpreter
#    classifies the 360 test images exactly as the trainer's integer simulation;
# 2. a small multiplication-free network (examples/tiny-cnn.mlir) executed
#    bit-exactly by the reference interpreter, then compiled without a single
#    multiplication for this machine (x86-64) and for a Cortex-M4 (run under
#    qemu), giving the same logits.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SHIFTADD_BUILD_DIR:-$root/build}
llvm=/usr/lib/llvm-22/bin
model=$root/examples/tiny-cnn.mlir
image=$root/examples/tiny-cnn-input.npy
work=$build/demo

"$root/scripts/setup.sh"
mkdir -p "$work"

printf '\n==> Training the digits CNN with shift convolutions (UCI digits, 12 epochs)\n'
"$build/bin/shiftadd-train" --data digits --data-path "$root/data/digits/digits.csv.gz" --op shift \
  --epochs 12 --batch 32 --lr 0.1 --export-batch 360 --out "$work/digits"
"$build/bin/shiftadd-translate" --import-onnx "$work/digits/model.onnx" -o "$work/digits/model.mlir"
echo "imported ops:$(grep -oE 'shiftadd\.[a-z_0-9]+ %' "$work/digits/model.mlir" | tr -d ' %' | sort | uniq -c | tr -s ' \n' ' ')"
"$build/bin/shiftadd-run" "$work/digits/model.mlir" --entry=model --input="$work/digits/samples-input.npy" \
  --output="$work/digits/interpreter-logits.npy" > /dev/null
/usr/bin/python3 - "$work/digits" <<'CHECK'
import sys, numpy as np
d = sys.argv[1]
interp, trainer = np.load(d + "/interpreter-logits.npy"), np.load(d + "/samples-logits.npy")
labels = np.load(d + "/samples-labels.npy")
print("reference interpreter on the exported ONNX: %.2f %% of %d test images; "
      "identical logits to the trainer's integer simulation: %s"
      % (100 * (interp.argmax(1) == labels).mean(), len(labels), bool((interp == trainer).all())))
CHECK

printf '\n==> The network: %s\n' "${model#"$root"/}"
grep -oE '= (shiftadd|tensor)\.[a-z_0-9]+' "$model" | sort | uniq -c

printf '\n==> Reference interpreter (docs/spec.md semantics)\n'
"$build/bin/shiftadd-run" "$model" --entry=tiny_cnn --input="$image"

printf '\n==> Compiled for x86-64 (shiftadd-opt --shiftadd-to-llvm, mlir-translate, llc) and run natively\n'
"$build/bin/shiftadd-opt" "$model" --shiftadd-to-llvm -o "$work/x86.mlir"
"$llvm/mlir-translate" --mlir-to-llvmir "$work/x86.mlir" -o "$work/x86.ll"
"$llvm/llc" -O2 -filetype=obj -relocation-model=pic "$work/x86.ll" -o "$work/tiny-cnn.o"
cc -I"$root/runtime/include" "$root/examples/run-tiny-cnn.c" "$root/runtime/src/fixed_point.c" \
  "$work/tiny-cnn.o" -lm -o "$work/tiny-cnn"
"$work/tiny-cnn" "$image"
echo "multiply/divide instructions in the object: $("$llvm/llvm-objdump" -d "$work/tiny-cnn.o" | tail -n +3 | grep -cE 'mul|div' || true)"

printf '\n==> Compiled for Cortex-M4 and run on qemu-system-arm (mps2-an386, semihosting)\n'
"$build/bin/shiftadd-opt" "$model" --shiftadd-to-llvm=index-bitwidth=32 -o "$work/m4.mlir"
"$llvm/mlir-translate" --mlir-to-llvmir "$work/m4.mlir" -o "$work/m4.ll"
"$llvm/llc" -O2 -filetype=obj -mtriple=thumbv7em-none-eabi -mcpu=cortex-m4 -float-abi=soft \
  "$work/m4.ll" -o "$work/tiny-cnn-m4.o"
# The image is compiled in: the firmware has no file system.
{
  echo '#include <stdint.h>'
  printf 'const int8_t tiny_cnn_image[64] = {'
  od -An -v -td1 -j128 "$image" | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
  echo '};'
} > "$work/image.c"
cat > "$work/firmware.c" <<'FIRMWARE'
#include "shiftadd/runtime.h"
#include <stdio.h>
extern const int8_t tiny_cnn_image[64];
void tiny_cnn(const int8_t *image, int8_t *logits);
extern void _start(void);
__attribute__((section(".vectors"), used)) static void *const vectors[2] = {(void *)0x20400000, (void *)_start};
int main(void) {
  int8_t logits[10];
  tiny_cnn(tiny_cnn_image, logits);
  printf("@tiny_cnn #0 : 1x10 = [");
  for (int i = 0; i < 10; ++i)
    printf(i ? ", %d" : "%d", logits[i]);
  printf("]\npredicted class %u\n", (unsigned)shiftadd_argmax_i8(logits, 10));
  return 0;
}
FIRMWARE
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb --specs=rdimon.specs -O2 -I"$root/runtime/include" \
  "$work/firmware.c" "$work/image.c" "$root/runtime/src/fixed_point.c" "$work/tiny-cnn-m4.o" -lm \
  -Wl,--section-start=.vectors=0 -Wl,--no-warn-mismatch -Wl,--no-warn-execstack -o "$work/tiny-cnn-m4.elf"
timeout 60 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$work/tiny-cnn-m4.elf"
