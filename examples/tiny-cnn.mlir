// A tiny multiplication-free CNN for 8x8 images, written by hand: shift
// convolution, AdderNet depthwise convolution with a folded BatchNorm, residual
// add, pooling and a shift classifier. scripts/demo.sh runs it.
//
//   shiftadd-run examples/tiny-cnn.mlir --entry=tiny_cnn --input=examples/tiny-cnn-input.npy

!img = !shiftadd.fixed<i8, 5>

func.func @tiny_cnn(%x: tensor<1x1x8x8x!img>) -> tensor<1x10x!shiftadd.fixed<i8, 3>> {
  // Shift convolution 1 -> 4 channels; weights 2^-1..2^-4 (5-bit code).
  %c1 = shiftadd.shift_conv2d %x {
      weights = dense<[[[[5, 2, 2], [-2, 2, -5], [-5, 4, 2]]], [[[-2, -3, 0], [-4, 3, 3], [0, -4, -4]]], [[[-2, 2, -3], [-3, -5, 0], [0, -3, -4]]], [[[-4, 2, 4], [5, 0, 5], [-3, 3, 4]]]]> : tensor<4x1x3x3xi8>,
      code = #shiftadd.code<bits = 5, max_exp = 0>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
    : tensor<1x1x8x8x!img> -> tensor<1x4x8x8x!shiftadd.fixed<i32, 19>>
  // Back to 5 fractional bits, with a bias per channel and a fused ReLU6 (6 * 2^5 > 127).
  %a1 = shiftadd.requantize %c1 {shift = array<i64: 14>, bias = array<i64: 8192, -8192, 0, 4096>,
                                 clamp = array<i64: 0, 127>}
    : tensor<1x4x8x8x!shiftadd.fixed<i32, 19>> -> tensor<1x4x8x8x!img>
  // Depthwise adder convolution; its BatchNorm scales (0.75, 0.5, 0.625, 0.25) are not all
  // powers of two, so the requantization uses multipliers.
  %c2 = shiftadd.adder_conv2d %a1 {
      weights = dense<[[[[8, 22, -13], [23, 37, -36], [2, -11, -36]]], [[[-34, -19, -25], [17, -23, 10], [28, -1, -30]]], [[[-35, -17, -8], [-1, -16, 27], [5, 37, 34]]], [[[16, -38, -23], [19, 3, 35], [16, 25, -36]]]]> : tensor<4x1x3x3xi8>,
      strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 4}
    : tensor<1x4x8x8x!img> -> tensor<1x4x8x8x!shiftadd.fixed<i32, 5>>
  %a2 = shiftadd.requantize %c2 {shift = array<i64: 0>, bias = array<i64: 900, 700, 800, 1200>,
                                 multiplier = array<i64: 1610612736, 1073741824, 1342177280, 536870912>}
    : tensor<1x4x8x8x!shiftadd.fixed<i32, 5>> -> tensor<1x4x8x8x!shiftadd.fixed<i8, 4>>
  // Residual: the block input (5 bits) plus the block output (4 bits), ReLU.
  %r = shiftadd.add %a1, %a2 {clamp = array<i64: 0, 127>}
    : tensor<1x4x8x8x!img>, tensor<1x4x8x8x!shiftadd.fixed<i8, 4>> -> tensor<1x4x8x8x!shiftadd.fixed<i8, 4>>
  %p = shiftadd.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x4x8x8x!shiftadd.fixed<i8, 4>> -> tensor<1x4x4x4x!shiftadd.fixed<i8, 4>>
  %g = shiftadd.global_avg_pool2d %p : tensor<1x4x4x4x!shiftadd.fixed<i8, 4>> -> tensor<1x4x1x1x!shiftadd.fixed<i8, 4>>
  %f = tensor.collapse_shape %g [[0], [1, 2, 3]] : tensor<1x4x1x1x!shiftadd.fixed<i8, 4>> into tensor<1x4x!shiftadd.fixed<i8, 4>>
  // Shift classifier with a 3-bit code (weights 1, 1/2, 1/4).
  %l = shiftadd.shift_linear %f {
      weights = dense<[[-1, 3, -2, -2], [-1, -2, 1, 0], [-3, -3, -1, -2], [-1, 2, -3, 1], [1, 2, 2, 1], [-3, 2, -3, 2], [3, 3, -2, 2], [3, 1, 0, -2], [1, -1, 1, -3], [0, 0, -3, 2]]> : tensor<10x4xi8>,
      code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 4>> -> tensor<1x10x!shiftadd.fixed<i32, 6>>
  %logits = shiftadd.requantize %l {shift = array<i64: 3>}
    : tensor<1x10x!shiftadd.fixed<i32, 6>> -> tensor<1x10x!shiftadd.fixed<i8, 3>>
  return %logits : tensor<1x10x!shiftadd.fixed<i8, 3>>
}
