// RUN: shiftadd-run %s | FileCheck %s
// Spec section 1: the rounding shift R and the rounding division D.

!acc = !shiftadd.fixed<i32, 0>

// R(5,1)=3, R(-5,1)=-2, R(6,2)=2, R(-6,2)=-1, R(-7,2)=-2, R(3,-2)=12, one per channel.
// CHECK: @round_shift #0 : 1x6 = [3, -2, 2, -1, -2, 12]
func.func @round_shift() -> tensor<1x6x!acc> {
  %v = shiftadd.constant dense<[[5, -5, 6, -6, -7, 3]]> : tensor<1x6xi32> -> tensor<1x6x!acc>
  %r = shiftadd.requantize %v {shift = array<i64: 1, 1, 2, 2, 2, -2>} : tensor<1x6x!acc> -> tensor<1x6x!acc>
  return %r : tensor<1x6x!acc>
}

// D(5,3)=2 and D(4,3)=1 through a global average of three elements.
// CHECK: @round_div_by_3 #0 : 1x2x1x1 = [2, 1]
func.func @round_div_by_3() -> tensor<1x2x1x1x!shiftadd.fixed<i8, 0>> {
  %x = shiftadd.constant dense<[[[[1, 2, 2]], [[1, 1, 2]]]]> : tensor<1x2x1x3xi8> -> tensor<1x2x1x3x!shiftadd.fixed<i8, 0>>
  %g = shiftadd.global_avg_pool2d %x : tensor<1x2x1x3x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x1x!shiftadd.fixed<i8, 0>>
  return %g : tensor<1x2x1x1x!shiftadd.fixed<i8, 0>>
}

// D(-3,2)=-1 and D(-5,2)=-2: halves round up, also below zero.
// CHECK: @round_div_negative_halves #0 : 1x2x1x1 = [-1, -2]
func.func @round_div_negative_halves() -> tensor<1x2x1x1x!shiftadd.fixed<i8, 0>> {
  %x = shiftadd.constant dense<[[[[-1, -2]], [[-2, -3]]]]> : tensor<1x2x1x2xi8> -> tensor<1x2x1x2x!shiftadd.fixed<i8, 0>>
  %g = shiftadd.global_avg_pool2d %x : tensor<1x2x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x1x!shiftadd.fixed<i8, 0>>
  return %g : tensor<1x2x1x1x!shiftadd.fixed<i8, 0>>
}

// D(7,9)=1 over a 3x3 image.
// CHECK: @round_div_by_9 #0 : 1x1x1x1 = [1]
func.func @round_div_by_9() -> tensor<1x1x1x1x!shiftadd.fixed<i8, 0>> {
  %x = shiftadd.constant dense<[[[[1, 0, 2], [0, 3, 0], [1, 0, 0]]]]> : tensor<1x1x3x3xi8> -> tensor<1x1x3x3x!shiftadd.fixed<i8, 0>>
  %g = shiftadd.global_avg_pool2d %x : tensor<1x1x3x3x!shiftadd.fixed<i8, 0>> -> tensor<1x1x1x1x!shiftadd.fixed<i8, 0>>
  return %g : tensor<1x1x1x1x!shiftadd.fixed<i8, 0>>
}
