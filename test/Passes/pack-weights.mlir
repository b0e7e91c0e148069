// RUN: shiftadd-opt %s --shiftadd-pack-weights | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-pack-weights=min-weights=5 | FileCheck %s --check-prefix=LARGE-ONLY
// RUN: shiftadd-opt %s --shiftadd-pack-weights --shiftadd-lower-to-loops | FileCheck %s --check-prefix=DECODE

// The spec's example: 5-bit levels [1, -2, 0, 15] pack into 0x41 0x82 0x07,
// plus a zero byte for two-byte reads.
// CHECK: memref.global "private" constant @__shiftadd_packed_{{[0-9]}} : memref<4xi8> = dense<[65, -126, 7, 0]>
// CHECK-LABEL: func.func @spec_example
// CHECK: shiftadd.shift_linear {{.*}}packed = @__shiftadd_packed_
// With min-weights=5 the layers of four weights are not packed:
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

// The tables of @power_of_two and @multiplier below (globals come first):
// DECODE-DAG: memref.global "private" constant @__shiftadd_packed_{{[0-9]+}}_requantize : memref<6xi32> = dense<[8292, 0, 14, 4093, 0, 13]>
// DECODE-DAG: memref.global "private" constant @__shiftadd_packed_{{[0-9]+}}_requantize : memref<4xi32> = dense<[0, -171, 169, 2050]>
// DECODE-DAG: memref.global "private" constant @__shiftadd_packed_{{[0-9]+}}_digits : memref<2xi8> = dense<[-100, 30]>

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

// With a fused requantization the output channels become a run-time loop too,
// requantized from a table: per channel {bias + 2^(s-1), left shift, right
// shift} in power-of-two mode, R(acc + b, s) = ((acc + b + 2^(s-1)) << 0) >> s.
// DECODE-LABEL: func.func @power_of_two
// DECODE: scf.for
// DECODE: arith.shrsi
// DECODE-NOT: arith.muli
func.func @power_of_two(%x: tensor<1x4x!shiftadd.fixed<i8, 0>>) -> tensor<1x2x!shiftadd.fixed<i8, 0>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -2, 0, 15], [2, 2, 2, 2]]> : tensor<2x4xi8>, code = #shiftadd.code<bits = 5, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x!shiftadd.fixed<i32, 14>>
  %y = shiftadd.requantize %acc {shift = array<i64: 14, 13>, bias = array<i64: 100, -3>}
    : tensor<1x2x!shiftadd.fixed<i32, 14>> -> tensor<1x2x!shiftadd.fixed<i8, 0>>
  return %y : tensor<1x2x!shiftadd.fixed<i8, 0>>
}

// Multiplier mode: m = 3 * 2^28 = 2^30 - 2^28 has the digits -2^28 (a byte
// 0x80 | 28) and +2^30; S = shift + 31 = 30 < 32, so v is pre-shifted by 2
// and the result is the high word of v m 2^2 + 2^31. v = acc + bias is first
// clamped to [-171, 169]: R(-171 * 0.75, 0) = -128, R(169 * 0.75, 0) = 127.
// Entries: bias, v range, pre | post << 5 | 2 digits << 10 | first digit 0 << 15.
// DECODE-LABEL: func.func @multiplier
// DECODE: scf.for
// DECODE: arith.addi %{{.*}} : i64
// DECODE-NOT: arith.muli
func.func @multiplier(%x: tensor<1x4x!shiftadd.fixed<i8, 0>>) -> tensor<1x1x!shiftadd.fixed<i8, 0>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -2, 3, 1]]> : tensor<1x4xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i8, 0>> -> tensor<1x1x!shiftadd.fixed<i32, 2>>
  %y = shiftadd.requantize %acc {shift = array<i64: -1>, multiplier = array<i64: 805306368>}
    : tensor<1x1x!shiftadd.fixed<i32, 2>> -> tensor<1x1x!shiftadd.fixed<i8, 0>>
  return %y : tensor<1x1x!shiftadd.fixed<i8, 0>>
}
