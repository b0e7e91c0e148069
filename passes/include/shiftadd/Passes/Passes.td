//===- Passes.td - shiftadd passes -------------------------*- tablegen -*-===//

#ifndef SHIFTADD_PASSES_TD
#define SHIFTADD_PASSES_TD

include "mlir/Pass/PassBase.td"

def ShiftAddLowerToLoops : Pass<"shiftadd-lower-to-loops", "mlir::ModuleOp"> {
  let summary = "Lower shiftadd ops to multiplication-free loops on flat buffers";
  let description = [{
    Rewrites every function whose ops are shiftadd ops into loops (scf) over
    flat `memref<N x iB>` buffers whose data path uses only shifts, adds and
    subtracts, compares/selects, loads and stores; multiplications by constant
    weights of `mul_*` layers and requantization multipliers are emitted as
    `arith.muli` by a constant, for `shiftadd-expand-constant-multiplications`.

    * Signature: tensor arguments become input buffers and results become
      output buffers appended to the arguments (destination passing); the
      function returns nothing. Intermediate tensors get `memref.alloc`.
    * Layout: rank-4 tensors are stored channels-last (NHWC) between ops, so
      that a pixel's channels are adjacent; arguments and results stay
      row-major (NCHW) and are transposed at the boundary.
    * Addresses: every index is a loop-carried offset advanced by a constant,
      plus a constant: no index arithmetic multiplies.
    * Shift layers (weights as code): per output channel the taps are grouped
      by exponent, each group is a chain of adds/subs of the inputs, and the
      groups are combined by shifts: sum_p (sum_{taps of exponent p} +-x) <<
      (p - pmin). Zero weights cost nothing. Padding uses a zero-padded copy of
      the input so that the inner code has no bounds checks; a layer whose
      only user is a padded convolution writes its output into the interior
      of that buffer instead (the border filled first), and no copy is made,
      unless `padding-copies` is given: the producer's output then lives
      without the border, which lowers the arena of some networks.
    * A layer whose only user is a requantize is fused with it: the
      accumulator never leaves a register. The shift by a channel's lowest
      exponent in use (an adder layer's acc_shift) is left to the
      requantization: its rounding shift shifts that much less, or its
      multiplier is that much larger.
    * With `channel-tile=N`, a shift layer with one group sums N output
      channels together, input-major: each input is loaded once for the N
      accumulators, which stay in registers, and added shifted by its
      weight's exponent (no grouping by exponent). It pays where an add takes
      a shifted operand: Cortex-M4, 22 % fewer instructions at N = 8.
    * With `exponent-sums` as well, each channel of a tile keeps a partial
      sum per exponent: a weight costs one add and no shift, and each
      partial sum is shifted once when they are combined. It pays on cores
      without a shifted operand: rv32i, 16 % fewer instructions at N = 8.
    * With `pixel-pairs`, layers
      compute two output pixels per step, along the output width, or the
      height when the width is odd (a layer with neither even stays one
      pixel at a time):
      - a tile with exponent sums adds both in the 16-bit lanes of an i32:
        each loaded term packs the second pixel's input into the high half,
        `x + (x' << 16)`, so that one add accumulates a tap for both. A
        partial sum stays exact while it has at most 32767 / 2^(B-1) terms
        of B-bit inputs (a longer one is split). The lanes are separated
        when the partial sums are combined, once per group of them whose
        sum stays within 16 bits for every input in the layer's input range
        (its producer's clamp, else its type's): the second pixel's
        accumulator from each group's rounded high half, `(p + 2^15) >> 16`,
        the first's as the full 32-bit sum minus the second's `<< 16`, both
        exact modulo 2^32. Per channel this saves an add per non-zero weight
        and the second pixel's own combination (two instructions per partial
        sum), and costs four per group, two to separate the lanes and two per
        tap to pack the input (shared by the tile); a layer where that does
        not pay keeps one pixel at a time. Groups instead of one separation
        per partial sum: Cortex-M0 11 % and rv32i 8 % fewer instructions.
      - other unrolled layers (depthwise, adder, int8) pair pixels whose
        windows overlap and load the inputs they share once: a 3x3 window
        at stride 1 takes 12 loads for two pixels instead of 18.
      On the benchmark network: rv32i 12 % fewer instructions (lanes and
      shared loads); shared loads alone 2.5 to 3 % fewer on Cortex-M0,
      Cortex-M4 and AArch64 for 11 % more code, 1.5 % more on x86-64.
    * With `wide-inputs`, unrolled layers read an i32 copy of their input
      (made with the padding copy), so that an x86-64 add takes its input
      from memory: one instruction per weight instead of a load and an add,
      at the price of the copies in the arena.
    * With `tile-words`, shift layers with one group are tiled even one
      channel at a time (with `exponent-sums`: a partial sum per exponent)
      and read words: before each output row, the kh input rows its windows
      cover are copied into a row buffer of i32, with pixel pairs' lanes
      packed into the words (`x + x' << 16`) where the lanes pay, so that a
      weight costs a word load and an add, for both pixels of a pair. It
      pays where words are the only loads with an immediate offset: on
      Cortex-M0 (Thumb-1 `ldr rt, [rn, #4*imm5]`; its signed byte load takes
      a register offset only) 30 % fewer instructions with pixel pairs and
      `shiftadd-rebase-offsets`, for one row buffer in memory. The copy
      zero-extends inputs known non-negative (a producer's clamp, e.g. a
      ReLU), so that their byte loads take an immediate offset too.
    * Packed layers (`shiftadd-pack-weights`) loop over their output channels
      at run time and requantize from per-channel tables (below), so that
      neither the IR nor the compile time grows with the channel count.
    * Element-wise ops (clamp, add, requantize to the same type) compute in
      place over an input buffer that nothing reads later.
    * With `channel-blocks`, each output channel's straight-line sum sits in
      a block of its own (an `scf.if` on a condition that always holds but
      that llc cannot fold), so that llc does not keep values live across all
      channels of a pixel. For cores with few registers: on Cortex-M0 it
      removes 12 % of the instructions (spill code) and 24 % of the code; on
      Cortex-M4 and x86-64 the extra branch costs 4 to 6 %. Tiled layers
      (`channel-tile`, `tile-words`) have no blocks: on Cortex-M0 the rows of
      words took 5 % fewer instructions without.
    * Pooling divides by the window count with a shift-subtract loop (exact
      `D(S, n)`, spec section 9).
  }];
  let options = [
    Option<"channelBlocks", "channel-blocks", "bool", /*default=*/"false",
           "One block per output channel (for cores with few registers, e.g. Cortex-M0)">,
    Option<"channelTile", "channel-tile", "unsigned", /*default=*/"1",
           "Output channels of a shift layer (groups = 1) summed together: each input is "
           "loaded once for all of them">,
    Option<"exponentSums", "exponent-sums", "bool", /*default=*/"false",
           "With channel-tile: a partial sum per channel and exponent, so that each weight costs "
           "one add and the shifts come once per exponent (cores without a shifted operand, e.g. RISC-V)">,
    Option<"pixelPairs", "pixel-pairs", "bool", /*default=*/"false",
           "Two output pixels per step: 16-bit lanes of an i32 for tiles with exponent sums (rv32i), "
           "shared loads of overlapping windows elsewhere">,
    Option<"wideInputs", "wide-inputs", "bool", /*default=*/"false",
           "Unrolled layers read an i32 copy of their input (cores that add from memory, e.g. x86-64)">,
    Option<"paddingCopies", "padding-copies", "bool", /*default=*/"false",
           "Padded layers copy their input into a padded buffer even where its producer could write the "
           "border (a smaller arena on some networks, more instructions)">,
    Option<"tileWords", "tile-words", "bool", /*default=*/"false",
           "Shift layers with one group are tiled even one channel at a time and read, per output row, "
           "i32 copies of its input rows, pixel pairs packed in them (cores whose only immediate-offset "
           "loads of these values are word loads, e.g. Cortex-M0)">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect", "mlir::func::FuncDialect"];
}

def ShiftAddPackWeights : Pass<"shiftadd-pack-weights", "mlir::ModuleOp"> {
  let summary = "Store shift layers' weights as packed codes for flash";
  let description = [{
    For each shift layer with at least `min-weights` weights, writes its
    weights as `bits`-bit sign-magnitude codes, least significant bit first
    (spec section 3, "Packed storage"), into a constant `memref.global` of
    i8 (plus one zero byte, so that a decoder may always read two bytes) and
    points the layer's `packed` attribute at it.

    `shiftadd-lower-to-loops` then emits, instead of one add per weight in
    straight-line code, a run-time loop over the output channels (groups,
    then channels) with a loop over the taps that decodes each code and adds
    `+-x << (p - pmin)`: a 5-bit weight costs 5/8 of a byte of flash instead
    of about 8 bytes of code, and about 15 instructions instead of about 2.
    A fused requantization reads its constants from a table beside the codes
    (`<codes>_requantize`, i32): in power-of-two mode 3 entries per channel,
    `{bias + 2^(s-1), left shift, right shift}`; in multiplier mode 4 entries
    and one byte per non-zero signed digit of the multiplier
    (`<codes>_digits`), summed as `+-x << k` in 64 bits built from i32
    shifts (see docs/codegen.md). A layer whose requantization the table form
    cannot compute exactly in those widths keeps one unrolled block per
    channel. Compile time and code size no longer grow with the weights or
    the channels.
  }];
  let options = [
    Option<"minWeights", "min-weights", "int64_t", /*default=*/"0",
           "Pack only layers with at least this many weights">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ShiftAddExpandConstantMultiplications
    : Pass<"shiftadd-expand-constant-multiplications"> {
  let summary = "Replace multiplications by constants with shifts and adds (CSD)";
  let description = [{
    Every `arith.muli` with a constant operand becomes shifts and adds/subs of
    the other operand following the constant's canonical signed-digit form
    (non-adjacent form: the fewest non-zero digits, at most ceil(bits/2)+1).

    Cost model: a constant with d non-zero signed digits costs d - 1
    adds/subs and at most d shifts; the terms are summed as a balanced tree,
    so the adder depth is ceil(log2 d). Shifted copies of the same operand
    are shared between constants of one block by CSE. A multiplication by 0
    is 0, by +-2^k a single shift (and negation).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def ShiftAddVerifyMultFree : Pass<"shiftadd-verify-mult-free"> {
  let summary = "Fail on any multiplication or division left in the IR";
  let description = [{
    Fails with the op's location on any `arith.muli`, `arith.mulsi_extended`,
    `arith.mului_extended`, integer division or remainder, `math.ipowi`,
    `llvm.mul`/`llvm.sdiv`/`llvm.udiv`/`llvm.srem`/`llvm.urem`, or
    `affine.apply`, whatever the operand types: index arithmetic is held to
    the same rule as data, because on cores without a multiplier an address
    computation would also call a multiplication routine. Run it after
    `shiftadd-expand-constant-multiplications`.
  }];
}

def ShiftAddStaticBuffers : Pass<"shiftadd-static-buffers", "mlir::ModuleOp"> {
  let summary = "Turn every memref.alloc into a private zero-initialized global";
  let description = [{
    Generated code must not call malloc: each statically shaped
    `memref.alloc` becomes a `memref.global` (in .bss) read with
    `memref.get_global`, and `memref.dealloc` is dropped. Buffers are not
    reused across layers.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ShiftAddPlanMemory : Pass<"shiftadd-plan-memory", "mlir::ModuleOp"> {
  let summary = "Place every buffer in one arena argument, reusing memory between lifetimes";
  let description = [{
    The static memory plan of `shiftaddc`. Each function gets a last argument
    `memref<A x i8>`, the arena, and every statically shaped `memref.alloc`
    becomes a `memref.view` into it at a fixed offset; `memref.dealloc` is
    dropped. A buffer lives from the top-level op that allocates it to the
    last top-level op that uses it or a view of it (the lowering emits one
    top-level loop nest per layer). Buffers are placed greedily, largest
    first, at the lowest 16-byte-aligned offset that overlaps no buffer alive
    at the same time, so `A` is the peak of simultaneously live activations
    up to alignment and fragmentation (the function attribute
    `shiftadd.arena_size` records it; `shiftadd.arena_peak` records the sum
    of the largest set of buffers alive at once, the lower bound). Buffers
    are not shared in place: an op never writes the buffer it reads.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def ShiftAddOutlineLoops : Pass<"shiftadd-outline-loops", "mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of a function into a private function";
  let description = [{
    The lowering emits one function per model whose body is a sequence of
    top-level loop nests, a few per layer. This pass moves each `scf.for` at
    the top level of a function body whose results are unused into a new
    private function `__shiftadd_<function>_loop<N>` (internal linkage in the
    object file) and calls it in its place. Constants and `memref.get_global`
    results are cloned into the new function (offsets stay immediates for the
    code generator); every other value from above becomes an argument. A
    loop that reads a memref with a dynamic shape or a non-identity layout
    (which the bare-pointer calling convention cannot pass) stays where it is.

    Why: in one function of hundreds of thousands of instructions the
    register allocator's spill slots pile up in a frame of about 2 KB,
    beyond the 1 KB that Thumb-1's `ldr rt, [sp, #imm]` reaches,
    so that every reload takes three instructions on Cortex-M0; and llc's
    time grows faster than linearly with a function's size. A call per loop
    nest costs a few instructions per layer (docs/codegen.md has the
    measurements).
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect"];
}

def ShiftAddRebaseOffsets : Pass<"shiftadd-rebase-offsets"> {
  let summary = "Split large constant offsets of loads and stores into a shared chunk base and a small remainder";
  let description = [{
    Unrolled layers load each tap, and store each output channel, at a
    constant offset from an offset that their loop carries:
    `memref.load %buf[%t]` with `%t = arith.addi %o, C`. For each word load,
    byte load whose only users zero-extend it, word store or byte store to a
    rank-1 memref whose index has that form
    with `C >= reach`, the index becomes `(%o + (C - C mod reach)) + C mod
    reach`; the first sum (the chunk's base) is created once per block,
    before the first access of its chunk, and shared by the block's other
    accesses of that chunk. Run it after the last canonicalization, which
    would fold the two sums back into one.

    Why: Thumb-1 `ldr`/`str rt, [rn, #imm]` reach 31 words and `ldrb`/`strb`
    31 bytes; a larger offset is moved into a register for every access (and
    shifted, beyond 255). With chunk bases, the code generator computes one
    address per chunk of `reach` elements and gives each access an
    immediate offset. Sign-extended byte loads are left alone: Thumb-1's
    `ldrsb` takes a register offset only. (The lowering zero-extends the
    inputs it knows non-negative, e.g. after a ReLU, where that matters.)
  }];
  let options = [
    Option<"reach", "reach", "unsigned", /*default=*/"32",
           "Elements an immediate offset reaches (32: Thumb-1 word and byte loads and stores)">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def ShiftAddMarkNoUnwind : Pass<"shiftadd-mark-nounwind", "mlir::ModuleOp"> {
  let summary = "Mark every LLVM function nounwind";
  let description = [{
    Generated code never throws; without `nounwind`, ARM objects reference
    `__aeabi_unwind_cpp_pr0`, which bare-metal firmware does not have.
  }];
}

#endif // SHIFTADD_PASSES_TD
