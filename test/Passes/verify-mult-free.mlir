// RUN: shiftadd-opt %s --shiftadd-verify-mult-free --split-input-file -verify-diagnostics

// Shifts, adds, compares and selects pass.
func.func @clean(%x: i32, %i: index) -> (i32, index) {
  %c3 = arith.constant 3 : i32
  %s = arith.shli %x, %c3 : i32
  %a = arith.subi %s, %x : i32
  %c = arith.cmpi slt, %a, %x : i32
  %m = arith.select %c, %a, %x : i32
  %c1 = arith.constant 1 : index
  %j = arith.addi %i, %c1 : index
  return %m, %j : i32, index
}

// -----

func.func @data(%x: i32, %y: i32) -> i32 {
  // expected-error @+1 {{multiplication-free code contains 'arith.muli'}}
  %z = arith.muli %x, %y : i32
  return %z : i32
}

// -----

// Index arithmetic is held to the same rule.
func.func @index(%i: index) -> index {
  %c3 = arith.constant 3 : index
  // expected-error @+1 {{multiplication-free code contains 'arith.muli'}}
  %j = arith.muli %i, %c3 : index
  return %j : index
}

// -----

func.func @division(%x: i32, %y: i32) -> i32 {
  // expected-error @+1 {{multiplication-free code contains 'arith.divsi'}}
  %z = arith.divsi %x, %y : i32
  return %z : i32
}

// -----

llvm.func @llvm_level(%x: i32, %y: i32) -> i32 {
  // expected-error @+1 {{multiplication-free code contains 'llvm.mul'}}
  %z = llvm.mul %x, %y : i32
  llvm.return %z : i32
}
