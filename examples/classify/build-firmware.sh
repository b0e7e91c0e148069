#!/usr/bin/env bash
# Builds examples/classify/firmware.c for a model compiled by shiftaddc and
# runs it under qemu with instruction counting.
#   build-firmware.sh cortex-m4|cortex-m0|rv32i MODEL_DIR IMAGES.npy LABELS.npy COUNT
# MODEL_DIR holds model.o and model.h (shiftaddc -o MODEL_DIR/model, batch 1).
# Prints the firmware's output: predictions, accuracy, instructions.
set -euo pipefail
target=$1 dir=$2 images=$3 labels=$4 count=$5
here=$(cd "$(dirname "$0")" && pwd)
llvm=/usr/lib/llvm-22/bin

# The first COUNT images and labels as C arrays (int8 data after the .npy header).
npy_bytes() { # file first-byte count
  local header=$(( $(od -An -tu2 -j8 -N2 "$1") + 10 ))
  od -An -v -td1 -j$((header + $2)) -N"$3" "$1" | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
}
image_bytes=$(sed -n 's/^#define MODEL_INPUT_SIZE \([0-9]*\).*/\1/p' "$dir/model.h")
{
  echo '#include <stdint.h>'
  echo "const int image_count = $count;"
  echo "const int8_t images[] = {$(npy_bytes "$images" 0 $((count * image_bytes)))};"
  echo "const int8_t labels[] = {$(npy_bytes "$labels" 0 "$count")};"
} > "$dir/images.c"

case $target in
  cortex-m4|cortex-m0)
    # Cortex-M0 code (ARMv6-M, a subset of ARMv7-M) runs on the Cortex-M3 board.
    if [ "$target" = cortex-m4 ]; then board=mps2-an386 cpu=cortex-m4; else board=mps2-an385 cpu=cortex-m3; fi
    arm-none-eabi-gcc -mcpu="$target" -mthumb --specs=rdimon.specs -O2 -I"$dir" "$here/firmware.c" "$dir/images.c" \
      "$dir/model.o" -Wl,--section-start=.vectors=0 -Wl,--no-warn-mismatch -Wl,--no-warn-execstack -o "$dir/firmware.elf"
    timeout 120 qemu-system-arm -M $board -cpu $cpu -icount shift=0 -nographic -monitor none -serial none \
      -semihosting-config enable=on,target=native -kernel "$dir/firmware.elf" ;;
  rv32i)
    "$llvm/clang" --target=riscv32-unknown-elf -march=rv32i_zicsr_zicntr -mabi=ilp32 -O2 -ffreestanding -nostdlib \
      -I"$dir" -c "$here/firmware.c" -o "$dir/firmware.o"
    "$llvm/clang" --target=riscv32-unknown-elf -march=rv32i -mabi=ilp32 -O2 -c "$dir/images.c" -o "$dir/images.o"
    ld.lld -m elf32lriscv -static -e _start --section-start=.start=0x80000000 \
      --defsym=__stack_top=0x88000000 "$dir/firmware.o" "$dir/images.o" "$dir/model.o" -o "$dir/firmware.elf"
    timeout 120 qemu-system-riscv32 -M virt -m 128M -bios none -nographic -monitor none -serial none \
      -icount shift=0 -semihosting-config enable=on,target=native -kernel "$dir/firmware.elf" ;;
  *) echo "build-firmware.sh: error: unknown target '$target' (cortex-m4, cortex-m0, rv32i)" >&2; exit 1 ;;
esac
