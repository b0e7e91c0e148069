#!/usr/bin/python3
"""Code-generation benchmark: instructions per inference of a
MobileNetV2-tiny-sized shift network against (a) the same network with int8
weights lowered the ordinary way (linalg, arith.muli, mlir-opt, opt -O2, llc)
and (b) the bound of one add per non-zero weight plus requantization.

Counts are deterministic: callgrind on x86-64; on AArch64 qemu user mode's log
of executed instructions (-singlestep -d exec,nochain), from the model's entry
until it returns; on Cortex-M and rv32i qemu's
-icount (one instruction per virtual nanosecond) read through SysTick
(calibrated in the same run) or the rdinstret counter. Cortex-M0 code
(thumbv6m) runs on the Cortex-M3 board: ARMv6-M is a subset of ARMv7-M, so
the instruction stream and its count are the M0's.

  bench/codegen.py --build build --out /tmp/bench [--targets cortex-m4,rv32i,...]

Writes DIR/results.json and prints a Markdown table for docs/results.md.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LLVM = "/usr/lib/llvm-22/bin"

TARGETS = {
    # Adds take a 32-bit memory operand: layers read i32 copies of their inputs (wide-inputs).
    "x86-64": dict(llc=["-mtriple=x86_64-unknown-linux-gnu", "-relocation-model=pic"], index=64,
                   pipeline=" wide-inputs=1"),
    # Adds take a shifted operand: eight output channels summed together (channel-tile); on
    # AArch64 pixel pairs share the loads of overlapping windows (as shiftaddc, docs/codegen.md).
    "cortex-m4": dict(llc=["-mtriple=thumbv7em-none-eabi", "-mcpu=cortex-m4", "-float-abi=soft"], index=32,
                      pipeline=" channel-tile=8"),
    "aarch64": dict(llc=["-mtriple=aarch64-unknown-linux-gnu", "-relocation-model=pic"], index=64,
                    pipeline=" channel-tile=8 pixel-pairs=1"),
    # Eight low registers and 8-bit immediates: one block per output channel and no constant
    # hoisting avoid most spill code in the shift code, a function per loop nest keeps spill slots
    # within reach of `ldr rt, [sp, #imm]`; shift layers read rows of words (two pixels' inputs per
    # word where the lanes pay), the only loads with an immediate offset, rebased within its 32-word
    # reach (docs/codegen.md, as shiftaddc).
    "cortex-m0": dict(llc=["-mtriple=thumbv6m-none-eabi", "-mcpu=cortex-m0"], index=32,
                      pipeline=" channel-blocks=1 exponent-sums=1 pixel-pairs=1 tile-words=1 offset-reach=32"
                               " outline-loops=1",
                      shift_llc=["-disable-constant-hoisting"]),
    # No shifted operand: eight output channels summed together, a partial sum per channel and
    # exponent (exponent-sums), two output pixels per add in 16-bit lanes (pixel-pairs), a function per
    # loop nest (outline-loops), as shiftaddc.
    "rv32i": dict(llc=["-mtriple=riscv32-unknown-elf", "-mattr=-m"], index=32,
                  pipeline=" channel-tile=8 exponent-sums=1 pixel-pairs=1 outline-loops=1"),
}


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write(f"failed: {' '.join(cmd)}\n{r.stderr[-4000:]}\n{r.stdout[-2000:]}\n")
        raise SystemExit(1)
    return r.stdout + r.stderr


HARNESS = r"""
#include <stdint.h>
void model(const int8_t *x, int8_t *y);
static int8_t input[3 * 32 * 32];
static int8_t output[10];
#if defined(__riscv)
static uint32_t counter(void) { uint32_t v; __asm__ volatile("rdinstret %0" : "=r"(v)); return v; }
static void semihost(int op, const void *arg) {
  register long a0 __asm__("a0") = op; register const void *a1 __asm__("a1") = arg;
  __asm__ volatile(".option push\n.option norvc\nslli zero, zero, 0x1f\nebreak\nsrai zero, zero, 7\n.option pop"
                   : "+r"(a0) : "r"(a1) : "memory");
}
static void print(const char *s) { semihost(0x04, s); }
static void finish(void) { semihost(0x18, (const void *)0x20026); for (;;) {} }
void *memset(void *d, int c, unsigned long n) { char *p = d; while (n--) *p++ = (char)c; return d; }
void *memcpy(void *d, const void *s, unsigned long n) { char *p = d; const char *q = s; while (n--) *p++ = *q++; return d; }
static int8_t heap[1 << 20]; static unsigned heapTop;
void *malloc(unsigned long n) { void *p = heap + heapTop; heapTop += (n + 15) & ~15ul; return p; }
void free(void *p) { (void)p; }
/* libgcc's multiplication routine, which the int8 baseline calls on a core without M. */
unsigned __mulsi3(unsigned a, unsigned b) { unsigned r = 0; while (b) { if (b & 1) r += a; a <<= 1; b >>= 1; } return r; }
#elif defined(__arm__)
/* Bare metal without a C library: semihosting for output; .bss lives in the
 * RAM at 0x20000000 (so that code may fill the 4 MiB at 0) and needs no
 * clearing, qemu's memory starting zeroed. */
#define SYST ((volatile uint32_t *)0xE000E010)
static uint32_t counter(void) { return SYST[2]; } /* counts down */
static void semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op; register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}
static void print(const char *s) { semihost(0x04, s); }
static void finish(void) { semihost(0x18, (const void *)0x20026); for (;;) {} }
/* llc turns the baseline's zero fills of word-aligned buffers into these calls. */
void __aeabi_memclr4(void *d, unsigned n) {
  volatile uint32_t *p = d;
  for (; n >= 4; n -= 4) *p++ = 0;
  for (volatile uint8_t *q = (volatile uint8_t *)p; n; --n) *q++ = 0;
}
void __aeabi_memclr8(void *d, unsigned n) { __aeabi_memclr4(d, n); }
int main(void);
void reset(void) { main(); }
__attribute__((section(".vectors"), used)) static void *const vectors[2] = {(void *)0x20400000, (void *)reset};
#else
#include <stdio.h>
static uint32_t counter(void) { return 0; }
static void print(const char *s) { fputs(s, stdout); }
static void finish(void) {}
#endif
static void printHex(const char *label, uint32_t v) {
  char text[32]; int i = 0;
  while (*label) text[i++] = *label++;
  for (int shift = 28; shift >= 0; shift -= 4) text[i++] = "0123456789abcdef"[(v >> shift) & 15];
  text[i++] = '\n'; text[i] = 0; print(text);
}
int main(void) {
  uint32_t seed = 12345;
  for (unsigned i = 0; i < sizeof input; ++i) { seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5; input[i] = (int8_t)(seed >> 24); }
#if defined(__arm__)
  SYST[1] = 0xFFFFFF; SYST[2] = 0; SYST[0] = 5;
  /* Calibration: 2^20 iterations of a two-instruction loop. */
  uint32_t c0 = counter();
  __asm__ volatile(".syntax unified\n movs r0, #1\n lsls r0, r0, #20\n1: subs r0, #1\n bne 1b" ::: "r0", "cc");
  printHex("calibration ", (c0 - counter()) & 0xFFFFFF);
#endif
  uint32_t t0 = counter();
  model(input, output);
  uint32_t t1 = counter();
#if defined(__arm__)
  printHex("ticks ", (t0 - t1) & 0xFFFFFF);
#else
  printHex("instructions ", t1 - t0);
#endif
  uint32_t sum = 0;
  for (int i = 0; i < 10; ++i) sum = (sum << 3) ^ (uint8_t)output[i];
  printHex("checksum ", sum);
  finish();
  return 0;
}
#if defined(__riscv)
/* Naked (no prologue may touch the stack before it exists) and in its own
 * section at 0x80000000, where qemu's virt machine starts executing. */
__attribute__((naked, section(".start"))) void _start(void) { __asm__ volatile("la sp, __stack_top\n j main"); }
#endif
"""

def compile_shift(args, target, work, packed=False):
    t = TARGETS[target]
    name = "packed" if packed else "shift"
    mlir = os.path.join(work, f"{name}.llvm.mlir")
    start = time.time()
    run([os.path.join(args.build, "bin", "shiftadd-opt"), os.path.join(args.out, "shift.mlir")]
        + (["--shiftadd-pack-weights"] if packed else [])
        + [f"--shiftadd-to-llvm=index-bitwidth={t['index']}{t.get('pipeline', '')}", "-o", mlir])
    ll = os.path.join(work, f"{name}.ll")
    run([os.path.join(LLVM, "mlir-translate"), "--mlir-to-llvmir", mlir, "-o", ll])
    obj = os.path.join(work, f"{name}.o")
    run([os.path.join(LLVM, "llc"), "-O2", "-filetype=obj", *t["llc"], *t.get("shift_llc", []), ll, "-o", obj])
    return obj, time.time() - start


def compile_baseline(args, target, work):
    t = TARGETS[target]
    bits = t["index"]
    start = time.time()
    loops = os.path.join(work, "base.loops.mlir")
    run(["mlir-opt-22", os.path.join(args.out, "baseline.mlir"),
         "--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map",
         "--buffer-results-to-out-params=hoist-static-allocs modify-public-functions", "--convert-linalg-to-loops", "--lower-affine",
         "--convert-scf-to-cf", "-o", loops])
    static = os.path.join(work, "base.static.mlir")
    run([os.path.join(args.build, "bin", "shiftadd-opt"), loops, "--shiftadd-static-buffers", "-o", static])
    llvm = os.path.join(work, "base.llvm.mlir")
    run(["mlir-opt-22", static, "--expand-strided-metadata", "--lower-affine",
         f"--finalize-memref-to-llvm=index-bitwidth={bits}", f"--convert-arith-to-llvm=index-bitwidth={bits}",
         f"--convert-func-to-llvm=use-bare-ptr-memref-call-conv=1 index-bitwidth={bits}",
         f"--convert-cf-to-llvm=index-bitwidth={bits}", "--reconcile-unrealized-casts", "-o", llvm])
    marked = os.path.join(work, "base.marked.mlir")
    run([os.path.join(args.build, "bin", "shiftadd-opt"), llvm, "--shiftadd-mark-nounwind", "-o", marked])
    ll = os.path.join(work, "base.ll")
    run([os.path.join(LLVM, "mlir-translate"), "--mlir-to-llvmir", marked, "-o", ll])
    opt = os.path.join(work, "base.opt.ll")
    run([os.path.join(LLVM, "opt"), "-O2", ll, "-o", opt])
    obj = os.path.join(work, "base.o")
    run([os.path.join(LLVM, "llc"), "-O2", "-filetype=obj", *t["llc"], opt, "-o", obj])
    return obj, time.time() - start


def size(obj):
    out = run([os.path.join(LLVM, "llvm-size"), obj]).splitlines()[1].split()
    return dict(flash=int(out[0]) + int(out[1]), ram=int(out[2]))


def qemu_user_count(qemu, prog):
    """Runs `prog` under qemu user mode `qemu` and counts the instructions executed from
    the first entry into `model` until control is back in `main`, the model's callees
    included (as callgrind's --toggle-collect counts). qemu translates one instruction
    per block (-singlestep) and logs each block it executes (-d exec,nochain) into a
    pipe read here: one line per instruction. Returns the count and the program's output."""
    symbols = {}
    for line in run([os.path.join(LLVM, "llvm-nm"), "-S", prog]).splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[3] in ("model", "main"):
            symbols[fields[3]] = (int(fields[0], 16), int(fields[0], 16) + int(fields[1], 16))
    entry, (main_start, main_end) = symbols["model"][0], symbols["main"]
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "exec.log")
        os.mkfifo(fifo)
        proc = subprocess.Popen([qemu, "-singlestep", "-d", "exec,nochain", "-D", fifo, prog],
                                stdout=subprocess.PIPE, text=True)
        count, state = 0, "before"
        with open(fifo, errors="replace") as log:
            for line in log:  # read to the end, so that qemu never blocks on the pipe
                if state == "done" or not line.startswith("Trace"):
                    continue
                pc = int(line.split("[")[1].split("/")[1], 16)
                if state == "before" and pc == entry:
                    state = "in"
                elif state == "in" and main_start <= pc < main_end:
                    state = "done"
                count += state == "in"
        out = proc.communicate()[0]
    if proc.returncode or state != "done":
        raise SystemExit(f"{prog}: model did not run to its return under {qemu}")
    return count, out


def measure(args, target, obj, work, name):
    src = os.path.join(work, "harness.c")
    with open(src, "w") as f:
        f.write(HARNESS)
    prog = os.path.join(work, name + ".elf")
    if target == "aarch64":
        run(["aarch64-linux-gnu-gcc", "-static", "-O1", src, obj, "-o", prog])
        count, out = qemu_user_count("qemu-aarch64", prog)
        return count, re.search(r"checksum (\w+)", out).group(1)
    if target == "x86-64":
        run(["cc", "-O1", src, obj, "-o", prog])
        out = run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={prog}.callgrind",
                   "--toggle-collect=model", prog])
        collected = int(re.search(r"Collected : (\d+)", out).group(1))
        checksum = re.search(r"checksum (\w+)", out).group(1)
        return collected, checksum
    if target == "rv32i":
        hobj = os.path.join(work, "harness.o")
        run([os.path.join(LLVM, "clang"), "--target=riscv32-unknown-elf", "-march=rv32i_zicsr_zicntr", "-mabi=ilp32",
             "-O1", "-mno-relax", "-ffreestanding", "-fno-builtin", "-nostdlib", "-c", src, "-o", hobj])
        run(["ld.lld", "-m", "elf32lriscv", "-static", "-e", "_start", "--section-start=.start=0x80000000",
             "-Ttext=0x80000100",
             "--defsym=__stack_top=0x87f00000", hobj, obj, "-o", prog])
        out = run(["qemu-system-riscv32", "-M", "virt", "-m", "128M", "-bios", "none", "-nographic", "-monitor", "none",
                   "-serial", "none", "-icount", "shift=0", "-semihosting-config", "enable=on,target=native",
                   "-kernel", prog], timeout=1800)
        return int(re.search(r"instructions (\w+)", out).group(1), 16), re.search(r"checksum (\w+)", out).group(1)
    cpu, board = ("cortex-m4", "mps2-an386") if target == "cortex-m4" else ("cortex-m0", "mps2-an385")
    run(["arm-none-eabi-gcc", f"-mcpu={cpu}", "-mthumb", "-O1", "-nostartfiles", "-nostdlib", src, obj, "-lgcc",
         "-Wl,--section-start=.vectors=0", "-Wl,-Tbss=0x20000000", "-Wl,-e,reset", "-Wl,--no-warn-mismatch",
         "-Wl,--no-warn-execstack", "-o", prog])
    qemu_cpu = "cortex-m4" if target == "cortex-m4" else "cortex-m3"
    out = run(["qemu-system-arm", "-M", board, "-cpu", qemu_cpu, "-nographic", "-monitor", "none", "-serial", "none",
               "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", prog], timeout=300)
    calibration = int(re.search(r"calibration (\w+)", out).group(1), 16)
    ticks = int(re.search(r"ticks (\w+)", out).group(1), 16)
    per_tick = (2 * (1 << 20)) / calibration  # the calibration loop runs 2^21 instructions
    return round(ticks * per_tick), re.search(r"checksum (\w+)", out).group(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", required=True)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variants", default="shift,packed,baseline")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    run([sys.executable, os.path.join(HERE, "mobilenetv2_tiny.py"), "--out", args.out, "--seed", str(args.seed)])
    with open(os.path.join(args.out, "network.json")) as f:
        network = json.load(f)
    results_path = os.path.join(args.out, "results.json")
    results = dict(network=dict(weights=network["weights"], nonzero=network["nonzero"], bound=network["bound_ops"]),
                   targets={})
    if os.path.exists(results_path):  # keep variants measured by an earlier run
        with open(results_path) as f:
            results["targets"] = json.load(f).get("targets", {})
    compilers = dict(shift=compile_shift, packed=lambda a, t, w: compile_shift(a, t, w, packed=True),
                     baseline=compile_baseline)
    for target in args.targets.split(","):
        work = os.path.join(args.out, target)
        os.makedirs(work, exist_ok=True)
        row = results["targets"].get(target, {})
        for name in args.variants.split(","):
            obj, seconds = compilers[name](args, target, work)
            try:
                count, checksum = measure(args, target, obj, work, name)
            except (SystemExit, subprocess.TimeoutExpired, AttributeError) as e:
                # e.g. 3.7 MB of Cortex-M0 code leaves the board's 4 MiB no room for the buffers
                print(f"{target} {name}: did not run ({type(e).__name__})", flush=True)
                row[name] = dict(instructions=None, error=type(e).__name__, compile_s=round(seconds, 1), **size(obj))
                continue
            row[name] = dict(instructions=count, checksum=checksum, compile_s=round(seconds, 1), **size(obj))
            print(f"{target} {name}: {count} instructions, {row[name]}", flush=True)
        results["targets"][target] = row
        with open(results_path, "w") as f:
            json.dump(results, f, indent=1)
    bound = network["bound_ops"]
    print("\n| target | code | instructions | (a) / this | this / (b) | flash bytes | RAM bytes | compile s |")
    print("|---|---|---|---|---|---|---|---|")
    for target, row in results["targets"].items():
        base = row.get("baseline", {}).get("instructions")
        for name, label in (("shift", "shift, unrolled"), ("packed", "shift, packed"), ("baseline", "(a) int8 baseline")):
            if name not in row:
                continue
            r = row[name]
            if r.get("instructions") is None:
                print(f"| {target} | {label} | did not run ({r.get('error')}) | - | - | {r['flash']:,} | {r['ram']:,} | {r['compile_s']} |")
                continue
            ratio = f"{base / r['instructions']:.2f}" if base else "-"
            print(f"| {target} | {label} | {r['instructions']:,} | {ratio} | {r['instructions'] / bound:.2f} | "
                  f"{r['flash']:,} | {r['ram']:,} | {r['compile_s']} |")


if __name__ == "__main__":
    main()
