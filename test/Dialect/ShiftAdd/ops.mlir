// RUN: shiftadd-opt %s | shiftadd-opt | FileCheck %s
// RUN: shiftadd-opt %s --mlir-print-op-generic | shiftadd-opt | FileCheck %s

!a8 = !shiftadd.fixed<i8, 5>
!a16 = !shiftadd.fixed<i16, 10>

// CHECK-LABEL: func.func @constant
// CHECK: shiftadd.constant dense<[3, -2]> : tensor<2xi8> -> tensor<2x!shiftadd.fixed<i8, 2>>
func.func @constant() -> tensor<2x!shiftadd.fixed<i8, 2>> {
  %c = shiftadd.constant dense<[3, -2]> : tensor<2xi8> -> tensor<2x!shiftadd.fixed<i8, 2>>
  return %c : tensor<2x!shiftadd.fixed<i8, 2>>
}

// CHECK-LABEL: func.func @shift_conv2d_depthwise
// CHECK: %[[ACC:.*]] = shiftadd.shift_conv2d %{{.*}} {code = #shiftadd.code<bits = 5, max_exp = 0>, groups = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, weights = dense<{{.*}}> : tensor<2x1x3x3xi8>}
// CHECK-SAME: : tensor<1x2x5x5x!shiftadd.fixed<i8, 5>> -> tensor<1x2x3x3x!shiftadd.fixed<i32, 19>>
func.func @shift_conv2d_depthwise(%x: tensor<1x2x5x5x!a8>) -> tensor<1x2x3x3x!shiftadd.fixed<i32, 19>> {
  %acc = shiftadd.shift_conv2d %x {
      weights = dense<[[[[1, 0, -2], [3, 4, -5], [0, 0, 15]]], [[[-15, 1, 1], [0, 0, 0], [2, 2, 2]]]]> : tensor<2x1x3x3xi8>,
      code = #shiftadd.code<bits = 5, max_exp = 0>, strides = array<i64: 2, 2>,
      pads = array<i64: 1, 1, 1, 1>, groups = 2}
    : tensor<1x2x5x5x!a8> -> tensor<1x2x3x3x!shiftadd.fixed<i32, 19>>
  return %acc : tensor<1x2x3x3x!shiftadd.fixed<i32, 19>>
}

// CHECK-LABEL: func.func @shift_linear_i16
// CHECK: shiftadd.shift_linear %{{.*}} {code = #shiftadd.code<bits = 4, max_exp = 2>, weights = dense<{{\[}}[1, -7]]> : tensor<1x2xi8>} : tensor<3x2x!shiftadd.fixed<i16, 10>> -> tensor<3x1x!shiftadd.fixed<i32, 14>>
func.func @shift_linear_i16(%x: tensor<3x2x!a16>) -> tensor<3x1x!shiftadd.fixed<i32, 14>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -7]]> : tensor<1x2xi8>,
                                   code = #shiftadd.code<bits = 4, max_exp = 2>}
    : tensor<3x2x!a16> -> tensor<3x1x!shiftadd.fixed<i32, 14>>
  return %acc : tensor<3x1x!shiftadd.fixed<i32, 14>>
}

// CHECK-LABEL: func.func @adder_and_mul
// CHECK: shiftadd.adder_conv2d %{{.*}} {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, weights = {{.*}}} : tensor<1x2x4x4x!shiftadd.fixed<i8, 5>> -> tensor<1x3x3x3x!shiftadd.fixed<i32, 5>>
// CHECK: shiftadd.mul_conv2d %{{.*}} {pads = {{.*}}, strides = {{.*}}, weight_frac = -2 : i64, weights = {{.*}}} : tensor<1x2x4x4x!shiftadd.fixed<i8, 5>> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 3>>
// CHECK: shiftadd.mul_linear %{{.*}} {weight_frac = 7 : i64, weights = {{.*}}} : tensor<1x2x!shiftadd.fixed<i8, 5>> -> tensor<1x2x!shiftadd.fixed<i32, 12>>
func.func @adder_and_mul(%x: tensor<1x2x4x4x!a8>, %v: tensor<1x2x!a8>)
    -> (tensor<1x3x3x3x!shiftadd.fixed<i32, 5>>, tensor<1x1x4x4x!shiftadd.fixed<i32, 3>>,
        tensor<1x2x!shiftadd.fixed<i32, 12>>) {
  %a = shiftadd.adder_conv2d %x {weights = dense<7> : tensor<3x2x2x2xi8>,
                                 strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!a8> -> tensor<1x3x3x3x!shiftadd.fixed<i32, 5>>
  %m = shiftadd.mul_conv2d %x {weights = dense<-3> : tensor<1x2x1x1xi8>, weight_frac = -2,
                               strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!a8> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 3>>
  %l = shiftadd.mul_linear %v {weights = dense<[[5, -3], [127, -128]]> : tensor<2x2xi8>, weight_frac = 7}
    : tensor<1x2x!a8> -> tensor<1x2x!shiftadd.fixed<i32, 12>>
  return %a, %m, %l : tensor<1x3x3x3x!shiftadd.fixed<i32, 5>>, tensor<1x1x4x4x!shiftadd.fixed<i32, 3>>,
                      tensor<1x2x!shiftadd.fixed<i32, 12>>
}

// CHECK-LABEL: func.func @requantize_modes
// CHECK: shiftadd.requantize %{{.*}} {bias = array<i64: 3, -4>, clamp = array<i64: 0, 96>, shift = array<i64: 14>} : tensor<1x2x2x2x!shiftadd.fixed<i32, 19>> -> tensor<1x2x2x2x!shiftadd.fixed<i8, 5>>
// CHECK: shiftadd.requantize %{{.*}} {multiplier = array<i64: 1073741824, 1610612736>, shift = array<i64: -30, 31>} : tensor<1x2x2x2x!shiftadd.fixed<i32, 19>> -> tensor<1x2x2x2x!shiftadd.fixed<i16, 10>>
func.func @requantize_modes(%acc: tensor<1x2x2x2x!shiftadd.fixed<i32, 19>>)
    -> (tensor<1x2x2x2x!a8>, tensor<1x2x2x2x!a16>) {
  %a = shiftadd.requantize %acc {shift = array<i64: 14>, bias = array<i64: 3, -4>, clamp = array<i64: 0, 96>}
    : tensor<1x2x2x2x!shiftadd.fixed<i32, 19>> -> tensor<1x2x2x2x!a8>
  %b = shiftadd.requantize %acc {shift = array<i64: -30, 31>, multiplier = array<i64: 1073741824, 1610612736>}
    : tensor<1x2x2x2x!shiftadd.fixed<i32, 19>> -> tensor<1x2x2x2x!a16>
  return %a, %b : tensor<1x2x2x2x!a8>, tensor<1x2x2x2x!a16>
}

// CHECK-LABEL: func.func @elementwise
// CHECK: %[[S:.*]] = shiftadd.add %{{.*}}, %{{.*}} {clamp = array<i64: 0, 127>} : tensor<1x2x2x2x!shiftadd.fixed<i8, 5>>, tensor<1x2x2x2x!shiftadd.fixed<i8, 3>> -> tensor<1x2x2x2x!shiftadd.fixed<i8, 4>>
// CHECK: shiftadd.clamp %[[S]] {max = 96 : i64, min = 0 : i64} : tensor<1x2x2x2x!shiftadd.fixed<i8, 4>>
func.func @elementwise(%x: tensor<1x2x2x2x!a8>, %y: tensor<1x2x2x2x!shiftadd.fixed<i8, 3>>)
    -> tensor<1x2x2x2x!shiftadd.fixed<i8, 4>> {
  %s = shiftadd.add %x, %y {clamp = array<i64: 0, 127>}
    : tensor<1x2x2x2x!a8>, tensor<1x2x2x2x!shiftadd.fixed<i8, 3>> -> tensor<1x2x2x2x!shiftadd.fixed<i8, 4>>
  %r = shiftadd.clamp %s {min = 0, max = 96} : tensor<1x2x2x2x!shiftadd.fixed<i8, 4>>
  return %r : tensor<1x2x2x2x!shiftadd.fixed<i8, 4>>
}

// CHECK-LABEL: func.func @pooling
// CHECK: shiftadd.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4x!shiftadd.fixed<i8, 5>> -> tensor<1x2x2x2x!shiftadd.fixed<i8, 5>>
// CHECK: shiftadd.avg_pool2d %{{.*}} {count_include_pad = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
// CHECK: shiftadd.global_avg_pool2d %{{.*}} : tensor<1x2x4x4x!shiftadd.fixed<i8, 5>> -> tensor<1x2x1x1x!shiftadd.fixed<i8, 5>>
// CHECK: tensor.collapse_shape
func.func @pooling(%x: tensor<1x2x4x4x!a8>)
    -> (tensor<1x2x2x2x!a8>, tensor<1x2x4x4x!a8>, tensor<1x2x!a8>) {
  %m = shiftadd.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!a8> -> tensor<1x2x2x2x!a8>
  %a = shiftadd.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>,
                               count_include_pad = true}
    : tensor<1x2x4x4x!a8> -> tensor<1x2x4x4x!a8>
  %g = shiftadd.global_avg_pool2d %x : tensor<1x2x4x4x!a8> -> tensor<1x2x1x1x!a8>
  %f = tensor.collapse_shape %g [[0], [1, 2, 3]] : tensor<1x2x1x1x!a8> into tensor<1x2x!a8>
  return %m, %a, %f : tensor<1x2x2x2x!a8>, tensor<1x2x4x4x!a8>, tensor<1x2x!a8>
}
