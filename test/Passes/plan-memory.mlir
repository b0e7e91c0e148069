// RUN: shiftadd-opt %s --shiftadd-lower-to-loops --shiftadd-plan-memory | FileCheck %s

// Three layers: the padded input of the first (36 bytes), its output (64),
// and the second's output (16), which the second writes with the third's
// zero border (36) so that the third copies nothing, sum to 136 bytes, but
// at most two are alive at once: the arena is their peak, 100, and the later
// buffer reuses the first one's offset.
// CHECK-LABEL: func.func @chain(
// CHECK-SAME: %{{.*}}: memref<16xi8>, %{{.*}}: memref<16xi8>, %[[ARENA:.*]]: memref<100xi8>)
// CHECK-SAME: shiftadd.arena_peak = 100 : i64, shiftadd.arena_size = 100 : i64
// CHECK-NOT: memref.alloc
// CHECK: memref.view %[[ARENA]][%c64{{(_[0-9]+)?}}][] : memref<100xi8> to memref<36xi8>
// CHECK: memref.view %[[ARENA]][%c0{{(_[0-9]+)?}}][] : memref<100xi8> to memref<64xi8>
// CHECK: memref.view %[[ARENA]][%c64{{(_[0-9]+)?}}][] : memref<100xi8> to memref<36xi8>
// CHECK-NOT: memref.view
// CHECK-NOT: memref.alloc
func.func @chain(%x: tensor<1x1x4x4x!shiftadd.fixed<i8, 4>>) -> tensor<1x1x4x4x!shiftadd.fixed<i8, 4>> {
  %a = shiftadd.shift_conv2d %x {code = #shiftadd.code<bits = 5, max_exp = 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, weights = dense<[[[[1, 0, 2], [0, 3, 0], [-1, 0, 1]]], [[[1, 1, 1], [1, 1, 1], [1, 1, 1]]], [[[0, 0, 0], [0, 1, 0], [0, 0, 0]]], [[[2, 2, 2], [2, 2, 2], [2, 2, 2]]]]> : tensor<4x1x3x3xi8>} : tensor<1x1x4x4x!shiftadd.fixed<i8, 4>> -> tensor<1x4x4x4x!shiftadd.fixed<i32, 18>>
  %b = shiftadd.requantize %a {shift = array<i64: 14>} : tensor<1x4x4x4x!shiftadd.fixed<i32, 18>> -> tensor<1x4x4x4x!shiftadd.fixed<i8, 4>>
  %c = shiftadd.shift_conv2d %b {code = #shiftadd.code<bits = 5, max_exp = 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, weights = dense<[[[[1]], [[2]], [[-3]], [[0]]]]> : tensor<1x4x1x1xi8>} : tensor<1x4x4x4x!shiftadd.fixed<i8, 4>> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 18>>
  %d = shiftadd.requantize %c {shift = array<i64: 14>} : tensor<1x1x4x4x!shiftadd.fixed<i32, 18>> -> tensor<1x1x4x4x!shiftadd.fixed<i8, 4>>
  %e = shiftadd.shift_conv2d %d {code = #shiftadd.code<bits = 5, max_exp = 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, weights = dense<[[[[1, 0, 2], [0, 3, 0], [-1, 0, 1]]]]> : tensor<1x1x3x3xi8>} : tensor<1x1x4x4x!shiftadd.fixed<i8, 4>> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 18>>
  %f = shiftadd.requantize %e {shift = array<i64: 14>} : tensor<1x1x4x4x!shiftadd.fixed<i32, 18>> -> tensor<1x1x4x4x!shiftadd.fixed<i8, 4>>
  return %f : tensor<1x1x4x4x!shiftadd.fixed<i8, 4>>
}
