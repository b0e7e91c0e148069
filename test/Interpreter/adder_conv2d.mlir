// RUN: shiftadd-run %s | FileCheck %s
// Spec section 4: acc = -sum |x - w|; padded inputs are 0 and still count.

// The spec's example: x = [3, -1], w = [1, 2]: -(2 + 3) = -5.
// CHECK: @spec_example #0 : 1x1x1x1 = [-5]
func.func @spec_example() -> tensor<1x1x1x1x!shiftadd.fixed<i32, 3>> {
  %x = shiftadd.constant dense<[[[[3]], [[-1]]]]> : tensor<1x2x1x1xi8> -> tensor<1x2x1x1x!shiftadd.fixed<i8, 3>>
  %acc = shiftadd.adder_conv2d %x {weights = dense<[[[[1]], [[2]]]]> : tensor<1x2x1x1xi8>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x1x1x!shiftadd.fixed<i8, 3>> -> tensor<1x1x1x1x!shiftadd.fixed<i32, 3>>
  return %acc : tensor<1x1x1x1x!shiftadd.fixed<i32, 3>>
}

// Pads top/left 1, w = [[0, 1], [1, 0]] over [[1, 2], [3, 4]]:
// (0,0) = |0-0| + |0-1| + |0-1| + |1-0| = 3, (0,1) = 0 + 1 + 0 + 2 = 3,
// (1,0) = 0 + 0 + 1 + 3 = 4, (1,1) = 1 + 1 + 2 + 4 = 8.
// CHECK: @padding_counts #0 : 1x1x2x2 = [-3, -3, -4, -8]
func.func @padding_counts() -> tensor<1x1x2x2x!shiftadd.fixed<i32, 0>> {
  %x = shiftadd.constant dense<[[[[1, 2], [3, 4]]]]> : tensor<1x1x2x2xi8> -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
  %acc = shiftadd.adder_conv2d %x {weights = dense<[[[[0, 1], [1, 0]]]]> : tensor<1x1x2x2xi8>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 0, 0>}
    : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x2x2x!shiftadd.fixed<i32, 0>>
  return %acc : tensor<1x1x2x2x!shiftadd.fixed<i32, 0>>
}

// The widest terms: |-128 - 127| = 255 and |127 - -128| = 255.
// CHECK: @extremes #0 : 1x1x1x1 = [-510]
func.func @extremes() -> tensor<1x1x1x1x!shiftadd.fixed<i32, 0>> {
  %x = shiftadd.constant dense<[[[[-128, 127]]]]> : tensor<1x1x1x2xi8> -> tensor<1x1x1x2x!shiftadd.fixed<i8, 0>>
  %acc = shiftadd.adder_conv2d %x {weights = dense<[[[[127, -128]]]]> : tensor<1x1x1x2xi8>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x1x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x1x1x!shiftadd.fixed<i32, 0>>
  return %acc : tensor<1x1x1x1x!shiftadd.fixed<i32, 0>>
}

// acc_shift = 3 scales the sum by 2^3 and adds 3 fractional bits: -5 * 8.
// CHECK: @acc_shift #0 : 1x1x1x1 = [-40]
func.func @acc_shift() -> tensor<1x1x1x1x!shiftadd.fixed<i32, 6>> {
  %x = shiftadd.constant dense<[[[[3]], [[-1]]]]> : tensor<1x2x1x1xi8> -> tensor<1x2x1x1x!shiftadd.fixed<i8, 3>>
  %acc = shiftadd.adder_conv2d %x {weights = dense<[[[[1]], [[2]]]]> : tensor<1x2x1x1xi8>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, acc_shift = 3}
    : tensor<1x2x1x1x!shiftadd.fixed<i8, 3>> -> tensor<1x1x1x1x!shiftadd.fixed<i32, 6>>
  return %acc : tensor<1x1x1x1x!shiftadd.fixed<i32, 6>>
}
