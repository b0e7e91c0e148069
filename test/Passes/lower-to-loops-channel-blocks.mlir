// RUN: shiftadd-opt %s --shiftadd-lower-to-loops=channel-blocks=1 | FileCheck %s
// RUN: shiftadd-opt %s --shiftadd-lower-to-loops | FileCheck %s --check-prefix=DEFAULT

// channel-blocks: each output channel's sum behind a condition that always
// holds (the output offset is >= 0), so that llc gives it a block of its own.
// CHECK-LABEL: func.func @two_channels
// CHECK: %[[ALWAYS:.*]] = arith.cmpi sge, %{{.*}}, %{{.*}} : index
// CHECK: scf.if %[[ALWAYS]] -> (i32) {
// CHECK: scf.if %{{.*}} -> (i32) {
// DEFAULT-LABEL: func.func @two_channels
// DEFAULT-NOT: scf.if
func.func @two_channels(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) -> tensor<1x2x!shiftadd.fixed<i32, 4>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3], [2, 2]]> : tensor<2x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x2x!shiftadd.fixed<i32, 4>>
  return %acc : tensor<1x2x!shiftadd.fixed<i32, 4>>
}
