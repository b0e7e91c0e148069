// RUN: shiftadd-opt %s --shiftadd-static-buffers | FileCheck %s

// CHECK: memref.global "private" @__shiftadd_buffer_1 : memref<16xi32> = dense<0> {alignment = 4 : i64}
// CHECK: memref.global "private" @__shiftadd_buffer_0 : memref<8xi8> = dense<0> {alignment = 4 : i64}
// CHECK-LABEL: func.func @f
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: %[[A:.*]] = memref.get_global @__shiftadd_buffer_0 : memref<8xi8>
// CHECK: %[[B:.*]] = memref.get_global @__shiftadd_buffer_1 : memref<16xi32>
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK: memref.store %{{.*}}, %[[B]]
func.func @f(%v: i8, %w: i32) {
  %a = memref.alloc() : memref<8xi8>
  %b = memref.alloc() : memref<16xi32>
  %c0 = arith.constant 0 : index
  memref.store %v, %a[%c0] : memref<8xi8>
  memref.store %w, %b[%c0] : memref<16xi32>
  memref.dealloc %a : memref<8xi8>
  return
}
