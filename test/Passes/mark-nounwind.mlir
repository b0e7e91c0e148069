// RUN: shiftadd-opt %s --shiftadd-mark-nounwind | FileCheck %s

// CHECK: llvm.func @plain() attributes {passthrough = ["nounwind"]}
llvm.func @plain() {
  llvm.return
}

// Existing passthrough attributes are kept, and nounwind is not repeated.
// CHECK: llvm.func @kept() attributes {passthrough = ["noinline", "nounwind"]}
llvm.func @kept() attributes {passthrough = ["noinline", "nounwind"]} {
  llvm.return
}
