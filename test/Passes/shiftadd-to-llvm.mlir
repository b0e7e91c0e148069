// RUN: shiftadd-opt %s --shiftadd-to-llvm=index-bitwidth=32 | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-to-llvm | FileCheck %s --check-prefix=INDEX64
// RUN: shiftadd-opt %s --shiftadd-to-llvm="index-bitwidth=32 outline-loops=1" | FileCheck %s --check-prefix=OUTLINE

// The whole pipeline: a C-callable function of bare pointers, nounwind, with
// buffers as zero-initialized globals and no multiplication at the LLVM level.
// CHECK: llvm.mlir.global private @__shiftadd_buffer_0(dense<0> : tensor<4xi8>) {{.*}} : !llvm.array<4 x i8>
// CHECK: llvm.func @model(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) attributes {passthrough = ["nounwind"]}
// CHECK-NOT: llvm.mul
// CHECK-NOT: llvm.call
// CHECK: llvm.add {{.*}} : i32
// CHECK-NOT: llvm.mul
// INDEX64: llvm.add {{.*}} : i64

// With outline-loops the entry point calls its loop nests, which are internal
// and nounwind too.
// OUTLINE: llvm.func @model(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) attributes {passthrough = ["nounwind"]}
// OUTLINE: llvm.call @__shiftadd_model_loop0(%{{.*}}) : (!llvm.ptr) -> ()
// OUTLINE: llvm.func internal @__shiftadd_model_loop0(%{{.*}}: !llvm.ptr) attributes {passthrough = ["nounwind"]
func.func @model(%x: tensor<1x4x!shiftadd.fixed<i8, 2>>) -> tensor<1x1x!shiftadd.fixed<i8, 2>> {
  %y = shiftadd.clamp %x {min = 0, max = 100} : tensor<1x4x!shiftadd.fixed<i8, 2>>
  %acc = shiftadd.mul_linear %y {weights = dense<[[7, -6, 100, 3]]> : tensor<1x4xi8>, weight_frac = 3}
    : tensor<1x4x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 5>>
  %q = shiftadd.requantize %acc {shift = array<i64: 3>, multiplier = array<i64: 1518500250>}
    : tensor<1x1x!shiftadd.fixed<i32, 5>> -> tensor<1x1x!shiftadd.fixed<i8, 2>>
  return %q : tensor<1x1x!shiftadd.fixed<i8, 2>>
}
