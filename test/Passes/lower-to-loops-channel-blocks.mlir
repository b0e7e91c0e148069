// RUN: shiftadd-opt %s --shiftadd-lower-to-loops=channel-blocks=1 | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops | FileCheck %s --check-prefix=DEFAULT
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="channel-blocks=1 pixel-pairs=1" | FileCheck %s --check-prefix=PAIRS

// channel-blocks: each output channel's sum behind a condition that always
// holds (the output offset is >= 0), so that llc gives it a block of its own.
// CHECK-LABEL: func.func @two_channels
// CHECK: %[[ALWAYS:.*]] = arith.cmpi sge, %{{.*}}, %{{.*}} : index
// CHECK: scf.if %[[ALWAYS]] -> (i32) {
// CHECK: scf.if %{{.*}} -> (i32) {
// DEFAULT-LABEL: func.func @two_channels
// DEFAULT-NOT: scf.if
func.func @two_channels(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) -> tensor<1x2x!shiftadd.fixed<i32, 4>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3], [2, 2]]> : tensor<2x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x2x!shiftadd.fixed<i32, 4>>
  return %acc : tensor<1x2x!shiftadd.fixed<i32, 4>>
}

// With pixel pairs, a depthwise channel's block yields its sums at both pixels.
// PAIRS-LABEL: func.func @pair_of_pixels
// PAIRS: scf.if %{{.*}} -> (i32, i32) {
// PAIRS: scf.yield %{{.*}}, %{{.*}} : i32, i32
// PAIRS: } else {
func.func @pair_of_pixels(%x: tensor<1x1x1x3x!shiftadd.fixed<i8, 2>>) -> tensor<1x1x1x2x!shiftadd.fixed<i32, 4>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1, 2]]]]> : tensor<1x1x1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 1}
    : tensor<1x1x1x3x!shiftadd.fixed<i8, 2>> -> tensor<1x1x1x2x!shiftadd.fixed<i32, 4>>
  return %acc : tensor<1x1x1x2x!shiftadd.fixed<i32, 4>>
}
