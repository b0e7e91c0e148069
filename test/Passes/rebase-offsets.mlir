// RUN: shiftadd-opt %s --shiftadd-rebase-offsets | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-rebase-offsets=reach=8 | FileCheck %s --check-prefix=REACH8
// RUN: not shiftadd-opt %s --shiftadd-rebase-offsets=reach=0 2>&1 | FileCheck %s --check-prefix=ZERO

// Taps of one block at offsets 5, 40, 45, 64 and 70 from a carried offset:
// offsets within reach (32 words) stay; the others load from a chunk base
// (the offset rounded down to a multiple of 32), one per chunk and block,
// plus the remainder. Sign-extended byte loads are left alone (Thumb-1's
// `ldrsb` has no immediate offset).
// CHECK-LABEL: func.func @taps
// CHECK: %[[T5:.*]] = arith.addi %[[O:.*]], %c5
// CHECK: memref.load %{{.*}}[%[[T5]]] : memref<128xi32>
// CHECK: %[[C32:.*]] = arith.addi %[[O]], %c32
// CHECK: %[[T40:.*]] = arith.addi %[[C32]], %c8
// CHECK: memref.load %{{.*}}[%[[T40]]] : memref<128xi32>
// CHECK: %[[T45:.*]] = arith.addi %[[C32]], %c13
// CHECK: memref.load %{{.*}}[%[[T45]]] : memref<128xi32>
// CHECK: %[[C64:.*]] = arith.addi %[[O]], %c64
// CHECK: memref.load %{{.*}}[%[[C64]]] : memref<128xi32>
// CHECK: %[[T70:.*]] = arith.addi %[[C64]], %c6
// CHECK: memref.load %{{.*}}[%[[T70]]] : memref<128xi32>
// CHECK: %[[B40:.*]] = arith.addi %[[O]], %c40
// CHECK: memref.load %{{.*}}[%[[B40]]] : memref<128xi8>
// In a second block, the chunk gets a base of its own.
// CHECK: scf.if
// CHECK: %[[D32:.*]] = arith.addi %[[O]], %c32
// CHECK: %[[T33:.*]] = arith.addi %[[D32]], %c1
// CHECK: memref.load %{{.*}}[%[[T33]]] : memref<128xi32>
// Reach 8: offset 45 is 5 after the chunk at 40.
// REACH8-LABEL: func.func @taps
// REACH8: %[[C40:.*]] = arith.addi %[[O:.*]], %c40
// REACH8: memref.load %{{.*}}[%[[C40]]] : memref<128xi32>
// REACH8: %[[T45:.*]] = arith.addi %[[C40]], %c5{{.*}}
// REACH8: memref.load %{{.*}}[%[[T45]]] : memref<128xi32>
// ZERO: error: shiftadd-rebase-offsets: reach must be at least 1
func.func @taps(%words: memref<128xi32>, %bytes: memref<128xi8>, %o: index, %flag: i1) -> i32 {
  %c5 = arith.constant 5 : index
  %c40 = arith.constant 40 : index
  %c45 = arith.constant 45 : index
  %c64 = arith.constant 64 : index
  %c70 = arith.constant 70 : index
  %c33 = arith.constant 33 : index
  %t5 = arith.addi %o, %c5 : index
  %a = memref.load %words[%t5] : memref<128xi32>
  %t40 = arith.addi %o, %c40 : index
  %b = memref.load %words[%t40] : memref<128xi32>
  %t45 = arith.addi %o, %c45 : index
  %c = memref.load %words[%t45] : memref<128xi32>
  %t64 = arith.addi %o, %c64 : index
  %d = memref.load %words[%t64] : memref<128xi32>
  %t70 = arith.addi %o, %c70 : index
  %e = memref.load %words[%t70] : memref<128xi32>
  %b40 = arith.addi %o, %c40 : index
  %f8 = memref.load %bytes[%b40] : memref<128xi8>
  %f = arith.extsi %f8 : i8 to i32
  %s1 = arith.addi %a, %b : i32
  %s2 = arith.addi %s1, %c : i32
  %s3 = arith.addi %s2, %d : i32
  %s4 = arith.addi %s3, %e : i32
  %s5 = arith.addi %s4, %f : i32
  %r = scf.if %flag -> i32 {
    %t33 = arith.addi %o, %c33 : index
    %g = memref.load %words[%t33] : memref<128xi32>
    scf.yield %g : i32
  } else {
    scf.yield %s5 : i32
  }
  %sum = arith.addi %s5, %r : i32
  return %sum : i32
}

// Stores have immediate offsets too (Thumb-1 `strb` 31 bytes, `str` 31
// words): bytes at 3, 40 and 41 from the carried offset share the chunk at
// 32; a word at 70 takes the chunk at 64.
// CHECK-LABEL: func.func @stores
// CHECK: %[[S3:.*]] = arith.addi %[[P:.*]], %c3
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S3]]] : memref<128xi8>
// CHECK: %[[B32:.*]] = arith.addi %[[P]], %c32
// CHECK: %[[S40:.*]] = arith.addi %[[B32]], %c8
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S40]]] : memref<128xi8>
// CHECK: %[[S41:.*]] = arith.addi %[[B32]], %c9
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S41]]] : memref<128xi8>
// CHECK: %[[B64:.*]] = arith.addi %[[P]], %c64
// CHECK: %[[S70:.*]] = arith.addi %[[B64]], %c6
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S70]]] : memref<128xi32>
func.func @stores(%bytes: memref<128xi8>, %words: memref<128xi32>, %p: index, %x: i8, %y: i32) {
  %c3 = arith.constant 3 : index
  %c40 = arith.constant 40 : index
  %c41 = arith.constant 41 : index
  %c70 = arith.constant 70 : index
  %s3 = arith.addi %p, %c3 : index
  memref.store %x, %bytes[%s3] : memref<128xi8>
  %s40 = arith.addi %p, %c40 : index
  memref.store %x, %bytes[%s40] : memref<128xi8>
  %s41 = arith.addi %p, %c41 : index
  memref.store %x, %bytes[%s41] : memref<128xi8>
  %s70 = arith.addi %p, %c70 : index
  memref.store %y, %words[%s70] : memref<128xi32>
  return
}

// A byte load that is only zero-extended is Thumb-1's `ldrb`, which takes an
// immediate offset: rebased like a word load. One that is also sign-extended
// keeps its offset.
// CHECK-LABEL: func.func @unsigned_bytes
// CHECK: %[[B32:.*]] = arith.addi %[[O:.*]], %c32
// CHECK: %[[T40:.*]] = arith.addi %[[B32]], %c8
// CHECK: memref.load %{{.*}}[%[[T40]]] : memref<128xi8>
// CHECK: %[[T50:.*]] = arith.addi %[[O]], %c50
// CHECK: memref.load %{{.*}}[%[[T50]]] : memref<128xi8>
func.func @unsigned_bytes(%bytes: memref<128xi8>, %o: index) -> (i32, i32, i32) {
  %c40 = arith.constant 40 : index
  %c50 = arith.constant 50 : index
  %t40 = arith.addi %o, %c40 : index
  %a8 = memref.load %bytes[%t40] : memref<128xi8>
  %a = arith.extui %a8 : i8 to i32
  %t50 = arith.addi %o, %c50 : index
  %b8 = memref.load %bytes[%t50] : memref<128xi8>
  %b = arith.extui %b8 : i8 to i32
  %c = arith.extsi %b8 : i8 to i32
  return %a, %b, %c : i32, i32, i32
}
