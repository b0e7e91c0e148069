// RUN: shiftadd-opt %s | shiftadd-opt | FileCheck %s
// RUN: not shiftadd-opt %S/Inputs/malformed.mlir 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: func.func @add_i32
// CHECK: %[[S:.*]] = arith.addi %{{.*}}, %{{.*}} : i32
// CHECK: return %[[S]]
func.func @add_i32(%a: i32, %b: i32) -> i32 {
  %s = arith.addi %a, %b : i32
  return %s : i32
}

// A parse error is reported with its file, line and column, not a crash.
// BAD: malformed.mlir:3:{{[0-9]+}}: error:
