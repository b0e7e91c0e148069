//===- ShiftAddOps.td - shiftadd operations ----------------*- tablegen -*-===//
//
// One op per operator of docs/spec.md. Verifiers check every constraint the
// spec states (code ranges, shapes, strides, pads, groups, formats) and the
// int32 range of every accumulator (spec section 6).
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_OPS_TD
#define SHIFTADD_OPS_TD

include "shiftadd/IR/ShiftAddDialect.td"
include "shiftadd/IR/ShiftAddTypes.td"
include "shiftadd/IR/ShiftAddAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// An i64 attribute read as a signed value (I64Attr's getter zero-extends).
def ShiftAdd_IntAttr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                                    "64-bit signed integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

def ShiftAdd_ConstantOp : ShiftAdd_Op<"constant", [ConstantLike, Pure]> {
  let summary = "fixed-point tensor constant";
  let description = [{
    A tensor of fixed-point numbers given by its stored integers. The value's
    shape must equal the result's and its integer width the storage width.

    ```mlir
    %c = shiftadd.constant dense<[3, -2]> : tensor<2xi8>
           -> tensor<2x!shiftadd.fixed<i8, 2>>   // 0.75, -0.5
    ```
  }];
  let arguments = (ins AnyIntElementsAttr:$value);
  let results = (outs ShiftAdd_FixedTensor:$output);
  let assemblyFormat = "$value attr-dict `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Layers with weights
//===----------------------------------------------------------------------===//

// The weights differ by operator; input, output and geometry do not.
class ShiftAdd_WeightedOp<string mnemonic, dag weightArgs, dag geometryArgs>
    : ShiftAdd_Op<mnemonic, [Pure]> {
  let arguments = !con((ins ShiftAdd_FixedTensor:$input), weightArgs, geometryArgs);
  let results = (outs ShiftAdd_FixedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

defvar Conv2dGeometry = (ins
  DenseI64ArrayAttr:$strides,
  DenseI64ArrayAttr:$pads,
  DefaultValuedAttr<ShiftAdd_IntAttr, "1">:$groups);

// Set by shiftadd-pack-weights: the weights also live, packed as in spec
// section 3, in this memref.global, and the lowering decodes them at run time.
defvar PackedWeights = (ins OptionalAttr<FlatSymbolRefAttr>:$packed);

def ShiftAdd_ShiftConv2dOp : ShiftAdd_WeightedOp<"shift_conv2d",
    !con((ins SignlessIntElementsAttr<8>:$weights, ShiftAdd_ShiftCodeAttr:$code), PackedWeights),
    Conv2dGeometry> {
  let summary = "convolution with power-of-two weights";
  let description = [{
    2-D convolution (NCHW input, OIHW levels) whose weights are `±2^p` or 0,
    stored as signed levels of `code` (spec sections 3, 5). Grouped and
    depthwise forms use `groups`. `pads` are [top, left, bottom, right]. The
    result is the exact `i32` accumulator at `f_in - code.minExp` fractional
    bits. `packed` (set by `shiftadd-pack-weights`) names a `memref.global`
    with the same weights in the packed format of spec section 3.

    ```mlir
    %acc = shiftadd.shift_conv2d %x {
        weights = dense<...> : tensor<8x3x3x3xi8>,
        code = #shiftadd.code<bits = 5, max_exp = 0>,
        strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x3x32x32x!shiftadd.fixed<i8, 5>>
      -> tensor<1x8x32x32x!shiftadd.fixed<i32, 19>>
    ```
  }];
  let hasFolder = 1;
}

def ShiftAdd_ShiftLinearOp : ShiftAdd_WeightedOp<"shift_linear",
    !con((ins SignlessIntElementsAttr<8>:$weights, ShiftAdd_ShiftCodeAttr:$code), PackedWeights),
    (ins)> {
  let summary = "fully connected layer with power-of-two weights";
  let description = [{
    `(N, I) x (O, I) -> (N, O)` with weights as signed levels of `code`
    (spec sections 3, 5); the result is the exact `i32` accumulator at
    `f_in - code.minExp` fractional bits.

    ```mlir
    %acc = shiftadd.shift_linear %x {
        weights = dense<[[1, -3]]> : tensor<1x2xi8>,
        code = #shiftadd.code<bits = 3, max_exp = 0>}
      : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
    ```
  }];
  let hasFolder = 1;
}

def ShiftAdd_AdderConv2dOp : ShiftAdd_WeightedOp<"adder_conv2d",
    (ins SignlessIntElementsAttr<8>:$weights,
         DefaultValuedAttr<ShiftAdd_IntAttr, "0">:$acc_shift), Conv2dGeometry> {
  let summary = "AdderNet convolution: minus the L1 distance to the filter";
  let description = [{
    `acc = -sum |x - w| * 2^acc_shift` over each window (spec section 4), with
    `i8` weights at the input's format and padded inputs taking the value 0.
    The result is the `i32` accumulator at the input's fractional bits plus
    `acc_shift` (0 to 31): the spare bits give the bias of the requantization
    that follows its fractional bits (an importer folding BatchNorm sets it).

    ```mlir
    %acc = shiftadd.adder_conv2d %x {
        weights = dense<...> : tensor<8x3x3x3xi8>,
        strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x3x32x32x!shiftadd.fixed<i8, 5>>
      -> tensor<1x8x32x32x!shiftadd.fixed<i32, 5>>
    ```
  }];
}

def ShiftAdd_MulConv2dOp : ShiftAdd_WeightedOp<"mul_conv2d",
    (ins SignlessIntElementsAttr<8>:$weights, ShiftAdd_IntAttr:$weight_frac),
    Conv2dGeometry> {
  let summary = "ordinary convolution with int8 weights";
  let description = [{
    A multiplicative layer (for example a first or last layer kept
    multiplicative): `acc = sum x * w` with `i8` weights of `weight_frac`
    fractional bits, result at `f_in + weight_frac` (spec section 5). The
    compiler replaces its constant multiplications by shifts and adds.

    ```mlir
    %acc = shiftadd.mul_conv2d %x {
        weights = dense<...> : tensor<8x3x3x3xi8>, weight_frac = 6 : i64,
        strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x3x32x32x!shiftadd.fixed<i8, 5>>
      -> tensor<1x8x16x16x!shiftadd.fixed<i32, 11>>
    ```
  }];
  let hasFolder = 1;
}

def ShiftAdd_MulLinearOp : ShiftAdd_WeightedOp<"mul_linear",
    (ins SignlessIntElementsAttr<8>:$weights, ShiftAdd_IntAttr:$weight_frac), (ins)> {
  let summary = "ordinary fully connected layer with int8 weights";
  let description = [{
    `(N, I) x (O, I) -> (N, O)`, `acc = sum x * w`, result at
    `f_in + weight_frac` fractional bits (spec section 5).

    ```mlir
    %acc = shiftadd.mul_linear %x {
        weights = dense<[[5, -3]]> : tensor<1x2xi8>, weight_frac = 3 : i64}
      : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 5>>
    ```
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Requantization and element-wise ops
//===----------------------------------------------------------------------===//

def ShiftAdd_RequantizeOp : ShiftAdd_Op<"requantize", [Pure]> {
  let summary = "bias, per-channel rescale with rounding, and saturation";
  let description = [{
    Turns an `i32` accumulator into a tensor of another fixed-point type of
    the same shape (spec section 7). Per channel (axis 1) `c`, or once for all
    channels when an array has one element: `v = acc + bias[c]`, then
    `R(v, shift[c])` in power-of-two mode or `R(v * multiplier[c],
    shift[c] + 31)` in multiplier mode, then clamped to `clamp` (`[lo, hi]`,
    optional) and to the result type's range.

    ```mlir
    %y = shiftadd.requantize %acc {shift = array<i64: 2>, bias = array<i64: 3>,
                                   clamp = array<i64: 0, 127>}
      : tensor<3x1x!shiftadd.fixed<i32, 4>> -> tensor<3x1x!shiftadd.fixed<i8, 2>>
    ```
  }];
  let arguments = (ins
    ShiftAdd_FixedTensor:$input,
    DenseI64ArrayAttr:$shift,
    OptionalAttr<DenseI64ArrayAttr>:$bias,
    OptionalAttr<DenseI64ArrayAttr>:$multiplier,
    OptionalAttr<DenseI64ArrayAttr>:$clamp);
  let results = (outs ShiftAdd_FixedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Size of the channel axis (1); 1 for rank-1 tensors.
    int64_t getNumChannels();
  }];
}

def ShiftAdd_AddOp : ShiftAdd_Op<"add", [Pure, Commutative]> {
  let summary = "residual add of tensors with different formats";
  let description = [{
    Both inputs are brought exactly to the finer of their two formats, added,
    rounded to the result format and clamped to `clamp` (optional, `[lo, hi]`)
    and the result type's range (spec section 8). Shapes must be equal.

    ```mlir
    %z = shiftadd.add %x, %y : tensor<4x!shiftadd.fixed<i8, 2>>,
           tensor<4x!shiftadd.fixed<i8, 3>> -> tensor<4x!shiftadd.fixed<i8, 2>>
    ```
  }];
  let arguments = (ins ShiftAdd_FixedTensor:$lhs, ShiftAdd_FixedTensor:$rhs,
                       OptionalAttr<DenseI64ArrayAttr>:$clamp);
  let results = (outs ShiftAdd_FixedTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)";
  let hasVerifier = 1;
}

def ShiftAdd_ClampOp : ShiftAdd_Op<"clamp", [Pure, SameOperandsAndResultType]> {
  let summary = "clamp to integer bounds (ReLU, ReLU6)";
  let description = [{
    `clamp(x, min, max)` in storage units, format unchanged (spec section 8).
    ReLU is `min = 0`; ReLU6 at `f` fractional bits is `max = 6 * 2^f`.

    ```mlir
    %r = shiftadd.clamp %x {min = 0 : i64, max = 96 : i64}
      : tensor<1x8x4x4x!shiftadd.fixed<i8, 4>>   // ReLU6
    ```
  }];
  let arguments = (ins ShiftAdd_FixedTensor:$input, ShiftAdd_IntAttr:$min, ShiftAdd_IntAttr:$max);
  let results = (outs ShiftAdd_FixedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class ShiftAdd_PoolOp<string mnemonic, dag extraArgs = (ins)>
    : ShiftAdd_Op<mnemonic, [Pure]> {
  let arguments = !con((ins ShiftAdd_FixedTensor:$input,
                            DenseI64ArrayAttr:$kernel,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$pads), extraArgs);
  let results = (outs ShiftAdd_FixedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def ShiftAdd_MaxPool2dOp : ShiftAdd_PoolOp<"max_pool2d"> {
  let summary = "max pooling";
  let description = [{
    The largest image element of each window; padded positions are ignored
    (spec section 9).

    ```mlir
    %p = shiftadd.max_pool2d %x {kernel = array<i64: 2, 2>,
           strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
      : tensor<1x8x8x8x!shiftadd.fixed<i8, 4>> -> tensor<1x8x4x4x!shiftadd.fixed<i8, 4>>
    ```
  }];
}

def ShiftAdd_AvgPool2dOp : ShiftAdd_PoolOp<"avg_pool2d",
    (ins DefaultValuedAttr<BoolAttr, "false">:$count_include_pad)> {
  let summary = "average pooling with exactly rounded division";
  let description = [{
    `D(S, n)`: the window's sum divided by its element count rounded half up;
    `n` counts padded positions only with `count_include_pad` (spec section 9).

    ```mlir
    %p = shiftadd.avg_pool2d %x {kernel = array<i64: 3, 3>,
           strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x8x5x5x!shiftadd.fixed<i8, 4>> -> tensor<1x8x5x5x!shiftadd.fixed<i8, 4>>
    ```
  }];
}

def ShiftAdd_GlobalAvgPool2dOp : ShiftAdd_Op<"global_avg_pool2d", [Pure]> {
  let summary = "global average pooling with exactly rounded division";
  let description = [{
    `D(S, H * W)` per image and channel; the result is N x C x 1 x 1 with the
    input's format (spec section 9).

    ```mlir
    %g = shiftadd.global_avg_pool2d %x
      : tensor<1x8x3x3x!shiftadd.fixed<i8, 4>> -> tensor<1x8x1x1x!shiftadd.fixed<i8, 4>>
    ```
  }];
  let arguments = (ins ShiftAdd_FixedTensor:$input);
  let results = (outs ShiftAdd_FixedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

#endif // SHIFTADD_OPS_TD
