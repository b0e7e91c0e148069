// RUN: shiftadd-opt %s --shiftadd-lower-to-loops=channel-tile=2 | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops | FileCheck %s --check-prefix=DEFAULT
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops="channel-tile=2 exponent-sums=1" | FileCheck %s --check-prefix=EXP

// channel-tile: the two output channels are summed together, input by input,
// so each input is loaded once (two loads instead of four) and added, shifted
// by its weight's exponent (3 - |level| here), to both accumulators.
// CHECK-LABEL: func.func @two_channels
// CHECK: %[[X0:.*]] = memref.load
// CHECK: %[[A0:.*]] = arith.extsi %[[X0]]
// CHECK: %[[S0:.*]] = arith.shli %[[A0]], %c2_i32
// CHECK: %[[S1:.*]] = arith.shli %[[A0]], %c1_i32
// CHECK: %[[X1:.*]] = memref.load
// CHECK: %[[A1:.*]] = arith.extsi %[[X1]]
// CHECK: %[[Y0:.*]] = arith.subi %[[S0]], %[[A1]]
// CHECK: %[[T1:.*]] = arith.shli %[[A1]], %c1_i32
// CHECK: %[[Y1:.*]] = arith.addi %[[S1]], %[[T1]]
// CHECK-NOT: memref.load
// CHECK: memref.store %[[Y0]]
// CHECK: memref.store %[[Y1]]
// DEFAULT-LABEL: func.func @two_channels
// DEFAULT-COUNT-4: memref.load
func.func @two_channels(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) -> tensor<1x2x!shiftadd.fixed<i32, 4>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3], [2, 2]]> : tensor<2x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x2x!shiftadd.fixed<i32, 4>>
  return %acc : tensor<1x2x!shiftadd.fixed<i32, 4>>
}

// exponent-sums: each channel keeps a partial sum per exponent; an input is
// still loaded once, a weight costs one add, and each partial sum is shifted
// once: channel 0 is (x0 + x1) << 2 (one shift, not two), channel 1 x0 - x1.
// EXP-LABEL: func.func @shared_exponents
// EXP: %[[X0:.*]] = memref.load
// EXP: %[[A0:.*]] = arith.extsi %[[X0]]
// EXP: %[[X1:.*]] = memref.load
// EXP: %[[A1:.*]] = arith.extsi %[[X1]]
// EXP: %[[P0:.*]] = arith.addi %[[A0]], %[[A1]]
// EXP: %[[P1:.*]] = arith.subi %[[A0]], %[[A1]]
// EXP: %[[Y0:.*]] = arith.shli %[[P0]], %c2_i32
// EXP-NOT: arith.shli
// EXP-NOT: memref.load
// EXP: memref.store %[[Y0]]
// EXP: memref.store %[[P1]]
// The default tile shifts every term: two shifts for channel 0.
// CHECK-LABEL: func.func @shared_exponents
// CHECK-COUNT-2: arith.shli
// CHECK-NOT: arith.shli
// CHECK: return
func.func @shared_exponents(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) -> tensor<1x2x!shiftadd.fixed<i32, 4>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, 1], [3, -3]]> : tensor<2x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x2x!shiftadd.fixed<i32, 4>>
  return %acc : tensor<1x2x!shiftadd.fixed<i32, 4>>
}
