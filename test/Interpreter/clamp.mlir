// RUN: shiftadd-run %s | FileCheck %s
// Spec section 8: ReLU6 at 4 fractional bits is clamp [0, 96].

// CHECK: @relu6 #0 : 4 = [0, 50, 96, 96]
func.func @relu6() -> tensor<4x!shiftadd.fixed<i8, 4>> {
  %x = shiftadd.constant dense<[-5, 50, 100, 127]> : tensor<4xi8> -> tensor<4x!shiftadd.fixed<i8, 4>>
  %r = shiftadd.clamp %x {min = 0, max = 96} : tensor<4x!shiftadd.fixed<i8, 4>>
  return %r : tensor<4x!shiftadd.fixed<i8, 4>>
}
