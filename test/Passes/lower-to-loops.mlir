// RUN: shiftadd-opt %s --shiftadd-lower-to-loops --split-input-file -verify-diagnostics | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops=padding-copies=1 --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=COPIES

// A shift layer fused with its requantization: inputs then outputs as flat
// buffers, no i32 buffer, the taps grouped by exponent (W = 4, 4, -1 with a
// 3-bit code: (x0 + x1) << 2 and 0 - x2), addresses by additions only.
// CHECK-LABEL: func.func @fused_shift_linear
// CHECK-SAME: (%[[IN:.*]]: memref<4xi8>, %[[OUT:.*]]: memref<1xi8>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: arith.muli
// CHECK: %[[X0:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[X1:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[X2:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[NEG:.*]] = arith.subi %{{.*}}, %[[X2]] : i32
// CHECK: %[[PAIR:.*]] = arith.addi %[[X0]], %[[X1]] : i32
// CHECK: %[[SHIFTED:.*]] = arith.shli %[[PAIR]], %{{.*}} : i32
// CHECK: %[[ACC:.*]] = arith.addi %[[NEG]], %[[SHIFTED]] : i32
// CHECK: arith.shrsi
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: %[[Q:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: memref.store %[[Q]], %[[OUT]]
// CHECK: return
func.func @fused_shift_linear(%x: tensor<1x4x!shiftadd.fixed<i8, 2>>) -> tensor<1x1x!shiftadd.fixed<i8, 2>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, 1, -3, 0]]> : tensor<1x4xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  %y = shiftadd.requantize %acc {shift = array<i64: 2>}
    : tensor<1x1x!shiftadd.fixed<i32, 4>> -> tensor<1x1x!shiftadd.fixed<i8, 2>>
  return %y : tensor<1x1x!shiftadd.fixed<i8, 2>>
}

// -----

// The lowest exponent in use is left to the requantization: W = 4, 2, -2
// sum to ((x0 << 1) + x1 - x2) << 1, and R(acc + 5, 2) = (a + 3) >> 1 with
// a = acc / 2 (floor((5 + 2) / 2) = 3): one shift fewer. The accumulator
// that escapes unrequantized keeps every group's shift; a multiplier takes
// the lowest over too: R(a (2 m), 33) with m = 1610612736 (the rounding
// constant 2^32).
// CHECK-LABEL: func.func @lowest_exponent_to_requantization
// CHECK: %[[X0:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[X1:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[X2:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[D:.*]] = arith.subi %[[X1]], %[[X2]] : i32
// CHECK: %[[S:.*]] = arith.shli %[[X0]], %{{.*}} : i32
// CHECK: %[[A:.*]] = arith.addi %[[D]], %[[S]] : i32
// CHECK-NEXT: %[[C3:.*]] = arith.constant 3 : i32
// CHECK-NEXT: %[[R:.*]] = arith.addi %[[A]], %[[C3]] : i32
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: arith.shrsi %[[R]], %[[C1]] : i32
// CHECK: memref.store
// CHECK: %[[D2:.*]] = arith.subi %{{.*}}, %{{.*}} : i32
// CHECK: %[[S2:.*]] = arith.shli %[[D2]], %{{.*}} : i32
// CHECK: %[[T2:.*]] = arith.shli %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: %[[ACC:.*]] = arith.addi %[[S2]], %[[T2]] : i32
// CHECK-NEXT: memref.store %[[ACC]]
// CHECK: %[[D3:.*]] = arith.subi %{{.*}}, %{{.*}} : i32
// CHECK: %[[T3:.*]] = arith.shli %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: %[[A3:.*]] = arith.addi %[[D3]], %[[T3]] : i32
// CHECK-NEXT: %[[W3:.*]] = arith.extsi %[[A3]] : i32 to i64
// CHECK-NEXT: %[[M:.*]] = arith.constant 3221225472 : i64
// CHECK-NEXT: %[[P:.*]] = arith.muli %[[W3]], %[[M]] : i64
// CHECK-NEXT: %[[H:.*]] = arith.constant 4294967296 : i64
// CHECK-NEXT: arith.addi %[[P]], %[[H]] : i64
func.func @lowest_exponent_to_requantization(%x: tensor<1x4x!shiftadd.fixed<i8, 2>>)
    -> (tensor<1x1x!shiftadd.fixed<i8, 2>>, tensor<1x1x!shiftadd.fixed<i32, 4>>, tensor<1x1x!shiftadd.fixed<i8, 2>>) {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, 2, -2, 0]]> : tensor<1x4xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  %escapes = shiftadd.shift_linear %x {weights = dense<[[1, 2, -2, 0]]> : tensor<1x4xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  %multiplied = shiftadd.shift_linear %x {weights = dense<[[1, 2, -2, 0]]> : tensor<1x4xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  %y = shiftadd.requantize %acc {shift = array<i64: 2>, bias = array<i64: 5>}
    : tensor<1x1x!shiftadd.fixed<i32, 4>> -> tensor<1x1x!shiftadd.fixed<i8, 2>>
  %z = shiftadd.requantize %multiplied {shift = array<i64: 2>, multiplier = array<i64: 1610612736>}
    : tensor<1x1x!shiftadd.fixed<i32, 4>> -> tensor<1x1x!shiftadd.fixed<i8, 2>>
  return %y, %escapes, %z : tensor<1x1x!shiftadd.fixed<i8, 2>>, tensor<1x1x!shiftadd.fixed<i32, 4>>, tensor<1x1x!shiftadd.fixed<i8, 2>>
}

// -----

// The accumulator escapes: the layer writes it to its output buffer and a
// separate loop requantizes it. Padding makes a copy of the input with a
// zero border; only the border is filled: the row above (4 elements, stored
// four per iteration: one iteration, no loop), one element left and one
// right of each of the 2 rows, the row below.
// CHECK-LABEL: func.func @unfused_padded_conv
// CHECK-SAME: (%[[IN:.*]]: memref<4xi8>, %[[Y:.*]]: memref<4xi8>, %[[ACC:.*]]: memref<4xi32>)
// CHECK: %[[PAD:.*]] = memref.alloc() : memref<16xi8>
// CHECK-COUNT-4: memref.store %c0_i8, %[[PAD]]
// CHECK-NOT: scf.for
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2{{(_[0-9]+)?}} step
// CHECK: memref.store %c0_i8, %[[PAD]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2{{(_[0-9]+)?}} step
// CHECK: memref.store %c0_i8, %[[PAD]]
// CHECK-COUNT-4: memref.store %c0_i8, %[[PAD]]
// CHECK-NOT: memref.store %c0_i8
// CHECK: memref.store %{{.*}}, %[[ACC]]
// CHECK: memref.dealloc %[[PAD]]
// CHECK: memref.load %[[ACC]]
// CHECK: memref.store %{{.*}}, %[[Y]]
func.func @unfused_padded_conv(%x: tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>)
    -> (tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>, tensor<1x1x2x2x!shiftadd.fixed<i32, 2>>) {
  %acc = shiftadd.shift_conv2d %x {weights = dense<1> : tensor<1x1x3x3xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>,
                                   strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
    : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x2x2x!shiftadd.fixed<i32, 2>>
  %y = shiftadd.requantize %acc {shift = array<i64: 2>}
    : tensor<1x1x2x2x!shiftadd.fixed<i32, 2>> -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
  return %y, %acc : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>, tensor<1x1x2x2x!shiftadd.fixed<i32, 2>>
}

// -----

// Global average pooling divides by shift-subtract steps: compares, selects,
// shifts; no division op.
// CHECK-LABEL: func.func @global_average
// CHECK-NOT: arith.div
// CHECK: arith.cmpi sge
// CHECK: arith.select
// CHECK: arith.shrui
func.func @global_average(%x: tensor<1x2x3x3x!shiftadd.fixed<i8, 4>>) -> tensor<1x2x1x1x!shiftadd.fixed<i8, 4>> {
  %g = shiftadd.global_avg_pool2d %x : tensor<1x2x3x3x!shiftadd.fixed<i8, 4>> -> tensor<1x2x1x1x!shiftadd.fixed<i8, 4>>
  return %g : tensor<1x2x1x1x!shiftadd.fixed<i8, 4>>
}

// -----

// Element-wise ops whose input nothing reads later compute in place: the
// clamp and the residual add write into the buffer of the first layer's
// output, one buffer for three tensors. The NHWC copy of %x is read by the
// add, so the first layer's output cannot take it.
// CHECK-LABEL: func.func @in_place
// CHECK: %[[X:.*]] = memref.alloc() : memref<16xi8>
// CHECK: %[[B:.*]] = memref.alloc() : memref<16xi8>
// CHECK-NOT: memref.alloc
// CHECK: arith.maxsi
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK: memref.load %[[B]]
// CHECK: memref.load %[[X]]
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @in_place(%x: tensor<1x4x2x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>> {
  %a = shiftadd.shift_conv2d %x {code = #shiftadd.code<bits = 5, max_exp = 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, weights = dense<1> : tensor<4x4x1x1xi8>} : tensor<1x4x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x4x2x2x!shiftadd.fixed<i32, 14>>
  %b = shiftadd.requantize %a {shift = array<i64: 14>} : tensor<1x4x2x2x!shiftadd.fixed<i32, 14>> -> tensor<1x4x2x2x!shiftadd.fixed<i8, 0>>
  %c = shiftadd.clamp %b {min = 0, max = 100} : tensor<1x4x2x2x!shiftadd.fixed<i8, 0>>
  %d = shiftadd.add %c, %x : tensor<1x4x2x2x!shiftadd.fixed<i8, 0>>, tensor<1x4x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x4x2x2x!shiftadd.fixed<i8, 0>>
  %e = shiftadd.shift_conv2d %d {code = #shiftadd.code<bits = 5, max_exp = 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, weights = dense<1> : tensor<1x4x1x1xi8>} : tensor<1x4x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x2x2x!shiftadd.fixed<i32, 14>>
  %f = shiftadd.requantize %e {shift = array<i64: 14>} : tensor<1x1x2x2x!shiftadd.fixed<i32, 14>> -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
  return %f : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
}

// -----

// A returned reshape of the input is copied by a loop (memref.copy would
// multiply to count bytes).
// CHECK-LABEL: func.func @reshape_only
// CHECK-SAME: (%[[IN:.*]]: memref<2xi8>, %[[OUT:.*]]: memref<2xi8>)
// CHECK-NOT: memref.copy
// CHECK: %[[V:.*]] = memref.load %[[IN]]
// CHECK: memref.store %[[V]], %[[OUT]]
func.func @reshape_only(%x: tensor<1x2x1x1x!shiftadd.fixed<i8, 4>>) -> tensor<1x2x!shiftadd.fixed<i8, 4>> {
  %f = tensor.collapse_shape %x [[0], [1, 2, 3]] : tensor<1x2x1x1x!shiftadd.fixed<i8, 4>> into tensor<1x2x!shiftadd.fixed<i8, 4>>
  return %f : tensor<1x2x!shiftadd.fixed<i8, 4>>
}

// -----

// expected-error @+1 {{lower-to-loops: arguments and results must be tensors of !shiftadd.fixed, got 'i32'}}
func.func @scalar_argument(%x: i32) -> i32 {
  return %x : i32
}

// -----

func.func @unsupported(%x: tensor<2x!shiftadd.fixed<i8, 0>>) -> tensor<2x!shiftadd.fixed<i8, 0>> {
  // expected-error @+1 {{lower-to-loops: unsupported operation 'tensor.empty'}}
  %e = tensor.empty() : tensor<2x!shiftadd.fixed<i8, 0>>
  return %e : tensor<2x!shiftadd.fixed<i8, 0>>
}


// -----

// A layer whose only reader is a padded convolution writes into the interior
// of that layer's padded input: its buffer has the 1-element border (16
// elements for the 2x2 image), filled there, its first store is at element
// 5 (row 1, column 1), and the second layer reads it without a copy.
// CHECK-LABEL: func.func @border_from_producer
// CHECK-NOT: memref.alloc
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<16xi8>
// CHECK-COUNT-4: memref.store %c0_i8, %[[BUF]]
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %c0{{(_[0-9]+)?}}, %{{.*}} = %c5{{(_[0-9]+)?}})
// CHECK: memref.store %{{.*}}, %[[BUF]]
// CHECK-NOT: memref.alloc
// CHECK: memref.load %[[BUF]]
// CHECK: return
// With padding-copies, the first layer's output has no border and the second
// layer copies it into a padded buffer.
// COPIES-LABEL: func.func @border_from_producer
// COPIES: memref.alloc() : memref<4xi8>
// COPIES: memref.alloc() : memref<16xi8>
func.func @border_from_producer(%x: tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>) -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>> {
  %a = shiftadd.shift_conv2d %x {weights = dense<2> : tensor<1x1x1x1xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>,
                                 strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x2x2x!shiftadd.fixed<i32, 2>>
  %b = shiftadd.requantize %a {shift = array<i64: 2>}
    : tensor<1x1x2x2x!shiftadd.fixed<i32, 2>> -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
  %c = shiftadd.shift_conv2d %b {weights = dense<1> : tensor<1x1x3x3xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>,
                                 strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
    : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x2x2x!shiftadd.fixed<i32, 2>>
  %d = shiftadd.requantize %c {shift = array<i64: 2>}
    : tensor<1x1x2x2x!shiftadd.fixed<i32, 2>> -> tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
  return %d : tensor<1x1x2x2x!shiftadd.fixed<i8, 0>>
}
