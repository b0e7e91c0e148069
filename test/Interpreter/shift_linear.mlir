// RUN: shiftadd-run %s | FileCheck %s
// Spec sections 3 and 5: shift weights as integer powers of two at the accumulator's scale.

// The spec's example: x = [0.75, -0.5], weights [1, -0.25] (3-bit code: W = [4, -1]),
// acc = 12 + 2 = 14 at 4 fractional bits = 0.875.
// CHECK: @spec_example #0 : 1x1 = [14]
func.func @spec_example() -> tensor<1x1x!shiftadd.fixed<i32, 4>> {
  %x = shiftadd.constant dense<[[3, -2]]> : tensor<1x2xi8> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  return %acc : tensor<1x1x!shiftadd.fixed<i32, 4>>
}

// max_exp = 2 makes weight 4 representable: levels [1, 2, 0, -3] are 4, 2, 0, -1
// (pmin = 0, so W equals w); two images, two outputs (the second is the negation).
// x = [1, 2, 3, 4]: 4 + 4 + 0 - 4 = 4.  x = [-1, 0, 5, -2]: -4 + 0 + 0 + 2 = -2.
// CHECK: @max_exp_and_batch #0 : 2x2 = [4, -4, -2, 2]
func.func @max_exp_and_batch() -> tensor<2x2x!shiftadd.fixed<i32, 0>> {
  %x = shiftadd.constant dense<[[1, 2, 3, 4], [-1, 0, 5, -2]]> : tensor<2x4xi8> -> tensor<2x4x!shiftadd.fixed<i8, 0>>
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, 2, 0, -3], [-1, -2, 0, 3]]> : tensor<2x4xi8>,
                                   code = #shiftadd.code<bits = 3, max_exp = 2>}
    : tensor<2x4x!shiftadd.fixed<i8, 0>> -> tensor<2x2x!shiftadd.fixed<i32, 0>>
  return %acc : tensor<2x2x!shiftadd.fixed<i32, 0>>
}

// The extremes of the default 5-bit code: level 1 is 2^14, level 15 is 1, on i16 inputs.
// CHECK: @default_code_extremes #0 : 1x1 = [-536838145]
func.func @default_code_extremes() -> tensor<1x1x!shiftadd.fixed<i32, 14>> {
  %x = shiftadd.constant dense<[[-32768, 32767]]> : tensor<1x2xi16> -> tensor<1x2x!shiftadd.fixed<i16, 0>>
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, 15]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 5, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i16, 0>> -> tensor<1x1x!shiftadd.fixed<i32, 14>>
  return %acc : tensor<1x1x!shiftadd.fixed<i32, 14>>
}
