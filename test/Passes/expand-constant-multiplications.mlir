// RUN: shiftadd-opt %s --shiftadd-expand-constant-multiplications --split-input-file | FileCheck %s

// 7 = 8 - 1 in non-adjacent form: one shift and one subtract.
// CHECK-LABEL: func.func @times_seven
// CHECK-SAME: (%[[X:.*]]: i32)
// CHECK-NOT: arith.muli
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i32
// CHECK-DAG: %[[S:.*]] = arith.shli %[[X]], %[[C3]]
// CHECK: %[[R:.*]] = arith.subi %[[S]], %[[X]]
// CHECK: return %[[R]]
func.func @times_seven(%x: i32) -> i32 {
  %c = arith.constant 7 : i32
  %y = arith.muli %x, %c : i32
  return %y : i32
}

// -----

// The constant may be on the left; -6 = -(8 - 2): the subtraction is ordered
// so that no negation is needed.
// CHECK-LABEL: func.func @times_minus_six
// CHECK-NOT: arith.muli
// CHECK-DAG: %[[S1:.*]] = arith.shli %arg0, %{{.*}} : i64
// CHECK-DAG: %[[S3:.*]] = arith.shli %arg0, %{{.*}} : i64
// CHECK: %[[R:.*]] = arith.subi %[[S1]], %[[S3]] : i64
// CHECK: return %[[R]]
func.func @times_minus_six(%x: i64) -> i64 {
  %c = arith.constant -6 : i64
  %y = arith.muli %c, %x : i64
  return %y : i64
}

// -----

// Powers of two are one shift; 1 is the operand; 0 is 0.
// CHECK-LABEL: func.func @trivial
// CHECK-NOT: arith.muli
// CHECK: %[[S:.*]] = arith.shli %arg0
// CHECK: return %[[S]], %arg0, %{{.*}}
func.func @trivial(%x: i32) -> (i32, i32, i32) {
  %c16 = arith.constant 16 : i32
  %c1 = arith.constant 1 : i32
  %c0 = arith.constant 0 : i32
  %a = arith.muli %x, %c16 : i32
  %b = arith.muli %x, %c1 : i32
  %z = arith.muli %x, %c0 : i32
  return %a, %b, %z : i32, i32, i32
}

// -----

// 1518500250 (0.7071 * 2^31) has 13 non-zero signed digits: 12 adds/subs in a
// balanced tree, and no multiplication.
// CHECK-LABEL: func.func @multiplier
// CHECK-NOT: arith.muli
// CHECK-COUNT-12: arith.{{addi|subi}}
// CHECK-NOT: arith.{{addi|subi}}
func.func @multiplier(%x: i64) -> i64 {
  %m = arith.constant 1518500250 : i64
  %y = arith.muli %x, %m : i64
  return %y : i64
}

// -----

// A multiplication of two variables cannot be expanded and stays.
// CHECK-LABEL: func.func @variables
// CHECK: arith.muli
func.func @variables(%x: i32, %y: i32) -> i32 {
  %z = arith.muli %x, %y : i32
  return %z : i32
}
