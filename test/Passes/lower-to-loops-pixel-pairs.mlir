// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="channel-tile=4 exponent-sums=1 pixel-pairs=1" --canonicalize | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="channel-tile=4 exponent-sums=1" --canonicalize | FileCheck %s --check-prefix=SINGLE

// Sixteen weights of one exponent per channel: pixel pairs pay. Each tap
// packs the input of the second pixel (16 elements on, NHWC) into the high
// half and one add serves both pixels; each channel's sum p is then split:
// the second pixel's accumulator is (p + 2^15) >> 16, the first's p minus
// that << 16. Channel 0's partial sum holds the negated sum s: p = -s.
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
// CHECK: %[[ROUNDED:.*]] = arith.subi %c32768_i32, %[[SUM]]
// CHECK: %[[SECOND:.*]] = arith.shrsi %[[ROUNDED]], %c16_i32
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

// Lanes are separated once per group of partial sums whose combination keeps
// a pixel's value within 16 bits, [-2^15, 2^15), for inputs in the type's
// range [-128, 127]. Channel 0 (eight weights 1 and eight weights 2, all
// ranges within 3,072): one group, one rounded high half. Channel 1 (weights
// 1 and 2^7: the second exponent's sum reaches 2^17 at shift 7): two groups,
// each separated, the second's halves shifted by 7 before they are combined.
// CHECK-LABEL: func.func @lane_groups
// CHECK: arith.addi %{{.*}}, %c32768_i32
// CHECK: %[[LOW:.*]] = arith.addi %{{.*}}, %c32768_i32
// CHECK: %[[LOWHI:.*]] = arith.shrsi %[[LOW]], %c16_i32
// CHECK: %[[HIGH:.*]] = arith.addi %{{.*}}, %c32768_i32
// CHECK: %[[HIGHHI:.*]] = arith.shrsi %[[HIGH]], %c16_i32
// CHECK: %[[HIGHSHIFTED:.*]] = arith.shli %[[HIGHHI]], %c7_i32
// CHECK: %[[SECOND:.*]] = arith.addi %[[LOWHI]], %[[HIGHSHIFTED]]
// CHECK-NOT: %c32768_i32
// CHECK: memref.store %{{.*}}, %[[ACC:.*]][%c0]
// CHECK: memref.store %{{.*}}, %[[ACC]][%c2]
// CHECK: memref.store %{{.*}}, %[[ACC]][%c1]
// CHECK: memref.store %[[SECOND]], %[[ACC]][%c3]
func.func @lane_groups(%x: tensor<1x16x1x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x2x1x2x!shiftadd.fixed<i32, 14>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[15]], [[-15]], [[15]], [[15]], [[-15]], [[15]], [[-15]], [[15]], [[14]], [[14]], [[-14]], [[14]], [[-14]], [[-14]], [[14]], [[14]]], [[[15]], [[-15]], [[15]], [[15]], [[-15]], [[15]], [[-15]], [[15]], [[8]], [[-8]], [[8]], [[8]], [[-8]], [[8]], [[8]], [[-8]]]]> : tensor<2x16x1x1xi8>,
                                   code = #shiftadd.code<bits = 5, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x16x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x2x!shiftadd.fixed<i32, 14>>
  return %acc : tensor<1x2x1x2x!shiftadd.fixed<i32, 14>>
}

// The input's range is its producer's clamp, [0, 15]: weights 1 and 2^7 then
// sum to at most 15,480, one group per channel (two with the type's range).
// CHECK-LABEL: func.func @clamped_inputs
// CHECK: arith.addi %{{.*}}, %c32768_i32
// CHECK: arith.addi %{{.*}}, %c32768_i32
// CHECK-NOT: %c32768_i32
// CHECK: return
func.func @clamped_inputs(%a: tensor<1x16x1x2x!shiftadd.fixed<i32, 4>>) -> tensor<1x2x1x2x!shiftadd.fixed<i32, 14>> {
  %x = shiftadd.requantize %a {shift = array<i64: 4>, clamp = array<i64: 0, 15>}
    : tensor<1x16x1x2x!shiftadd.fixed<i32, 4>> -> tensor<1x16x1x2x!shiftadd.fixed<i8, 0>>
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[15]], [[15]], [[15]], [[15]], [[15]], [[15]], [[15]], [[15]], [[8]], [[8]], [[8]], [[8]], [[8]], [[8]], [[8]], [[8]]], [[[15]], [[15]], [[15]], [[15]], [[15]], [[15]], [[15]], [[15]], [[8]], [[8]], [[8]], [[8]], [[8]], [[8]], [[8]], [[8]]]]> : tensor<2x16x1x1xi8>,
                                   code = #shiftadd.code<bits = 5, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x16x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x2x!shiftadd.fixed<i32, 14>>
  return %acc : tensor<1x2x1x2x!shiftadd.fixed<i32, 14>>
}
