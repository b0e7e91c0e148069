// RUN: shiftadd-opt %s --shiftadd-lower-to-loops=wide-inputs=1 | FileCheck %s

// wide-inputs: the layer first copies its input into an i32 buffer (sign
// extension), then sums i32 loads from it, which x86-64 folds into its adds.
// CHECK-LABEL: func.func @two_channels
// CHECK: %[[WIDE:.*]] = memref.alloc() : memref<2xi32>
// CHECK: scf.for
// CHECK: arith.extsi
// CHECK: memref.store %{{.*}}, %[[WIDE]]
// CHECK: memref.load %[[WIDE]]
// CHECK-NOT: arith.extsi
// CHECK: return
func.func @two_channels(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) -> tensor<1x2x!shiftadd.fixed<i32, 4>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3], [2, 2]]> : tensor<2x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x2x!shiftadd.fixed<i32, 4>>
  return %acc : tensor<1x2x!shiftadd.fixed<i32, 4>>
}
