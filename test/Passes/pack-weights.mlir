// RUN: shiftadd-opt %s --shiftadd-pack-weights | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-pack-weights=min-weights=5 | FileCheck %s --check-prefix=LARGE-ONLY
// RUN: shiftadd-opt %s --shiftadd-pack-weights --shiftadd-lower-to-loops | FileCheck %s --check-prefix=DECODE

// The spec's example: 5-bit levels [1, -2, 0, 15] pack into 0x41 0x82 0x07,
// plus a zero byte for two-byte reads.
// CHECK: memref.global "private" constant @__shiftadd_packed_{{[0-9]}} : memref<4xi8> = dense<[65, -126, 7, 0]>
// CHECK-LABEL: func.func @spec_example
// CHECK: shiftadd.shift_linear {{.*}}packed = @__shiftadd_packed_
// Only the layer of six weights is packed with min-weights=5:
// LARGE-ONLY: memref.global "private" constant @__shiftadd_packed_0 : memref<4xi8> = dense<[49, -90, 0, 0]>
// LARGE-ONLY-NOT: memref.global
// LARGE-ONLY-LABEL: func.func @spec_example
// LARGE-ONLY-NOT: packed
// LARGE-ONLY-LABEL: func.func @bigger
// LARGE-ONLY: packed = @__shiftadd_packed_0
func.func @spec_example(%x: tensor<1x4x!shiftadd.fixed<i8, 0>>) -> tensor<1x1x!shiftadd.fixed<i32, 14>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -2, 0, 15]]> : tensor<1x4xi8>, code = #shiftadd.code<bits = 5, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 0>> -> tensor<1x1x!shiftadd.fixed<i32, 14>>
  return %acc : tensor<1x1x!shiftadd.fixed<i32, 14>>
}

// A packed layer lowers to a decoding loop over its taps instead of
// straight-line code: two byte loads, shifts and masks, a select for zero.
// DECODE-LABEL: func.func @bigger
// DECODE: memref.get_global @__shiftadd_packed_
// DECODE: scf.for
// DECODE: arith.shrui %{{.*}}, %{{.*}} : index
// DECODE: memref.load
// DECODE: arith.cmpi eq
// DECODE: arith.select
// DECODE-NOT: arith.muli
func.func @bigger(%x: tensor<1x6x!shiftadd.fixed<i8, 0>>) -> tensor<1x1x!shiftadd.fixed<i32, 2>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -2, 0, 3, 2, 1]]> : tensor<1x6xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x6x!shiftadd.fixed<i8, 0>> -> tensor<1x1x!shiftadd.fixed<i32, 2>>
  return %acc : tensor<1x1x!shiftadd.fixed<i32, 2>>
}
