// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="exponent-sums=1 pixel-pairs=1 tile-words=1" --canonicalize | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="exponent-sums=1 tile-words=1" --canonicalize | FileCheck %s --check-prefix=SINGLE

// Twelve channels of sixteen weights of one exponent: pixel pairs pay. Before
// each output row, the layer copies the row's inputs into a row of words,
// each holding an element and, in its high half, the element 16 further on
// (the same tap of the second pixel, NHWC); the last 16 elements are no
// pair's first tap and stay out (4 iterations of 4, counted from -4 to 0: an
// exit test against zero). The partners' offset is carried of its own. The
// channel's sum then takes one word load and one add per weight, and its
// partial sum is split into the two pixels' accumulators.
// CHECK-LABEL: func.func @lanes
// CHECK: %[[WORDS:.*]] = memref.alloc() : memref<32xi32>
// CHECK: scf.for %{{.*}} = %c-4 to %c0 step %c1 iter_args(%[[I:.*]] = %c0, %[[J:.*]] = %c0, %[[K:.*]] = %c16)
// CHECK: %[[A:.*]] = memref.load %[[IMG:.*]][%[[I]]] : memref<32xi8>
// CHECK: %[[A32:.*]] = arith.extsi %[[A]]
// CHECK: %[[B:.*]] = memref.load %[[IMG]][%[[K]]] : memref<32xi8>
// CHECK: %[[B32:.*]] = arith.extsi %[[B]]
// CHECK: %[[HIGH:.*]] = arith.shli %[[B32]], %c16_i32
// CHECK: %[[PAIR:.*]] = arith.addi %[[A32]], %[[HIGH]]
// CHECK: memref.store %[[PAIR]], %[[WORDS]][%[[J]]]
// The channels' sums: 16 word loads each, no packing left.
// CHECK-COUNT-16: memref.load %[[WORDS]]
// CHECK-NOT: memref.load %[[IMG]]
// CHECK: %c32768_i32
// CHECK: memref.dealloc %[[WORDS]]
// CHECK: return
// One pixel at a time: the row's 32 elements copied to words (sign
// extension, 8 iterations of 4), then word loads.
// SINGLE-LABEL: func.func @lanes
// SINGLE: %[[WORDS:.*]] = memref.alloc() : memref<32xi32>
// SINGLE: scf.for %{{.*}} = %c-8 to %c0 step %c1 iter_args(%{{.*}} = %c0, %{{.*}} = %c0) -> (index, index)
// SINGLE-NOT: %c32768_i32
// SINGLE: arith.extsi
// SINGLE: memref.store %{{.*}}, %[[WORDS]]
// SINGLE-COUNT-16: memref.load %[[WORDS]]
// SINGLE: return
func.func @lanes(%x: tensor<1x16x1x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x12x1x2x!shiftadd.fixed<i32, 2>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[2]], [[-2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[2]], [[-2]], [[2]], [[-2]], [[-2]], [[2]], [[-2]], [[2]]], [[[-3]], [[3]], [[3]], [[-3]], [[-3]], [[-3]], [[-3]], [[3]], [[-3]], [[-3]], [[-3]], [[3]], [[3]], [[3]], [[-3]], [[-3]]], [[[3]], [[3]], [[-3]], [[3]], [[-3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[-3]], [[3]], [[3]], [[-3]], [[-3]]], [[[-3]], [[3]], [[-3]], [[3]], [[-3]], [[-3]], [[3]], [[3]], [[3]], [[-3]], [[-3]], [[3]], [[3]], [[-3]], [[-3]], [[3]]], [[[2]], [[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[-2]], [[-2]]], [[[2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[-2]], [[2]]], [[[2]], [[2]], [[-2]], [[-2]], [[-2]], [[-2]], [[-2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[-2]], [[2]], [[2]]], [[[3]], [[3]], [[3]], [[3]], [[-3]], [[-3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[-3]], [[3]], [[3]], [[-3]]], [[[-2]], [[2]], [[-2]], [[-2]], [[-2]], [[-2]], [[2]], [[2]], [[2]], [[-2]], [[-2]], [[-2]], [[2]], [[-2]], [[-2]], [[-2]]], [[[-3]], [[-3]], [[-3]], [[3]], [[-3]], [[-3]], [[3]], [[-3]], [[-3]], [[-3]], [[3]], [[-3]], [[3]], [[-3]], [[-3]], [[3]]], [[[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[-2]]], [[[-2]], [[2]], [[-2]], [[-2]], [[2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[-2]], [[2]], [[2]], [[-2]], [[-2]]]]> : tensor<12x16x1x1xi8>,
                                   code = #shiftadd.code<bits = 3, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x16x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x12x1x2x!shiftadd.fixed<i32, 2>>
  return %acc : tensor<1x12x1x2x!shiftadd.fixed<i32, 2>>
}

// The same layer after a clamp to [0, 127]: its inputs are non-negative, so the
// copy zero-extends them (Thumb-1's `ldrb` takes an immediate offset, `ldrsb`
// does not).
// CHECK-LABEL: func.func @non_negative
// CHECK: scf.for %{{.*}} = %c-4 to %c0
// CHECK-NOT: arith.extsi
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: memref.store
// CHECK-NOT: arith.extsi
// CHECK: return
func.func @non_negative(%x: tensor<1x16x1x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x12x1x2x!shiftadd.fixed<i32, 2>> {
  %y = shiftadd.clamp %x {min = 0, max = 127} : tensor<1x16x1x2x!shiftadd.fixed<i8, 0>>
  %acc = shiftadd.shift_conv2d %y {weights = dense<[[[[2]], [[-2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[2]], [[-2]], [[2]], [[-2]], [[-2]], [[2]], [[-2]], [[2]]], [[[-3]], [[3]], [[3]], [[-3]], [[-3]], [[-3]], [[-3]], [[3]], [[-3]], [[-3]], [[-3]], [[3]], [[3]], [[3]], [[-3]], [[-3]]], [[[3]], [[3]], [[-3]], [[3]], [[-3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[-3]], [[3]], [[3]], [[-3]], [[-3]]], [[[-3]], [[3]], [[-3]], [[3]], [[-3]], [[-3]], [[3]], [[3]], [[3]], [[-3]], [[-3]], [[3]], [[3]], [[-3]], [[-3]], [[3]]], [[[2]], [[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[-2]], [[-2]]], [[[2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[-2]], [[2]]], [[[2]], [[2]], [[-2]], [[-2]], [[-2]], [[-2]], [[-2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[-2]], [[2]], [[2]]], [[[3]], [[3]], [[3]], [[3]], [[-3]], [[-3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[3]], [[-3]], [[3]], [[3]], [[-3]]], [[[-2]], [[2]], [[-2]], [[-2]], [[-2]], [[-2]], [[2]], [[2]], [[2]], [[-2]], [[-2]], [[-2]], [[2]], [[-2]], [[-2]], [[-2]]], [[[-3]], [[-3]], [[-3]], [[3]], [[-3]], [[-3]], [[3]], [[-3]], [[-3]], [[-3]], [[3]], [[-3]], [[3]], [[-3]], [[-3]], [[3]]], [[[-2]], [[2]], [[2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[2]], [[2]], [[-2]]], [[[-2]], [[2]], [[-2]], [[-2]], [[2]], [[-2]], [[2]], [[2]], [[-2]], [[2]], [[-2]], [[-2]], [[2]], [[2]], [[-2]], [[-2]]]]> : tensor<12x16x1x1xi8>,
                                   code = #shiftadd.code<bits = 3, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x16x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x12x1x2x!shiftadd.fixed<i32, 2>>
  return %acc : tensor<1x12x1x2x!shiftadd.fixed<i32, 2>>
}

// A depthwise layer is not tiled: it reads its i8 input as before.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: memref.alloc() : memref<{{.*}}xi32>
// CHECK: memref.load %{{.*}} : memref<4xi8>
// CHECK: return
func.func @depthwise(%x: tensor<1x2x1x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x2x1x2x!shiftadd.fixed<i32, 2>> {
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1]]], [[[-2]]]]> : tensor<2x1x1x1xi8>,
                                   code = #shiftadd.code<bits = 3, max_exp = 0>, groups = 2 : i64,
                                   strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x1x2x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x2x!shiftadd.fixed<i32, 2>>
  return %acc : tensor<1x2x1x2x!shiftadd.fixed<i32, 2>>
}
