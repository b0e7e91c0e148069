// RUN: shiftadd-opt %s --shiftadd-outline-loops --split-input-file | FileCheck %s

// A loop nest that only writes buffers moves into a private function: the
// constants and globals it reads are cloned there, the buffer argument is
// passed. A loop whose result is read, and one over a strided memref (no bare
// pointer for it), stay.
memref.global "private" @buffer : memref<4xi8> = dense<0>

// CHECK-LABEL: func.func @model(
// CHECK-SAME:      %[[IN:.*]]: memref<4xi8>, %[[OUT:.*]]: memref<1xindex>, %[[S:.*]]: memref<2xi8, strided<[2]>>)
// CHECK:         call @__shiftadd_model_loop0(%[[IN]]) : (memref<4xi8>) -> ()
// CHECK:         %[[LAST:.*]] = scf.for
// CHECK:         memref.store %[[LAST]], %[[OUT]]
// CHECK:         scf.for
// CHECK:           memref.load %[[S]]
// CHECK:         call @__shiftadd_model_loop1(%[[IN]]) : (memref<4xi8>) -> ()
// CHECK-NEXT:    return
// CHECK:       func.func private @__shiftadd_model_loop0(%[[A:.*]]: memref<4xi8>) attributes {llvm.linkage = #llvm.linkage<internal>} {
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[G:.*]] = memref.get_global @buffer
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %[[C4]]
// CHECK:           %[[V:.*]] = memref.load %[[A]][%[[I]]]
// CHECK:           memref.store %[[V]], %[[G]][%[[I]]]
// CHECK:         return
// CHECK:       func.func private @__shiftadd_model_loop1(
func.func @model(%in: memref<4xi8>, %out: memref<1xindex>, %strided: memref<2xi8, strided<[2]>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %buffer = memref.get_global @buffer : memref<4xi8>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %in[%i] : memref<4xi8>
    memref.store %v, %buffer[%i] : memref<4xi8>
  }
  %last = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %c0) -> index {
    %next = arith.addi %acc, %i : index
    scf.yield %next : index
  }
  memref.store %last, %out[%c0] : memref<1xindex>
  scf.for %i = %c0 to %c2 step %c1 {
    %v = memref.load %strided[%i] : memref<2xi8, strided<[2]>>
    memref.store %v, %buffer[%i] : memref<4xi8>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %buffer[%i] : memref<4xi8>
    memref.store %v, %in[%i] : memref<4xi8>
  }
  return
}

// -----

// The name is taken: the new function gets a unique one.
// CHECK-LABEL: func.func @f(
// CHECK:         call @[[NAME:__shiftadd_f_loop0_[0-9]+]]()
// CHECK:       func.func private @[[NAME]]()
// CHECK:       func.func private @__shiftadd_f_loop0()
memref.global "private" @buffer : memref<4xi8> = dense<0>
func.func @f() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i8
  %buffer = memref.get_global @buffer : memref<4xi8>
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %zero, %buffer[%i] : memref<4xi8>
  }
  return
}
func.func private @__shiftadd_f_loop0()
