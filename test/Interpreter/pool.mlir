// RUN: shiftadd-run %s | FileCheck %s
// Spec section 9: pooling windows with padding; the rounding division D.

!img = !shiftadd.fixed<i8, 3>

// 3x3 windows, stride 1, pads 1 over [[1, 2, 2], [3, 1, 0], [5, -7, 4]].
// Window sums: [[7, 9, 5], [5, 11, 2], [2, 6, -2]] over counts [[4, 6, 4], [6, 9, 6], [4, 6, 4]]:
// D(7,4) = 2, D(9,6) = 2 (1.5 up), D(5,4) = 1, D(5,6) = 1, D(11,9) = 1, D(2,6) = 0,
// D(2,4) = 1 (0.5 up), D(6,6) = 1, D(-2,4) = 0 (-0.5 up).
// CHECK: @avg_pool #0 : 1x1x3x3 = [2, 2, 1, 1, 1, 0, 1, 1, 0]
// With count_include_pad every count is 9:
// CHECK: @avg_pool #1 : 1x1x3x3 = [1, 1, 1, 1, 1, 0, 0, 1, 0]
// CHECK: @avg_pool #2 : 1x1x3x3 = [3, 3, 2, 5, 5, 4, 5, 5, 4]
func.func @avg_pool() -> (tensor<1x1x3x3x!img>, tensor<1x1x3x3x!img>, tensor<1x1x3x3x!img>) {
  %x = shiftadd.constant dense<[[[[1, 2, 2], [3, 1, 0], [5, -7, 4]]]]> : tensor<1x1x3x3xi8> -> tensor<1x1x3x3x!img>
  %a = shiftadd.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
    : tensor<1x1x3x3x!img> -> tensor<1x1x3x3x!img>
  %b = shiftadd.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>,
                               count_include_pad = true}
    : tensor<1x1x3x3x!img> -> tensor<1x1x3x3x!img>
  %m = shiftadd.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
    : tensor<1x1x3x3x!img> -> tensor<1x1x3x3x!img>
  return %a, %b, %m : tensor<1x1x3x3x!img>, tensor<1x1x3x3x!img>, tensor<1x1x3x3x!img>
}

// Max pooling ignores padding: an all-negative image stays negative at the borders.
// CHECK: @max_pool_ignores_padding #0 : 1x1x2x2 = [-5, -3, -2, -1]
func.func @max_pool_ignores_padding() -> tensor<1x1x2x2x!img> {
  %x = shiftadd.constant dense<[[[[-5, -6, -3], [-7, -8, -9], [-2, -9, -1]]]]> : tensor<1x1x3x3xi8> -> tensor<1x1x3x3x!img>
  %m = shiftadd.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>}
    : tensor<1x1x3x3x!img> -> tensor<1x1x2x2x!img>
  return %m : tensor<1x1x2x2x!img>
}

// The spec's global example: nine elements summing to -13 give D(-13, 9) = -1;
// the second channel sums to 11: D(11, 9) = 1.
// CHECK: @global_avg_pool #0 : 1x2x1x1 = [-1, 1]
func.func @global_avg_pool() -> tensor<1x2x1x1x!img> {
  %x = shiftadd.constant dense<[[[[-1, -2, -3], [-4, 0, 1], [-2, -1, -1]], [[1, 2, 2], [3, 1, 0], [5, -7, 4]]]]>
    : tensor<1x2x3x3xi8> -> tensor<1x2x3x3x!img>
  %g = shiftadd.global_avg_pool2d %x : tensor<1x2x3x3x!img> -> tensor<1x2x1x1x!img>
  return %g : tensor<1x2x1x1x!img>
}

// Flatten and back: row-major data, unchanged.
// CHECK: @reshape #0 : 1x2 = [-1, 1]
// CHECK: @reshape #1 : 1x2x1x1 = [-1, 1]
func.func @reshape() -> (tensor<1x2x!img>, tensor<1x2x1x1x!img>) {
  %x = shiftadd.constant dense<[[[[-1]], [[1]]]]> : tensor<1x2x1x1xi8> -> tensor<1x2x1x1x!img>
  %f = tensor.collapse_shape %x [[0], [1, 2, 3]] : tensor<1x2x1x1x!img> into tensor<1x2x!img>
  %e = tensor.expand_shape %f [[0], [1, 2, 3]] output_shape [1, 2, 1, 1] : tensor<1x2x!img> into tensor<1x2x1x1x!img>
  return %f, %e : tensor<1x2x!img>, tensor<1x2x1x1x!img>
}
