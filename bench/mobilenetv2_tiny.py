#!/usr/bin/python3
"""Writes a MobileNetV2-tiny-sized network (width 0.35, 32x32x3 input, 10
classes, stride-1 stem and first stage) in two forms for the code-generation
benchmark:

  shift.mlir     the shiftadd dialect with shift convolutions (5-bit codes,
                 exponents drawn like a trained DeepShift layer's, ~15 % zeros),
                 compiled by shiftadd-opt --shiftadd-to-llvm;
  baseline.mlir  the same layers with dense int8 weights as upstream linalg
                 convolutions on i8 -> i32 (arith.muli), requantized by
                 linalg.generic, compiled the ordinary way by mlir-opt.

It also prints the layer table and the bound: one add per non-zero weight per
output pixel, plus 4 operations per requantized output element.

  mobilenetv2_tiny.py --out DIR [--seed 1]
"""

import argparse
import json
import math
import os
import random


def make_divisible(v, divisor=8):
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def architecture(width=0.35):
    """(cin, cout, kernel, stride, groups, relu6, residual_from) per conv."""
    layers = []
    stem = make_divisible(32 * width)
    layers.append(dict(cin=3, cout=stem, k=3, s=1, g=1, act=True))
    first = make_divisible(16 * width)
    layers.append(dict(cin=stem, cout=stem, k=3, s=1, g=stem, act=True))  # depthwise
    layers.append(dict(cin=stem, cout=first, k=1, s=1, g=1, act=False))
    cin = first
    for t, c, n, s in [(6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2)]:
        cout = make_divisible(c * width)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            block = len(layers)
            layers.append(dict(cin=cin, cout=hidden, k=1, s=1, g=1, act=True))
            layers.append(dict(cin=hidden, cout=hidden, k=3, s=stride, g=hidden, act=True))
            proj = dict(cin=hidden, cout=cout, k=1, s=1, g=1, act=False)
            if stride == 1 and cin == cout:
                proj["residual"] = block  # input of the block's first layer
            layers.append(proj)
            cin = cout
    # TinyMobileNetV2 head: MBConv(56 -> 112, e6), 1x1 112 -> 448, GAP, FC.
    hidden = cin * 6
    layers.append(dict(cin=cin, cout=hidden, k=1, s=1, g=1, act=True))
    layers.append(dict(cin=hidden, cout=hidden, k=3, s=1, g=hidden, act=True))
    layers.append(dict(cin=hidden, cout=112, k=1, s=1, g=1, act=False))
    layers.append(dict(cin=112, cout=448, k=1, s=1, g=1, act=True))
    return layers


def dense(values, shape, etype="i8"):
    def nest(flat, dims):
        if not dims:
            return str(flat[0])
        step = len(flat) // dims[0]
        return "[" + ",".join(nest(flat[i * step:(i + 1) * step], dims[1:]) for i in range(dims[0])) + "]"
    return f"dense<{nest(values, shape)}> : tensor<{'x'.join(map(str, shape))}x{etype}>"


def fixed(shape, storage, frac):
    return "tensor<" + "x".join(map(str, shape)) + f"x!shiftadd.fixed<{storage}, {frac}>>"


def plain(shape, etype):
    return "tensor<" + "x".join(map(str, shape)) + f"x{etype}>"


FRAC = 4          # activations: i8 with 4 fractional bits (ReLU6 = 96)
CODE_BITS = 5     # shift weights: exponents -14..0


def shift_levels(rng, count):
    # Trained DeepShift layers: exponents around 2^-4..2^-8, about 15 % zeros.
    return [0 if rng.random() < 0.15 else max(1, min(15, round(rng.gauss(6, 1.5)))) * rng.choice([-1, 1])
            for _ in range(count)]


def generate(out, seed):
    rng = random.Random(seed)
    empties_needed, empties_r, empties_p, base_consts, index_consts = [], [], [], [], set()
    layers = architecture()
    shift_lines, base_lines, table = [], [], []
    size = 32
    shape = [1, 3, size, size]
    shift_val, base_val = "%x", "%x"
    values = {}  # layer index -> (shift ssa, base ssa, shape) of the layer's input
    # The baseline's requantization shifts keep its activations near an RMS of
    # 24 (of the i8 range): with one shift for all layers they would collapse to
    # zero within a few layers, and rv32i's __mulsi3 loop, whose length depends
    # on its operand, would be undercounted. Estimated RMS of each layer input:
    rms = {0: 73.6}  # uniform random int8 input
    ops_bound = 0
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return f"%{prefix}{counter[0]}"

    for index, L in enumerate(layers):
        values[index] = (shift_val, base_val, list(shape))
        rms_in = rms[index]
        cin, cout, k, s, g = L["cin"], L["cout"], L["k"], L["s"], L["g"]
        pad = k // 2
        h = shape[2]
        oh = (h + 2 * pad - k) // s + 1
        out_shape = [1, cout, oh, oh]
        wshape = [cout, cin // g, k, k]
        count = cout * (cin // g) * k * k
        levels = shift_levels(rng, count)
        nnz = sum(1 for v in levels if v)
        table.append(dict(layer=index, cin=cin, cout=cout, kernel=k, stride=s, groups=g,
                          out=oh, weights=count, nonzero=nnz))
        ops_bound += nnz * oh * oh + 4 * cout * oh * oh
        lo = 0 if L["act"] else -128
        hi = 96 if L["act"] else 127
        # --- shift form: shift_conv2d fused with requantize (+ ReLU6 clamp).
        acc = fresh("acc")
        geo = f"strides = array<i64: {s}, {s}>, pads = array<i64: {pad}, {pad}, {pad}, {pad}>, groups = {g}"
        acc_frac = FRAC + 14
        shift_lines.append(
            f"  {acc} = shiftadd.shift_conv2d {shift_val} {{weights = {dense(levels, wshape)}, "
            f"code = #shiftadd.code<bits = {CODE_BITS}, max_exp = 0>, {geo}}} : "
            f"{fixed(shape, 'i8', FRAC)} -> {fixed(out_shape, 'i32', acc_frac)}")
        shifts = [acc_frac - FRAC + rng.randint(-2, 3) for _ in range(cout)]
        bias = [rng.randint(-(1 << 14), 1 << 14) for _ in range(cout)]
        y = fresh("y")
        shift_lines.append(
            f"  {y} = shiftadd.requantize {acc} {{shift = array<i64: {', '.join(map(str, shifts))}>, "
            f"bias = array<i64: {', '.join(map(str, bias))}>, clamp = array<i64: {lo}, {hi}>}} : "
            f"{fixed(out_shape, 'i32', acc_frac)} -> {fixed(out_shape, 'i8', FRAC)}")
        # --- baseline: pad, linalg conv on i8 -> i32, requantize by linalg.generic.
        wint = [rng.randint(-127, 127) if v else 0 for v in levels]
        pre = rms_in * math.sqrt(nnz / cout) * 73.3  # RMS of the i32 accumulator
        bshift = max(1, round(math.log2(pre / 24)))
        after = pre / 2 ** bshift / (math.sqrt(2) if L["act"] else 1)  # ReLU keeps half
        base_consts.append(f"  %bs{index} = arith.constant {bshift} : i32")
        base_consts.append(f"  %br{index} = arith.constant {1 << (bshift - 1)} : i32")
        src = base_val
        if pad:
            # Zero padding as a linalg.generic (tensor.pad would bufferize to a
            # strided memref.copy, which needs MLIR's C runner library).
            padded = fresh("p")
            hp = h + 2 * pad
            in_plain = plain([1, cin, hp, hp], "i8")
            base_lines.append(
                f"  {padded} = linalg.generic {{indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>], "
                f"iterator_types = [\"parallel\", \"parallel\", \"parallel\", \"parallel\"]}} outs(%emptyp{index} : {in_plain}) {{\n"
                f"  ^bb0(%o: i8):\n    %n = linalg.index 0 : index\n    %c = linalg.index 1 : index\n"
                f"    %h = linalg.index 2 : index\n    %w = linalg.index 3 : index\n"
                f"    %hh = arith.subi %h, %i{pad} : index\n    %ww = arith.subi %w, %i{pad} : index\n"
                f"    %okh = arith.cmpi ult, %hh, %i{h} : index\n    %okw = arith.cmpi ult, %ww, %i{h} : index\n"
                f"    %ok = arith.andi %okh, %okw : i1\n"
                f"    %v = scf.if %ok -> i8 {{\n      %e = tensor.extract {src}[%n, %c, %hh, %ww] : {plain(shape, 'i8')}\n"
                f"      scf.yield %e : i8\n    }} else {{\n      scf.yield %zero8 : i8\n    }}\n"
                f"    linalg.yield %v : i8\n  }} -> {in_plain}")
            empties_p.append((index, [1, cin, hp, hp]))
            index_consts.update({pad, h})
            src = padded
        else:
            in_plain = plain(shape, "i8")
        init = fresh("init")
        base_lines.append(f"  {init} = linalg.fill ins(%zero32 : i32) outs(%empty{index} : {plain(out_shape, 'i32')}) -> {plain(out_shape, 'i32')}")
        empties_needed.append((index, out_shape))
        conv = fresh("conv")
        if g == 1:
            base_lines.append(
                f"  {conv} = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}} "
                f"ins({src}, %w{index} : {in_plain}, {plain(wshape, 'i8')}) outs({init} : {plain(out_shape, 'i32')}) -> {plain(out_shape, 'i32')}")
            base_consts.append(f"  %w{index} = arith.constant {dense(wint, wshape)}")
        else:
            dshape = [cout, k, k]
            base_lines.append(
                f"  {conv} = linalg.depthwise_conv_2d_nchw_chw {{dilations = dense<1> : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}} "
                f"ins({src}, %w{index} : {in_plain}, {plain(dshape, 'i8')}) outs({init} : {plain(out_shape, 'i32')}) -> {plain(out_shape, 'i32')}")
            base_consts.append(f"  %w{index} = arith.constant {dense(wint, dshape)}")
        q = fresh("q")
        base_lines.append(
            f"  {q} = linalg.generic {{indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>], "
            f"iterator_types = [\"parallel\", \"parallel\", \"parallel\", \"parallel\"]}} ins({conv} : {plain(out_shape, 'i32')}) "
            f"outs(%empty8_{index} : {plain(out_shape, 'i8')}) {{\n"
            f"  ^bb0(%v: i32, %o: i8):\n"
            f"    %r0 = arith.addi %v, %br{index} : i32\n    %r1 = arith.shrsi %r0, %bs{index} : i32\n"
            f"    %r2 = arith.maxsi %r1, %c{'0' if L['act'] else 'm128'} : i32\n    %r3 = arith.minsi %r2, %c{'96' if L['act'] else '127'} : i32\n"
            f"    %r4 = arith.trunci %r3 : i32 to i8\n    linalg.yield %r4 : i8\n  }} -> {plain(out_shape, 'i8')}")
        shift_val, base_val = y, q
        if "residual" in L:
            rs, rb, rshape = values[L["residual"]]
            z = fresh("z")
            shift_lines.append(f"  {z} = shiftadd.add {rs}, {shift_val} : {fixed(out_shape, 'i8', FRAC)}, "
                               f"{fixed(out_shape, 'i8', FRAC)} -> {fixed(out_shape, 'i8', FRAC)}")
            zb = fresh("zb")
            base_lines.append(
                f"  {zb} = linalg.generic {{indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>, "
                f"affine_map<(n, c, h, w) -> (n, c, h, w)>], iterator_types = [\"parallel\", \"parallel\", \"parallel\", \"parallel\"]}} "
                f"ins({rb}, {base_val} : {plain(out_shape, 'i8')}, {plain(out_shape, 'i8')}) outs(%empty8r_{index} : {plain(out_shape, 'i8')}) {{\n"
                f"  ^bb0(%a: i8, %b: i8, %o: i8):\n    %s0 = arith.extsi %a : i8 to i32\n    %s1 = arith.extsi %b : i8 to i32\n"
                f"    %s2 = arith.addi %s0, %s1 : i32\n    %s3 = arith.maxsi %s2, %cm128 : i32\n    %s4 = arith.minsi %s3, %c127 : i32\n"
                f"    %s5 = arith.trunci %s4 : i32 to i8\n    linalg.yield %s5 : i8\n  }} -> {plain(out_shape, 'i8')}")
            empties_r.append((index, out_shape))
            shift_val, base_val = z, zb
            after = math.hypot(after, rms[L["residual"]])
            ops_bound += 4 * cout * oh * oh
        rms[index + 1] = after
        shape = out_shape
    # Global average pooling, flatten, classifier.
    c, h = shape[1], shape[2]
    gshape = [1, c, 1, 1]
    gs = fresh("g")
    shift_lines.append(f"  {gs} = shiftadd.global_avg_pool2d {shift_val} : {fixed(shape, 'i8', FRAC)} -> {fixed(gshape, 'i8', FRAC)}")
    fs = fresh("f")
    shift_lines.append(f"  {fs} = tensor.collapse_shape {gs} [[0], [1, 2, 3]] : {fixed(gshape, 'i8', FRAC)} into {fixed([1, c], 'i8', FRAC)}")
    levels = shift_levels(rng, 10 * c)
    ls = fresh("l")
    shift_lines.append(f"  {ls} = shiftadd.shift_linear {fs} {{weights = {dense(levels, [10, c])}, code = #shiftadd.code<bits = 5, max_exp = 0>}} : "
                       f"{fixed([1, c], 'i8', FRAC)} -> {fixed([1, 10], 'i32', FRAC + 14)}")
    logits = fresh("o")
    shift_lines.append(f"  {logits} = shiftadd.requantize {ls} {{shift = array<i64: 14>}} : {fixed([1, 10], 'i32', FRAC + 14)} -> {fixed([1, 10], 'i8', FRAC)}")
    nnz = sum(1 for v in levels if v)
    table.append(dict(layer=len(layers), cin=c, cout=10, kernel=1, stride=1, groups=1, out=1, weights=10 * c, nonzero=nnz))
    ops_bound += nnz + c * h * h + 4 * 10
    # Baseline head: sum over the plane (linalg reduction), shift for the mean (16 = 2^4 elements), FC via matmul.
    sum_b = fresh("sb")
    base_lines.append(
        f"  {sum_b} = linalg.generic {{indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c)>], "
        f"iterator_types = [\"parallel\", \"parallel\", \"reduction\", \"reduction\"]}} ins({base_val} : {plain(shape, 'i8')}) outs(%gz : {plain([1, c], 'i32')}) {{\n"
        f"  ^bb0(%a: i8, %acc: i32):\n    %e = arith.extsi %a : i8 to i32\n    %t = arith.addi %acc, %e : i32\n    linalg.yield %t : i32\n  }} -> {plain([1, c], 'i32')}")
    mean_b = fresh("mb")
    base_lines.append(
        f"  {mean_b} = linalg.generic {{indexing_maps = [affine_map<(n, c) -> (n, c)>, affine_map<(n, c) -> (n, c)>], "
        f"iterator_types = [\"parallel\", \"parallel\"]}} ins({sum_b} : {plain([1, c], 'i32')}) outs(%gm : {plain([1, c], 'i8')}) {{\n"
        f"  ^bb0(%a: i32, %o: i8):\n    %t = arith.shrsi %a, %c4 : i32\n    %u = arith.trunci %t : i32 to i8\n    linalg.yield %u : i8\n  }} -> {plain([1, c], 'i8')}")
    wfc = [rng.randint(-127, 127) if v else 0 for v in levels]
    base_consts.append(f"  %wfc = arith.constant {dense(wfc, [c, 10])}")
    fc = fresh("fc")
    base_lines.append(f"  {fc} = linalg.matmul ins({mean_b}, %wfc : {plain([1, c], 'i8')}, {plain([c, 10], 'i8')}) outs(%fz : {plain([1, 10], 'i32')}) -> {plain([1, 10], 'i32')}")
    out_b = fresh("ob")
    base_lines.append(
        f"  {out_b} = linalg.generic {{indexing_maps = [affine_map<(n, c) -> (n, c)>, affine_map<(n, c) -> (n, c)>], "
        f"iterator_types = [\"parallel\", \"parallel\"]}} ins({fc} : {plain([1, 10], 'i32')}) outs(%oe : {plain([1, 10], 'i8')}) {{\n"
        f"  ^bb0(%a: i32, %o: i8):\n    %t = arith.shrsi %a, %shift : i32\n    %u = arith.trunci %t : i32 to i8\n    linalg.yield %u : i8\n  }} -> {plain([1, 10], 'i8')}")

    in_type = fixed([1, 3, 32, 32], "i8", FRAC)
    out_type = fixed([1, 10], "i8", FRAC)
    with open(os.path.join(out, "shift.mlir"), "w") as f:
        f.write(f"// MobileNetV2-tiny (w0.35, 32x32) with shift convolutions; generated by bench/mobilenetv2_tiny.py --seed {seed}\n")
        f.write(f"func.func @model(%x: {in_type}) -> {out_type} {{\n" + "\n".join(shift_lines) + f"\n  return {logits} : {out_type}\n}}\n")
    header = ["  %zero8 = arith.constant 0 : i8", "  %zero32 = arith.constant 0 : i32",
              "  %shift = arith.constant 10 : i32",
              "  %c0 = arith.constant 0 : i32", "  %c96 = arith.constant 96 : i32",
              "  %cm128 = arith.constant -128 : i32", "  %c127 = arith.constant 127 : i32",
              "  %c4 = arith.constant 4 : i32"]
    for index, oshape in empties_needed:
        header.append(f"  %empty{index} = tensor.empty() : {plain(oshape, 'i32')}")
        header.append(f"  %empty8_{index} = tensor.empty() : {plain(oshape, 'i8')}")
    for index, pshape in empties_p:
        header.append(f"  %emptyp{index} = tensor.empty() : {plain(pshape, 'i8')}")
    for v in sorted(index_consts):
        header.append(f"  %i{v} = arith.constant {v} : index")
    for index, oshape in empties_r:
        header.append(f"  %empty8r_{index} = tensor.empty() : {plain(oshape, 'i8')}")
    header.append(f"  %gz0 = tensor.empty() : {plain([1, c], 'i32')}")
    header.append(f"  %gz = linalg.fill ins(%zero32 : i32) outs(%gz0 : {plain([1, c], 'i32')}) -> {plain([1, c], 'i32')}")
    header.append(f"  %gm = tensor.empty() : {plain([1, c], 'i8')}")
    header.append(f"  %fz0 = tensor.empty() : {plain([1, 10], 'i32')}")
    header.append(f"  %fz = linalg.fill ins(%zero32 : i32) outs(%fz0 : {plain([1, 10], 'i32')}) -> {plain([1, 10], 'i32')}")
    header.append(f"  %oe = tensor.empty() : {plain([1, 10], 'i8')}")
    with open(os.path.join(out, "baseline.mlir"), "w") as f:
        f.write(f"// The same network with dense int8 weights, the ordinary way (linalg, arith.muli); bench/mobilenetv2_tiny.py --seed {seed}\n")
        f.write(f"func.func @model(%x: {plain([1, 3, 32, 32], 'i8')}) -> {plain([1, 10], 'i8')} {{\n"
                + "\n".join(header + base_consts + base_lines) + f"\n  return {out_b} : {plain([1, 10], 'i8')}\n}}\n")
    with open(os.path.join(out, "network.json"), "w") as f:
        json.dump(dict(layers=table, bound_ops=ops_bound,
                       weights=sum(t["weights"] for t in table),
                       nonzero=sum(t["nonzero"] for t in table)), f, indent=1)
    return table, ops_bound


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    table, bound = generate(args.out, args.seed)
    print(f"{len(table)} layers, {sum(t['weights'] for t in table)} weights "
          f"({sum(t['nonzero'] for t in table)} non-zero), bound {bound} operations")
