// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="channel-tile=4 exponent-sums=1 pixel-pairs=1" --canonicalize | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="channel-tile=4 exponent-sums=1" --canonicalize | FileCheck %s --check-prefix=SINGLE

// Sixteen weights of one exponent per channel: pixel pairs pay. Each tap
// packs the input of the second pixel (16 elements on, NHWC) into the high
// half and one add serves both pixels; each channel's partial sum is then
// split: the second pixel's accumulator is (p + 2^15) >> 16, the first's p
// minus that << 16. Channel 0's partial sum holds the negated sum.
// CHECK-LABEL: func.func @lanes
// CHECK: %[[A:.*]] = memref.load %[[IMG:.*]][%c0]
// CHECK: %[[A32:.*]] = arith.extsi %[[A]]
// CHECK: %[[B:.*]] = memref.load %[[IMG]][%c16]
// CHECK: %[[B32:.*]] = arith.extsi %[[B]]
// CHECK: %[[HIGH:.*]] = arith.shli %[[B32]], %c16_i32
// CHECK: %[[X:.*]] = arith.addi %[[A32]], %[[HIGH]]
// CHECK: %[[P0:.*]] = arith.addi %[[X]],
// CHECK-COUNT-28: memref.load %[[IMG]]
// CHECK-NOT: memref.load %[[IMG]]
// CHECK: %[[FULL:.*]] = arith.subi %c0_i32, %[[SUM:.*]] : i32
// CHECK: %[[ROUNDED:.*]] = arith.addi %[[SUM]], %c32768_i32
// CHECK: %[[HI:.*]] = arith.shrsi %[[ROUNDED]], %c16_i32
// CHECK: %[[SECOND:.*]] = arith.subi %c0_i32, %[[HI]]
// CHECK: %[[BACK:.*]] = arith.shli %[[SECOND]], %c16_i32
// CHECK: %[[FIRST:.*]] = arith.subi %[[FULL]], %[[BACK]]
// CHECK: memref.store %[[FIRST]], %[[ACC:.*]][%c0]
// CHECK: memref.store %[[SECOND]], %[[ACC]][%c4]
// One pixel at a time: a loop over the two pixels, one load per tap.
// SINGLE-LABEL: func.func @lanes
// SINGLE-NOT: %c32768_i32
// SINGLE: memref.store
// SINGLE-COUNT-16: memref.load %[[IMG:[a-z_0-9]+]][
// SINGLE-NOT: memref.load %[[IMG]][
// SINGLE: return
func.func @lanes(%x: tensor<1x16x1x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x4x1x2x!shiftadd.fixed<i32, 2>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[-3]], [[-3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[-3]], [[-3]], [[3]], [[3]], [[3]], [[-3]], [[-3]], [[-3]]], [[[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[-2]], [[-2]], [[-2]], [[-2]], [[-2]], [[2]], [[-2]], [[2]]], [[[3]], [[-3]], [[3]], [[-3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[-3]], [[3]], [[3]], [[3]], [[-3]]], [[[-2]], [[2]], [[2]], [[-2]], [[-2]], [[2]], [[2]], [[-2]], [[-2]], [[2]], [[-2]], [[2]], [[-2]], [[2]], [[2]], [[-2]]]]> : tensor<4x16x1x1xi8>,
                                   code = #shiftadd.code<bits = 3, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x16x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x4x1x2x!shiftadd.fixed<i32, 2>>
  return %acc : tensor<1x4x1x2x!shiftadd.fixed<i32, 2>>
}

// Two weights per channel: the lanes would cost more than they save, so the
// layer keeps one pixel at a time.
// CHECK-LABEL: func.func @few_weights
// CHECK-NOT: %c32768_i32
// CHECK: return
func.func @few_weights(%x: tensor<1x2x1x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x4x1x2x!shiftadd.fixed<i32, 2>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1]], [[2]]], [[[3]], [[1]]], [[[-1]], [[2]]], [[[2]], [[2]]]]> : tensor<4x2x1x1xi8>,
                                   code = #shiftadd.code<bits = 3, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x4x1x2x!shiftadd.fixed<i32, 2>>
  return %acc : tensor<1x4x1x2x!shiftadd.fixed<i32, 2>>
}

// A depthwise 3x3 layer (not tiled) computes two pixels per step whose
// windows overlap: per channel 12 loads of a 3x4 patch instead of 9 per pixel.
// CHECK-LABEL: func.func @shared_window
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NOT: scf.for
// CHECK-COUNT-24: memref.load %[[IMG:[a-z_0-9]+]][
// CHECK-NOT: memref.load %[[IMG]][
// CHECK: return
// SINGLE-LABEL: func.func @shared_window
// SINGLE: scf.for
// SINGLE: scf.for
// SINGLE: memref.store
// SINGLE: scf.for
// SINGLE-COUNT-18: memref.load %[[IMG:[a-z_0-9]+]][
// SINGLE-NOT: memref.load %[[IMG]][
// SINGLE: return
func.func @shared_window(%x: tensor<1x2x3x4x!shiftadd.fixed<i8, 0>>) -> tensor<1x2x1x2x!shiftadd.fixed<i32, 2>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1, 2, 3], [-1, -2, -3], [3, 1, 2]]], [[[2, 2, 2], [1, 1, 1], [3, 3, -3]]]]> : tensor<2x1x3x3xi8>,
                                   code = #shiftadd.code<bits = 3, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 2}
    : tensor<1x2x3x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x2x!shiftadd.fixed<i32, 2>>
  return %acc : tensor<1x2x1x2x!shiftadd.fixed<i32, 2>>
}
