// RUN: shiftadd-opt %s --canonicalize --split-input-file | FileCheck %s

// A layer whose weights are all zero is a zero accumulator.
// CHECK-LABEL: func.func @zero_shift_weights
// CHECK-NOT: shiftadd.shift_conv2d
// CHECK: %[[Z:.*]] = shiftadd.constant dense<0> : tensor<1x2x2x2xi32> -> tensor<1x2x2x2x!shiftadd.fixed<i32, 19>>
// CHECK: return %[[Z]]
func.func @zero_shift_weights(%x: tensor<1x1x2x2x!shiftadd.fixed<i8, 5>>) -> tensor<1x2x2x2x!shiftadd.fixed<i32, 19>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<0> : tensor<2x1x1x1xi8>, code = #shiftadd.code<bits = 5, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x1x2x2x!shiftadd.fixed<i8, 5>> -> tensor<1x2x2x2x!shiftadd.fixed<i32, 19>>
  return %acc : tensor<1x2x2x2x!shiftadd.fixed<i32, 19>>
}

// CHECK-LABEL: func.func @zero_mul_weights
// CHECK: shiftadd.constant dense<0> : tensor<1x2xi32>
func.func @zero_mul_weights(%x: tensor<1x3x!shiftadd.fixed<i8, 5>>) -> tensor<1x2x!shiftadd.fixed<i32, 5>> {
  %acc = shiftadd.mul_linear %x {weights = dense<0> : tensor<2x3xi8>, weight_frac = 0}
    : tensor<1x3x!shiftadd.fixed<i8, 5>> -> tensor<1x2x!shiftadd.fixed<i32, 5>>
  return %acc : tensor<1x2x!shiftadd.fixed<i32, 5>>
}

// An adder layer with zero weights is -sum|x|, not zero: it stays.
// CHECK-LABEL: func.func @zero_adder_weights_stay
// CHECK: shiftadd.adder_conv2d
func.func @zero_adder_weights_stay(%x: tensor<1x1x2x2x!shiftadd.fixed<i8, 5>>) -> tensor<1x1x2x2x!shiftadd.fixed<i32, 5>> {
  %acc = shiftadd.adder_conv2d %x {weights = dense<0> : tensor<1x1x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x1x2x2x!shiftadd.fixed<i8, 5>> -> tensor<1x1x2x2x!shiftadd.fixed<i32, 5>>
  return %acc : tensor<1x1x2x2x!shiftadd.fixed<i32, 5>>
}

// -----

// CHECK-LABEL: func.func @identity_requantize
// CHECK-NEXT: return %arg0
func.func @identity_requantize(%x: tensor<1x2x!shiftadd.fixed<i32, 5>>) -> tensor<1x2x!shiftadd.fixed<i32, 5>> {
  %y = shiftadd.requantize %x {shift = array<i64: 0, 0>, bias = array<i64: 0>}
    : tensor<1x2x!shiftadd.fixed<i32, 5>> -> tensor<1x2x!shiftadd.fixed<i32, 5>>
  return %y : tensor<1x2x!shiftadd.fixed<i32, 5>>
}

// CHECK-LABEL: func.func @shifting_requantize_stays
// CHECK: shiftadd.requantize
func.func @shifting_requantize_stays(%x: tensor<1x2x!shiftadd.fixed<i32, 5>>) -> tensor<1x2x!shiftadd.fixed<i32, 5>> {
  %y = shiftadd.requantize %x {shift = array<i64: 0, 1>}
    : tensor<1x2x!shiftadd.fixed<i32, 5>> -> tensor<1x2x!shiftadd.fixed<i32, 5>>
  return %y : tensor<1x2x!shiftadd.fixed<i32, 5>>
}

// CHECK-LABEL: func.func @full_range_clamp
// CHECK-NEXT: return %arg0
func.func @full_range_clamp(%x: tensor<4x!shiftadd.fixed<i8, 5>>) -> tensor<4x!shiftadd.fixed<i8, 5>> {
  %y = shiftadd.clamp %x {min = -128, max = 127} : tensor<4x!shiftadd.fixed<i8, 5>>
  return %y : tensor<4x!shiftadd.fixed<i8, 5>>
}

// -----

// CHECK-LABEL: func.func @merge_clamps
// CHECK-NEXT: %[[C:.*]] = shiftadd.clamp %arg0 {max = 96 : i64, min = 0 : i64}
// CHECK-NEXT: return %[[C]]
func.func @merge_clamps(%x: tensor<4x!shiftadd.fixed<i8, 4>>) -> tensor<4x!shiftadd.fixed<i8, 4>> {
  %relu = shiftadd.clamp %x {min = 0, max = 127} : tensor<4x!shiftadd.fixed<i8, 4>>
  %relu6 = shiftadd.clamp %relu {min = -20, max = 96} : tensor<4x!shiftadd.fixed<i8, 4>>
  return %relu6 : tensor<4x!shiftadd.fixed<i8, 4>>
}

// Disjoint ranges are not an intersection: left alone.
// CHECK-LABEL: func.func @disjoint_clamps_stay
// CHECK-COUNT-2: shiftadd.clamp
func.func @disjoint_clamps_stay(%x: tensor<4x!shiftadd.fixed<i8, 4>>) -> tensor<4x!shiftadd.fixed<i8, 4>> {
  %a = shiftadd.clamp %x {min = 20, max = 30} : tensor<4x!shiftadd.fixed<i8, 4>>
  %b = shiftadd.clamp %a {min = 0, max = 10} : tensor<4x!shiftadd.fixed<i8, 4>>
  return %b : tensor<4x!shiftadd.fixed<i8, 4>>
}

// -----

// CHECK-LABEL: func.func @clamp_into_requantize
// CHECK-NEXT: %[[R:.*]] = shiftadd.requantize %arg0 {clamp = array<i64: 0, 96>, shift = array<i64: 3>}
// CHECK-NEXT: return %[[R]]
func.func @clamp_into_requantize(%acc: tensor<1x2x!shiftadd.fixed<i32, 7>>) -> tensor<1x2x!shiftadd.fixed<i8, 4>> {
  %y = shiftadd.requantize %acc {shift = array<i64: 3>} : tensor<1x2x!shiftadd.fixed<i32, 7>> -> tensor<1x2x!shiftadd.fixed<i8, 4>>
  %r = shiftadd.clamp %y {min = 0, max = 96} : tensor<1x2x!shiftadd.fixed<i8, 4>>
  return %r : tensor<1x2x!shiftadd.fixed<i8, 4>>
}

// The requantize has another user that needs its full range.
// CHECK-LABEL: func.func @shared_requantize_keeps_clamp
// CHECK: shiftadd.requantize %arg0 {shift = array<i64: 3>}
// CHECK: shiftadd.clamp
func.func @shared_requantize_keeps_clamp(%acc: tensor<1x2x!shiftadd.fixed<i32, 7>>)
    -> (tensor<1x2x!shiftadd.fixed<i8, 4>>, tensor<1x2x!shiftadd.fixed<i8, 4>>) {
  %y = shiftadd.requantize %acc {shift = array<i64: 3>} : tensor<1x2x!shiftadd.fixed<i32, 7>> -> tensor<1x2x!shiftadd.fixed<i8, 4>>
  %r = shiftadd.clamp %y {min = 0, max = 96} : tensor<1x2x!shiftadd.fixed<i8, 4>>
  return %r, %y : tensor<1x2x!shiftadd.fixed<i8, 4>>, tensor<1x2x!shiftadd.fixed<i8, 4>>
}

// CHECK-LABEL: func.func @clamp_into_add
// CHECK-NEXT: %[[S:.*]] = shiftadd.add %arg0, %arg1 {clamp = array<i64: 0, 50>}
// CHECK-NEXT: return %[[S]]
func.func @clamp_into_add(%x: tensor<4x!shiftadd.fixed<i8, 4>>, %y: tensor<4x!shiftadd.fixed<i8, 3>>) -> tensor<4x!shiftadd.fixed<i8, 4>> {
  %s = shiftadd.add %x, %y {clamp = array<i64: -100, 50>} : tensor<4x!shiftadd.fixed<i8, 4>>, tensor<4x!shiftadd.fixed<i8, 3>> -> tensor<4x!shiftadd.fixed<i8, 4>>
  %r = shiftadd.clamp %s {min = 0, max = 127} : tensor<4x!shiftadd.fixed<i8, 4>>
  return %r : tensor<4x!shiftadd.fixed<i8, 4>>
}

// -----

// The inner requantize only shifts left by 2 and adds a bias; the layer's
// range (2 taps of 128 * 4) keeps it far from saturating, and 2^2 divides the
// outer bias: one requantize with bias 1 + 8/4 and shift 5 - 2.
// CHECK-LABEL: func.func @requantize_chain
// CHECK: %[[ACC:.*]] = shiftadd.shift_linear
// CHECK-NEXT: %[[R:.*]] = shiftadd.requantize %[[ACC]] {bias = array<i64: 3>, clamp = array<i64: 0, 127>, shift = array<i64: 3>}
// CHECK-NEXT: return %[[R]]
func.func @requantize_chain(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) -> tensor<1x1x!shiftadd.fixed<i8, 3>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  %wide = shiftadd.requantize %acc {shift = array<i64: -2>, bias = array<i64: 1>}
    : tensor<1x1x!shiftadd.fixed<i32, 4>> -> tensor<1x1x!shiftadd.fixed<i32, 6>>
  %y = shiftadd.requantize %wide {shift = array<i64: 5>, bias = array<i64: 8>, clamp = array<i64: 0, 127>}
    : tensor<1x1x!shiftadd.fixed<i32, 6>> -> tensor<1x1x!shiftadd.fixed<i8, 3>>
  return %y : tensor<1x1x!shiftadd.fixed<i8, 3>>
}

// 2^2 does not divide the outer bias 6: folding would change the rounding.
// CHECK-LABEL: func.func @requantize_chain_inexact_bias
// CHECK-COUNT-2: shiftadd.requantize
func.func @requantize_chain_inexact_bias(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) -> tensor<1x1x!shiftadd.fixed<i8, 3>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  %wide = shiftadd.requantize %acc {shift = array<i64: -2>}
    : tensor<1x1x!shiftadd.fixed<i32, 4>> -> tensor<1x1x!shiftadd.fixed<i32, 6>>
  %y = shiftadd.requantize %wide {shift = array<i64: 5>, bias = array<i64: 6>}
    : tensor<1x1x!shiftadd.fixed<i32, 6>> -> tensor<1x1x!shiftadd.fixed<i8, 3>>
  return %y : tensor<1x1x!shiftadd.fixed<i8, 3>>
}

// An argument's range is unknown: the inner shift could saturate.
// CHECK-LABEL: func.func @requantize_chain_unknown_range
// CHECK-COUNT-2: shiftadd.requantize
func.func @requantize_chain_unknown_range(%acc: tensor<1x1x!shiftadd.fixed<i32, 4>>) -> tensor<1x1x!shiftadd.fixed<i8, 3>> {
  %wide = shiftadd.requantize %acc {shift = array<i64: -2>}
    : tensor<1x1x!shiftadd.fixed<i32, 4>> -> tensor<1x1x!shiftadd.fixed<i32, 6>>
  %y = shiftadd.requantize %wide {shift = array<i64: 5>}
    : tensor<1x1x!shiftadd.fixed<i32, 6>> -> tensor<1x1x!shiftadd.fixed<i8, 3>>
  return %y : tensor<1x1x!shiftadd.fixed<i8, 3>>
}

// The layer may reach 2^22 (2 taps of 2^7 * 2^14),
// and a left shift by 10 would pass 2^31: the inner requantize may saturate.
// CHECK-LABEL: func.func @requantize_chain_saturating
// CHECK-COUNT-2: shiftadd.requantize
func.func @requantize_chain_saturating(%x: tensor<1x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x1x!shiftadd.fixed<i8, 0>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, 1]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 5, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x!shiftadd.fixed<i32, 14>>
  %wide = shiftadd.requantize %acc {shift = array<i64: -10>}
    : tensor<1x1x!shiftadd.fixed<i32, 14>> -> tensor<1x1x!shiftadd.fixed<i32, 24>>
  %y = shiftadd.requantize %wide {shift = array<i64: 24>}
    : tensor<1x1x!shiftadd.fixed<i32, 24>> -> tensor<1x1x!shiftadd.fixed<i8, 0>>
  return %y : tensor<1x1x!shiftadd.fixed<i8, 0>>
}
