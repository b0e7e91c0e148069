#!/usr/bin/python3
"""Numerical test of the code generator against the reference interpreter.

For each seeded random case (conv, depthwise, grouped, linear, adder,
multiplicative, pooling, residual add, requantization) this script writes a
small shiftadd module, runs it with shiftadd-run, compiles it with
shiftadd-opt --shiftadd-to-llvm, mlir-translate and llc for one target, links
it into a test program, runs that natively or under qemu, and requires the
two outputs to be identical byte for byte.

  numerical.py --target=rv32i --tools=BUILD/bin --llvm=/usr/lib/llvm-22/bin --work=DIR --cases=24 --seed=1
"""

import argparse
import os
import random
import subprocess
import sys

TARGETS = {
    # name: (llc flags, index bits)
    "x86-64": (["-mtriple=x86_64-unknown-linux-gnu", "-relocation-model=pic"], 64),
    "aarch64": (["-mtriple=aarch64-unknown-linux-gnu", "-relocation-model=pic"], 64),
    "rv32i": (["-mtriple=riscv32-unknown-elf", "-mattr=-m"], 32),
    "cortex-m4": (["-mtriple=thumbv7em-none-eabi", "-mcpu=cortex-m4", "-float-abi=soft"], 32),
    # As shiftaddc compiles for Cortex-M0; run on the Cortex-M3 board (ARMv6-M is a subset of ARMv7-M).
    "cortex-m0": (["-mtriple=thumbv6m-none-eabi", "-mcpu=cortex-m0", "-disable-constant-hoisting"], 32),
}

WIDTH = {"i8": 1, "i16": 2, "i32": 4}


def fixed(storage, frac):
    return f"!shiftadd.fixed<{storage}, {frac}>"


def tensor(shape, storage, frac):
    return "tensor<" + "x".join(map(str, shape)) + "x" + fixed(storage, frac) + ">"


def dense(values, shape, storage="i8"):
    def nest(flat, dims):
        if not dims:
            return str(flat[0])
        step = len(flat) // dims[0]
        return "[" + ", ".join(nest(flat[i * step:(i + 1) * step], dims[1:]) for i in range(dims[0])) + "]"
    return f"dense<{nest(values, shape)}> : tensor<{'x'.join(map(str, shape))}x{storage}>"


def arr(values):
    return "array<i64: " + ", ".join(map(str, values)) + ">"


def prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Case:
    """One module with @model(x) -> results, plus its input integers."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.counter = 0
        self.results = []  # (ssa, type)
        self.inputs = None  # input integers, else random ones

    def value(self):
        self.counter += 1
        return f"%v{self.counter}"

    def op(self, text):
        v = self.value()
        self.lines.append(f"  {v} = {text}")
        return v

    def module(self, in_type):
        res_types = ", ".join(t for _, t in self.results)
        ret = ", ".join(v for v, _ in self.results)
        body = "\n".join(self.lines)
        return (f"func.func @model(%x: {in_type}) -> ({res_types}) {{\n{body}\n"
                f"  return {ret} : {res_types}\n}}\n")


def requantize(case, acc, shape, acc_frac, rng, out_storage="i8", channels=None):
    """A random requantization of an i32 accumulator to a narrow type."""
    channels = shape[1] if channels is None else channels
    out_frac = rng.randint(0, 6)
    per_channel = rng.random() < 0.5
    n = channels if per_channel else 1
    base = acc_frac - out_frac
    attrs = []
    if rng.random() < 0.3:
        shifts = [max(-30, min(31, base + rng.randint(-1, 1))) for _ in range(n)]
        mults = [rng.randint(1 << 29, (1 << 31) - 1) for _ in range(n)]
        attrs.append(f"multiplier = {arr(mults)}")
    else:
        shifts = [max(-31, min(31, base + rng.randint(-2, 2))) for _ in range(n)]
    attrs.append(f"shift = {arr(shifts)}")
    if rng.random() < 0.7:
        attrs.append(f"bias = {arr([rng.randint(-(1 << (acc_frac + 2)), 1 << (acc_frac + 2)) for _ in range(n)])}")
    if rng.random() < 0.4:
        attrs.append("clamp = array<i64: 0, 127>" if out_storage == "i8" else "clamp = array<i64: -1000, 30000>")
    out_type = tensor(shape, out_storage, out_frac)
    v = case.op(f"shiftadd.requantize {acc} {{{', '.join(attrs)}}} : {tensor(shape, 'i32', acc_frac)} -> {out_type}")
    return v, out_type


def shift_weights(rng, count, levels):
    """Shift codes with about a fifth zero, the rest of random magnitude and sign."""
    return [0 if rng.random() < 0.2 else rng.randint(1, levels) * rng.choice([-1, 1]) for _ in range(count)]


def gen_conv(rng, kind, depthwise=False):
    case = Case(rng)
    n = rng.randint(1, 2)
    c = rng.randint(1, 4)
    if depthwise:
        groups = c
        o = c
    else:
        groups = rng.choice([g for g in (1, 2, 3) if c % g == 0])
        o = groups * rng.randint(1, 3)
    kh, kw = rng.randint(1, 3), rng.randint(1, 3)
    h, w = rng.randint(kh, 7), rng.randint(kw, 7)
    sh, sw = rng.randint(1, 2), rng.randint(1, 2)
    pads = [rng.randint(0, kh - 1), rng.randint(0, kw - 1), rng.randint(0, kh - 1), rng.randint(0, kw - 1)]
    oh = (h + pads[0] + pads[2] - kh) // sh + 1
    ow = (w + pads[1] + pads[3] - kw) // sw + 1
    f_in = rng.randint(0, 6)
    in_type = tensor([n, c, h, w], "i8", f_in)
    wshape = [o, c // groups, kh, kw]
    count = prod(wshape)
    attrs = f"strides = {arr([sh, sw])}, pads = {arr(pads)}, groups = {groups}"
    if kind == "shift":
        bits = rng.randint(3, 5)
        levels = (1 << (bits - 1)) - 1
        max_exp = rng.randint(-2, 2)
        weights = shift_weights(rng, count, levels)
        acc_frac = f_in - (max_exp - levels + 1)
        op = (f"shiftadd.shift_conv2d %x {{weights = {dense(weights, wshape)}, "
              f"code = #shiftadd.code<bits = {bits}, max_exp = {max_exp}>, {attrs}}}")
    elif kind == "adder":
        weights = [rng.randint(-128, 127) for _ in range(count)]
        # Most cases shift the sum left, up to the most bits i32 allows.
        bound = max(sum(128 + abs(v) for v in weights[k:k + count // o]) for k in range(0, count, count // o))
        acc_shift = rng.randint(0, ((2**31 - 1) // bound).bit_length() - 1) if rng.random() < 0.75 else 0
        acc_frac = f_in + acc_shift
        op = f"shiftadd.adder_conv2d %x {{weights = {dense(weights, wshape)}, acc_shift = {acc_shift}, {attrs}}}"
    else:
        weights = [rng.randint(-128, 127) for _ in range(count)]
        wf = rng.randint(-2, 7)
        acc_frac = f_in + wf
        op = f"shiftadd.mul_conv2d %x {{weights = {dense(weights, wshape)}, weight_frac = {wf}, {attrs}}}"
    out_shape = [n, o, oh, ow]
    acc = case.op(f"{op} : {in_type} -> {tensor(out_shape, 'i32', acc_frac)}")
    q, q_type = requantize(case, acc, out_shape, acc_frac, rng)
    case.results.append((q, q_type))
    if rng.random() < 0.3:  # the accumulator escapes: no fusion, a standalone requantize
        case.results.append((acc, tensor(out_shape, "i32", acc_frac)))
    return case, in_type, [n, c, h, w], "i8"


def gen_block(rng):
    """A pointwise shift conv whose only reader is a padded conv (depthwise or
    not, any kind): the first writes into the second's padded input."""
    case = Case(rng)
    n, c, h, w = rng.randint(1, 2), rng.randint(1, 4), rng.randint(2, 6), rng.randint(2, 6)
    mid = rng.randint(1, 6)
    f_in = rng.randint(0, 6)
    in_type = tensor([n, c, h, w], "i8", f_in)
    levels = 7  # 4-bit codes, max_exp 0
    weights = shift_weights(rng, mid * c, levels)
    acc_frac = f_in + levels - 1
    acc = case.op(f"shiftadd.shift_conv2d %x {{weights = {dense(weights, [mid, c, 1, 1])}, "
                  f"code = #shiftadd.code<bits = 4, max_exp = 0>, strides = {arr([1, 1])}, "
                  f"pads = {arr([0, 0, 0, 0])}, groups = 1}} : {in_type} -> {tensor([n, mid, h, w], 'i32', acc_frac)}")
    x, x_type = requantize(case, acc, [n, mid, h, w], acc_frac, rng)
    x_frac = int(x_type.split(", ")[-1].rstrip(">"))
    kind = rng.choice(["shift", "adder", "mul"])
    groups = mid if rng.random() < 0.5 else 1
    o = mid if groups == mid else rng.randint(1, 4)
    kh, kw = rng.randint(2, min(3, h)), rng.randint(2, min(3, w))
    pads = [rng.randint(0, kh - 1), rng.randint(0, kw - 1), rng.randint(0, kh - 1), rng.randint(0, kw - 1)]
    pads[rng.randint(0, 3)] = 1  # padded on at least one side
    sh, sw = rng.randint(1, 2), rng.randint(1, 2)
    oh, ow = (h + pads[0] + pads[2] - kh) // sh + 1, (w + pads[1] + pads[3] - kw) // sw + 1
    wshape = [o, mid // groups, kh, kw]
    count = prod(wshape)
    attrs = f"strides = {arr([sh, sw])}, pads = {arr(pads)}, groups = {groups}"
    if kind == "shift":
        weights = shift_weights(rng, count, levels)
        frac = x_frac + levels - 1
        op = (f"shiftadd.shift_conv2d {x} {{weights = {dense(weights, wshape)}, "
              f"code = #shiftadd.code<bits = 4, max_exp = 0>, {attrs}}}")
    elif kind == "adder":
        weights = [rng.randint(-128, 127) for _ in range(count)]
        frac = x_frac
        op = f"shiftadd.adder_conv2d {x} {{weights = {dense(weights, wshape)}, acc_shift = 0, {attrs}}}"
    else:
        weights = [rng.randint(-128, 127) for _ in range(count)]
        frac = x_frac + 3
        op = f"shiftadd.mul_conv2d {x} {{weights = {dense(weights, wshape)}, weight_frac = 3, {attrs}}}"
    out = case.op(f"{op} : {x_type} -> {tensor([n, o, oh, ow], 'i32', frac)}")
    case.results.append(requantize(case, out, [n, o, oh, ow], frac, rng))
    return case, in_type, [n, c, h, w], "i8"


def gen_long_sum(rng):
    """A shift conv whose channels sum 300 to 400 taps of mostly one exponent and
    sign over inputs all at one extreme: with pixel pairs, a partial sum must
    split before its 16-bit lanes overflow."""
    case = Case(rng)
    n, c, o = rng.randint(1, 2), rng.randint(300, 400), rng.randint(1, 9)
    # Pairs along the width, along the height (odd width), or none.
    h, w = rng.choice([(1, 2), (3, 2), (2, 1), (2, 3), (1, 3)])
    levels = 15
    f_in = rng.randint(0, 6)
    in_type = tensor([n, c, h, w], "i8", f_in)
    weights = []
    for _ in range(o):
        main = rng.randint(1, levels) * rng.choice([-1, 1])
        weights += [main if rng.random() < 0.95 else rng.randint(-levels, levels) for _ in range(c)]
    acc_frac = f_in + levels - 1
    op = (f"shiftadd.shift_conv2d %x {{weights = {dense(weights, [o, c, 1, 1])}, "
          f"code = #shiftadd.code<bits = 5, max_exp = 0>, strides = {arr([1, 1])}, pads = {arr([0, 0, 0, 0])}, "
          f"groups = 1}}")
    acc = case.op(f"{op} : {in_type} -> {tensor([n, o, h, w], 'i32', acc_frac)}")
    q, q_type = requantize(case, acc, [n, o, h, w], acc_frac, rng)
    case.results.append((q, q_type))
    case.inputs = [rng.choice([-128, 127])] * (n * c * h * w)
    return case, in_type, [n, c, h, w], "i8"


def gen_lane_groups(rng):
    """A shift conv whose channels' sums of two exponents lie at the edge of a
    16-bit lane, with every input at the extreme that reaches it: with pixel
    pairs, the partial sums whose combined range fits a lane, [-2^15, 2^15),
    separate their lanes once. The range is the input type's, or a producer's
    clamp to [0, 127]. Channels 0 and 1 sum 128 and 129 taps of level 15
    (weight 1) with 64 of level 14 (weight 2): at -128 the first reaches
    -2^15 exactly, the second lies beyond; with the clamp, 129 and 131 taps
    of negated weights at 127."""
    case = Case(rng)
    clamped = rng.random() < 0.5
    h, w = rng.choice([(1, 2), (3, 2), (2, 1), (2, 3), (1, 4)])
    c, o = 195, 8
    in_type = tensor([1, c, h, w], "i8", 0)
    x = "%x"
    if clamped:
        x = case.op(f"shiftadd.clamp %x {{min = 0, max = 127}} : {in_type}")
    sign = -1 if clamped else 1
    weights = []
    for ones in [129, 131] if clamped else [128, 129]:
        weights += [sign * 15] * ones + [sign * 14] * 64 + [0] * (c - ones - 64)
    for _ in range(o - 2):
        weights += [0 if rng.random() < 0.2 else rng.randint(9, 15) * rng.choice([-1, 1]) for _ in range(c)]
    acc_type = tensor([1, o, h, w], "i32", 14)
    acc = case.op(f"shiftadd.shift_conv2d {x} {{weights = {dense(weights, [o, c, 1, 1])}, "
                  f"code = #shiftadd.code<bits = 5, max_exp = 0>, strides = {arr([1, 1])}, "
                  f"pads = {arr([0, 0, 0, 0])}, groups = 1}} : {in_type} -> {acc_type}")
    case.results.append((acc, acc_type))
    case.inputs = [127 if clamped else -128] * (c * h * w)
    return case, in_type, [1, c, h, w], "i8"


def gen_linear(rng, kind):
    case = Case(rng)
    n, i, o = rng.randint(1, 3), rng.randint(1, 24), rng.randint(1, 10)
    f_in = rng.randint(0, 6)
    storage = rng.choice(["i8", "i16"]) if kind == "shift" else "i8"
    in_type = tensor([n, i], storage, f_in)
    if kind == "shift":
        bits = rng.randint(2, 4) if storage == "i16" else rng.randint(3, 5)
        levels = (1 << (bits - 1)) - 1
        weights = shift_weights(rng, o * i, levels)
        acc_frac = f_in - (0 - levels + 1)
        op = f"shiftadd.shift_linear %x {{weights = {dense(weights, [o, i])}, code = #shiftadd.code<bits = {bits}, max_exp = 0>}}"
    else:
        weights = [rng.randint(-128, 127) for _ in range(o * i)]
        acc_frac = f_in + 5
        op = f"shiftadd.mul_linear %x {{weights = {dense(weights, [o, i])}, weight_frac = 5}}"
    acc = case.op(f"{op} : {in_type} -> {tensor([n, o], 'i32', acc_frac)}")
    q, q_type = requantize(case, acc, [n, o], acc_frac, rng, out_storage=rng.choice(["i8", "i16"]))
    case.results.append((q, q_type))
    return case, in_type, [n, i], storage


def gen_pool(rng):
    case = Case(rng)
    n, c = rng.randint(1, 2), rng.randint(1, 3)
    kh, kw = rng.randint(1, 3), rng.randint(1, 3)
    h, w = rng.randint(kh, 8), rng.randint(kw, 8)
    f = rng.randint(0, 5)
    storage = rng.choice(["i8", "i16"])
    in_type = tensor([n, c, h, w], storage, f)
    sh, sw = rng.randint(1, 2), rng.randint(1, 2)
    pads = [rng.randint(0, kh - 1), rng.randint(0, kw - 1), rng.randint(0, kh - 1), rng.randint(0, kw - 1)]
    oh = (h + pads[0] + pads[2] - kh) // sh + 1
    ow = (w + pads[1] + pads[3] - kw) // sw + 1
    out_type = tensor([n, c, oh, ow], storage, f)
    geo = f"kernel = {arr([kh, kw])}, strides = {arr([sh, sw])}, pads = {arr(pads)}"
    case.results.append((case.op(f"shiftadd.max_pool2d %x {{{geo}}} : {in_type} -> {out_type}"), out_type))
    inc = "true" if rng.random() < 0.5 else "false"
    case.results.append((case.op(f"shiftadd.avg_pool2d %x {{{geo}, count_include_pad = {inc}}} : {in_type} -> {out_type}"), out_type))
    g_type = tensor([n, c, 1, 1], storage, f)
    g = case.op(f"shiftadd.global_avg_pool2d %x : {in_type} -> {g_type}")
    flat_type = tensor([n, c], storage, f)
    case.results.append((case.op(f"tensor.collapse_shape {g} [[0], [1, 2, 3]] : {g_type} into {flat_type}"), flat_type))
    return case, in_type, [n, c, h, w], storage


def gen_add(rng):
    case = Case(rng)
    shape = [rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)]
    storage = rng.choice(["i8", "i16"])
    fx = rng.randint(0, 6)
    in_type = tensor(shape, storage, fx)
    # The second operand: the input clamped, then requantize-free: a shifted view via clamp + add.
    lo = rng.randint(-50, 0)
    clamped = case.op(f"shiftadd.clamp %x {{min = {lo}, max = {lo + rng.randint(0, 100)}}} : {in_type}")
    fz = rng.randint(fx - 2, fx + 2)
    out_storage = rng.choice(["i8", "i16"])
    out_type = tensor(shape, out_storage, fz)
    # Reinterpret the clamped tensor at another format through a second add with itself.
    fy = rng.randint(0, 6)
    y_type = tensor(shape, storage, fy)
    y = case.op(f"shiftadd.add {clamped}, {clamped} : {in_type}, {in_type} -> {y_type}")
    clamp = " {clamp = array<i64: 0, 100>}" if rng.random() < 0.5 else ""
    case.results.append((case.op(f"shiftadd.add %x, {y}{clamp} : {in_type}, {y_type} -> {out_type}"), out_type))
    return case, in_type, shape, storage


def gen_flatten(rng):
    """An image flattened in NCHW order into a linear layer, and expanded back."""
    case = Case(rng)
    n, c, h, w = rng.randint(1, 2), rng.randint(2, 3), rng.randint(2, 3), rng.randint(1, 3)
    f = rng.randint(0, 4)
    in_type = tensor([n, c, h, w], "i8", f)
    flat_type = tensor([n, c * h * w], "i8", f)
    flat = case.op(f"tensor.collapse_shape %x [[0], [1, 2, 3]] : {in_type} into {flat_type}")
    o = rng.randint(1, 5)
    weights = [rng.randint(-3, 3) for _ in range(o * c * h * w)]
    acc_type = tensor([n, o], "i32", f + 2)
    acc = case.op(f"shiftadd.shift_linear {flat} {{weights = {dense(weights, [o, c * h * w])}, "
                  f"code = #shiftadd.code<bits = 3, max_exp = 0>}} : {flat_type} -> {acc_type}")
    q, q_type = requantize(case, acc, [n, o], f + 2, rng)
    case.results.append((q, q_type))
    clamped = case.op(f"shiftadd.clamp {flat} {{min = -20, max = 20}} : {flat_type}")
    case.results.append((case.op(f"tensor.expand_shape {clamped} [[0], [1, 2, 3]] output_shape [{n}, {c}, {h}, {w}] "
                                 f": {flat_type} into {in_type}"), in_type))
    return case, in_type, [n, c, h, w], "i8"


def gen_concat(rng):
    """Images concatenated along channels (NHWC inside the compiled code)."""
    case = Case(rng)
    n, c, h, w = rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 3), rng.randint(2, 3)
    f = rng.randint(0, 4)
    in_type = tensor([n, c, h, w], "i8", f)
    clamped = case.op(f"shiftadd.clamp %x {{min = -30, max = 40}} : {in_type}")
    out_type = tensor([n, 2 * c, h, w], "i8", f)
    case.results.append((case.op(f"tensor.concat dim(1) %x, {clamped} : ({in_type}, {in_type}) -> {out_type}"), out_type))
    return case, in_type, [n, c, h, w], "i8"


GENERATORS = [
    lambda r: gen_conv(r, "shift"),
    lambda r: gen_conv(r, "shift", depthwise=True),
    lambda r: gen_conv(r, "adder"),
    lambda r: gen_conv(r, "mul"),
    lambda r: gen_linear(r, "shift"),
    lambda r: gen_linear(r, "mul"),
    gen_pool,
    gen_add,
    gen_flatten,
    gen_concat,
    gen_long_sum,
    gen_block,
    gen_lane_groups,
]


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, **kw)
    if result.returncode != 0:
        sys.stderr.write(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n")
        sys.stderr.write(result.stderr.decode(errors="replace")[-3000:])
        raise SystemExit(1)
    return result.stdout


HOSTED_PUT = """
#include <stdio.h>
static void put(const char *s, int n) { fwrite(s, 1, n, stdout); }
"""

RV32_PUT = """
static long sys(long n, long a0, long a1, long a2) {
  register long r_a0 __asm__("a0") = a0, r_a1 __asm__("a1") = a1, r_a2 __asm__("a2") = a2;
  register long r_a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
  return r_a0;
}
static void put(const char *s, int n) { sys(64, 1, (long)s, n); }
void *memcpy(void *d, const void *s, unsigned long n) {
  char *dd = d; const char *ss = s; while (n--) *dd++ = *ss++; return d; }
void *memset(void *d, int c, unsigned long n) { char *dd = d; while (n--) *dd++ = (char)c; return d; }
"""


def harness(target, in_storage, inputs, outputs):
    c_types = {"i8": "int8_t", "i16": "int16_t", "i32": "int32_t"}
    params = [f"const {c_types[in_storage]} *"] + [f"{c_types[s]} *" for s, _ in outputs]
    lines = ["#include <stdint.h>", HOSTED_PUT if target != "rv32i" else RV32_PUT,
             f"void model({', '.join(params)});",
             f"static const {c_types[in_storage]} input[{len(inputs)}] = {{{', '.join(map(str, inputs))}}};"]
    for k, (s, count) in enumerate(outputs):
        lines.append(f"static {c_types[s]} out{k}[{count}];")
    lines.append("""static void hex(const void *p, int n) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *b = p; char pair[2];
  for (int i = 0; i < n; ++i) { pair[0] = digits[b[i] >> 4]; pair[1] = digits[b[i] & 15]; put(pair, 2); }
  put("\\n", 1);
}""")
    call = ", ".join(["input"] + [f"out{k}" for k in range(len(outputs))])
    dumps = "\n  ".join(f"hex(out{k}, sizeof out{k});" for k in range(len(outputs)))
    if target == "rv32i":
        lines.append(f"void _start(void) {{\n  model({call});\n  {dumps}\n  sys(93, 0, 0, 0);\n  for (;;) {{}}\n}}")
    else:
        lines.append(f"int main(void) {{\n  model({call});\n  {dumps}\n  return 0;\n}}")
    return "\n".join(lines) + "\n"


VECTORS = """extern void _start(void);
__attribute__((section(".vectors"), used)) static void *const vectors[2] = {(void *)0x20400000, (void *)_start};
"""


def build_and_run(args, target, work, model_ll_flags, obj, harness_c):
    src = os.path.join(work, "harness.c")
    with open(src, "w") as f:
        f.write(harness_c)
    prog = os.path.join(work, "prog")
    if target == "x86-64":
        run(["cc", "-O1", src, obj, "-o", prog])
        return run([prog])
    if target == "aarch64":
        run(["aarch64-linux-gnu-gcc", "-static", "-O1", src, obj, "-o", prog])
        return run(["qemu-aarch64", prog])
    if target == "rv32i":
        hobj = os.path.join(work, "harness.o")
        run([os.path.join(args.llvm, "clang"), "--target=riscv32-unknown-elf", "-march=rv32i", "-mabi=ilp32",
             "-O1", "-mno-relax", "-ffreestanding", "-fno-builtin", "-nostdlib", "-c", src, "-o", hobj])
        run(["ld.lld", "-m", "elf32lriscv", "-static", "-e", "_start", hobj, obj, "-o", prog])
        return run(["qemu-riscv32", prog])
    vec = os.path.join(work, "vectors.c")
    with open(vec, "w") as f:
        f.write(VECTORS)
    cpu, board, qemu_cpu = (("cortex-m0", "mps2-an385", "cortex-m3") if target == "cortex-m0"
                            else ("cortex-m4", "mps2-an386", "cortex-m4"))
    run(["arm-none-eabi-gcc", f"-mcpu={cpu}", "-mthumb", "--specs=rdimon.specs", "-O1", src, vec, obj,
         "-Wl,--section-start=.vectors=0", "-Wl,--no-warn-mismatch", "-o", prog])
    return run(["qemu-system-arm", "-M", board, "-cpu", qemu_cpu, "-nographic", "-monitor", "none",
                "-serial", "none", "-semihosting-config", "enable=on,target=native", "-kernel", prog], timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=sorted(TARGETS), required=True)
    parser.add_argument("--tools", required=True, help="directory of shiftadd-opt and shiftadd-run")
    parser.add_argument("--llvm", default="/usr/lib/llvm-22/bin")
    parser.add_argument("--work", required=True)
    parser.add_argument("--cases", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pack", action="store_true",
                        help="pack shift weights (shiftadd-pack-weights) before lowering")
    parser.add_argument("--channel-blocks", action="store_true",
                        help="lower with one block per output channel")
    parser.add_argument("--channel-tile", type=int, default=1,
                        help="output channels of a shift layer summed together")
    parser.add_argument("--exponent-sums", action="store_true",
                        help="channel tiles keep a partial sum per exponent")
    parser.add_argument("--pixel-pairs", action="store_true",
                        help="tiles with exponent sums add two output pixels at once")
    parser.add_argument("--wide-inputs", action="store_true",
                        help="unrolled layers read an i32 copy of their input")
    parser.add_argument("--tile-words", action="store_true",
                        help="shift layers with one group tiled one channel at a time from an i32 copy")
    parser.add_argument("--offset-reach", type=int, default=0,
                        help="rebase word loads' offsets in chunks of this many elements")
    parser.add_argument("--outline-loops", action="store_true",
                        help="each top-level loop nest in a function of its own")
    args = parser.parse_args()
    llc_flags, index_bits = TARGETS[args.target]
    # The pipeline options chosen, each named once for the pipeline and the summary line.
    chosen = {"channel-blocks": int(args.channel_blocks), "channel-tile": args.channel_tile,
              "exponent-sums": int(args.exponent_sums), "pixel-pairs": int(args.pixel_pairs),
              "wide-inputs": int(args.wide_inputs), "tile-words": int(args.tile_words),
              "offset-reach": args.offset_reach, "outline-loops": int(args.outline_loops)}
    options = [(n, v) for n, v in chosen.items() if v != (1 if n == "channel-tile" else 0)]
    pipeline = f"--shiftadd-to-llvm=index-bitwidth={index_bits}" + "".join(f" {n}={v}" for n, v in options)
    os.makedirs(args.work, exist_ok=True)
    passed = 0
    for k in range(args.cases):
        rng = random.Random(args.seed * 1000 + k)
        case, in_type, in_shape, in_storage = GENERATORS[k % len(GENERATORS)](rng)
        work = os.path.join(args.work, f"case{k}")
        os.makedirs(work, exist_ok=True)
        model = os.path.join(work, "model.mlir")
        with open(model, "w") as f:
            f.write(case.module(in_type))
        lo, hi = -(1 << (8 * WIDTH[in_storage] - 1)), (1 << (8 * WIDTH[in_storage] - 1)) - 1
        inputs = case.inputs or [rng.choice([lo, hi, 0, -1, 1]) if rng.random() < 0.1 else rng.randint(lo, hi)
                                 for _ in range(prod(in_shape))]
        raw = os.path.join(work, "x.bin")
        with open(raw, "wb") as f:
            for v in inputs:
                f.write(int(v).to_bytes(WIDTH[in_storage], "little", signed=True))
        outs = []
        expected = []
        for r, (_, rtype) in enumerate(case.results):
            outs.append(os.path.join(work, f"ref{r}.bin"))
        run([os.path.join(args.tools, "shiftadd-run"), model, "--entry=model", f"--input={raw}", "--quiet"]
            + [f"--output={o}" for o in outs])
        for o in outs:
            with open(o, "rb") as f:
                expected.append(f.read().hex())
        llvm_mlir = run([os.path.join(args.tools, "shiftadd-opt"), model]
                        + (["--shiftadd-pack-weights"] if args.pack else [])
                        + [pipeline])
        ll = os.path.join(work, "model.ll")
        with open(ll, "wb") as f:
            f.write(run([os.path.join(args.llvm, "mlir-translate"), "--mlir-to-llvmir"], input=llvm_mlir))
        obj = os.path.join(work, "model.o")
        run([os.path.join(args.llvm, "llc"), "-O2", "-filetype=obj", *llc_flags, ll, "-o", obj])
        out_specs = []
        for _, rtype in case.results:
            storage = rtype.split("!shiftadd.fixed<")[1].split(",")[0]
            shape = [int(d) for d in rtype[len("tensor<"):].split("x!")[0].split("x")]
            out_specs.append((storage, prod(shape)))
        actual = build_and_run(args, args.target, work, llc_flags, obj,
                               harness(args.target, in_storage, inputs, out_specs)).decode().split()
        if actual != expected:
            print(f"case {k} ({work}): compiled code differs from the interpreter")
            print("  expected:", expected)
            print("  actual:  ", actual)
            raise SystemExit(1)
        passed += 1
    variant = (" packed" if args.pack else "") + "".join(
        f" {n}" if n not in ("channel-tile", "offset-reach") else f" {n}={v}" for n, v in options)
    print(f"{args.target}{variant}: {passed} passed, 0 failed")


if __name__ == "__main__":
    main()
