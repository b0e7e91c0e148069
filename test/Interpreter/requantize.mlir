// RUN: shiftadd-run %s | FileCheck %s
// Canonicalization must not change a single integer:
// RUN: shiftadd-opt %s --canonicalize | shiftadd-run - | FileCheck %s
// Spec section 7.

!acc = !shiftadd.fixed<i32, 4>

// The spec's example: acc = [37, -37, 20] (three images, one channel), bias 3, shift 2:
// v = [40, -34, 23] -> [10, -8, 6]; with the ReLU clamp [0, 127]: [10, 0, 6].
// CHECK: @spec_example #0 : 3x1 = [10, -8, 6]
// CHECK: @spec_example #1 : 3x1 = [10, 0, 6]
func.func @spec_example() -> (tensor<3x1x!shiftadd.fixed<i8, 2>>, tensor<3x1x!shiftadd.fixed<i8, 2>>) {
  %acc = shiftadd.constant dense<[[37], [-37], [20]]> : tensor<3x1xi32> -> tensor<3x1x!acc>
  %y = shiftadd.requantize %acc {shift = array<i64: 2>, bias = array<i64: 3>}
    : tensor<3x1x!acc> -> tensor<3x1x!shiftadd.fixed<i8, 2>>
  %r = shiftadd.requantize %acc {shift = array<i64: 2>, bias = array<i64: 3>, clamp = array<i64: 0, 127>}
    : tensor<3x1x!acc> -> tensor<3x1x!shiftadd.fixed<i8, 2>>
  return %y, %r : tensor<3x1x!shiftadd.fixed<i8, 2>>, tensor<3x1x!shiftadd.fixed<i8, 2>>
}

// Multiplier mode: 100 * 2^30 / 2^31 = 50 (factor 0.5); 100 * 3 * 2^29 / 2^31 = 75 (0.75);
// per channel, with shift 0 in both.
// CHECK: @multiplier_mode #0 : 1x2 = [50, 75]
func.func @multiplier_mode() -> tensor<1x2x!shiftadd.fixed<i8, 4>> {
  %acc = shiftadd.constant dense<[[100, 100]]> : tensor<1x2xi32> -> tensor<1x2x!acc>
  %y = shiftadd.requantize %acc {shift = array<i64: 0>, multiplier = array<i64: 1073741824, 1610612736>}
    : tensor<1x2x!acc> -> tensor<1x2x!shiftadd.fixed<i8, 4>>
  return %y : tensor<1x2x!shiftadd.fixed<i8, 4>>
}

// Multiplier mode rounds once: 7 * (2^31 - 1) / 2^33 = 1.7499... -> 2; a 64-bit
// product near the top (2^31 - 1)^2 / 2^61 = 2 also stays exact.
// CHECK: @multiplier_extremes #0 : 1x2 = [2, 2]
func.func @multiplier_extremes() -> tensor<1x2x!shiftadd.fixed<i8, 0>> {
  %acc = shiftadd.constant dense<[[7, 2147483647]]> : tensor<1x2xi32> -> tensor<1x2x!shiftadd.fixed<i32, 0>>
  %y = shiftadd.requantize %acc {shift = array<i64: 2, 30>, multiplier = array<i64: 2147483647>}
    : tensor<1x2x!shiftadd.fixed<i32, 0>> -> tensor<1x2x!shiftadd.fixed<i8, 0>>
  return %y : tensor<1x2x!shiftadd.fixed<i8, 0>>
}

// Saturation to the result type, per-channel shifts and biases, a left shift, i16.
// Channel 0: R(1000, 0) = 1000 -> 127 in i8; channel 1: R(-1000 + 8, -1) = -1984.
// CHECK: @saturate_and_widen #0 : 1x2 = [127, -128]
// CHECK: @saturate_and_widen #1 : 1x2 = [1000, -1984]
func.func @saturate_and_widen() -> (tensor<1x2x!shiftadd.fixed<i8, 4>>, tensor<1x2x!shiftadd.fixed<i16, 4>>) {
  %acc = shiftadd.constant dense<[[1000, -1000]]> : tensor<1x2xi32> -> tensor<1x2x!acc>
  %a = shiftadd.requantize %acc {shift = array<i64: 0, -1>, bias = array<i64: 0, 8>}
    : tensor<1x2x!acc> -> tensor<1x2x!shiftadd.fixed<i8, 4>>
  %b = shiftadd.requantize %acc {shift = array<i64: 0, -1>, bias = array<i64: 0, 8>}
    : tensor<1x2x!acc> -> tensor<1x2x!shiftadd.fixed<i16, 4>>
  return %a, %b : tensor<1x2x!shiftadd.fixed<i8, 4>>, tensor<1x2x!shiftadd.fixed<i16, 4>>
}

// A chain that --canonicalize folds into one requantize (see canonicalize.mlir):
// the second RUN line checks the same integers. acc = 3*4 + -2*-1 = 14 for x = [3, -2];
// (14 + 1) * 4 = 60; R(60 + 8, 5) = 2.  And for x = [-128, 127]: -512 - 127 = -639;
// (-639 + 1) * 4 = -2552; R(-2544, 5) = -79 -> clamp 0.
// CHECK: @requantize_chain #0 : 2x1 = [2, 0]
func.func @requantize_chain() -> tensor<2x1x!shiftadd.fixed<i8, 3>> {
  %x = shiftadd.constant dense<[[3, -2], [-128, 127]]> : tensor<2x2xi8> -> tensor<2x2x!shiftadd.fixed<i8, 2>>
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<2x2x!shiftadd.fixed<i8, 2>> -> tensor<2x1x!shiftadd.fixed<i32, 4>>
  %wide = shiftadd.requantize %acc {shift = array<i64: -2>, bias = array<i64: 1>}
    : tensor<2x1x!shiftadd.fixed<i32, 4>> -> tensor<2x1x!shiftadd.fixed<i32, 6>>
  %y = shiftadd.requantize %wide {shift = array<i64: 5>, bias = array<i64: 8>, clamp = array<i64: 0, 127>}
    : tensor<2x1x!shiftadd.fixed<i32, 6>> -> tensor<2x1x!shiftadd.fixed<i8, 3>>
  return %y : tensor<2x1x!shiftadd.fixed<i8, 3>>
}
