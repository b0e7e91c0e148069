// RUN: shiftadd-run %s | FileCheck %s
// Spec section 5: ordinary int8 layers, acc = sum x * w at f_in + weight_frac.

// x = [0.75, -0.5], w = [5/8, -3/8]: 15 + 6 = 21 at 5 fractional bits (0.65625).
// CHECK: @mul_linear #0 : 1x1 = [21]
func.func @mul_linear() -> tensor<1x1x!shiftadd.fixed<i32, 5>> {
  %x = shiftadd.constant dense<[[3, -2]]> : tensor<1x2xi8> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  %acc = shiftadd.mul_linear %x {weights = dense<[[5, -3]]> : tensor<1x2xi8>, weight_frac = 3}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 5>>
  return %acc : tensor<1x1x!shiftadd.fixed<i32, 5>>
}

// CHECK: @mul_conv2d #0 : 1x1x2x2 = [-3, -6, -9, -12]
func.func @mul_conv2d() -> tensor<1x1x2x2x!shiftadd.fixed<i32, -2>> {
  %x = shiftadd.constant dense<[[[[1, 2], [3, 4]]]]> : tensor<1x1x2x2xi8> -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
  %acc = shiftadd.mul_conv2d %x {weights = dense<-3> : tensor<1x1x1x1xi8>, weight_frac = -2,
                                 strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x2x2x!shiftadd.fixed<i32, -2>>
  return %acc : tensor<1x1x2x2x!shiftadd.fixed<i32, -2>>
}
