// RUN: shiftadd-run %s | FileCheck %s
// Spec section 8: rescaled add.

!x = !shiftadd.fixed<i8, 2>
!y = !shiftadd.fixed<i8, 3>

// The spec's example first (0.75 + 0.625 -> R(6 + 5, 1) = 6, i.e. 1.5), then
// -0.75 + 0.625 -> R(-1, 1) = 0, saturation (200 + 100 -> 150 -> 127), 0 - 1/8 -> 0.
// CHECK: @coarser_result #0 : 4 = [6, 0, 127, 0]
// CHECK: @coarser_result #1 : 4 = [6, 0, 100, 0]
func.func @coarser_result() -> (tensor<4x!shiftadd.fixed<i8, 2>>, tensor<4x!shiftadd.fixed<i8, 2>>) {
  %a = shiftadd.constant dense<[3, -3, 100, 0]> : tensor<4xi8> -> tensor<4x!x>
  %b = shiftadd.constant dense<[5, 5, 100, -1]> : tensor<4xi8> -> tensor<4x!y>
  %s = shiftadd.add %a, %b : tensor<4x!x>, tensor<4x!y> -> tensor<4x!shiftadd.fixed<i8, 2>>
  %c = shiftadd.add %a, %b {clamp = array<i64: 0, 100>} : tensor<4x!x>, tensor<4x!y> -> tensor<4x!shiftadd.fixed<i8, 2>>
  return %s, %c : tensor<4x!shiftadd.fixed<i8, 2>>, tensor<4x!shiftadd.fixed<i8, 2>>
}

// A result finer than both inputs is exact: the sums at 3 bits, doubled.
// CHECK: @finer_result #0 : 4 = [22, -2, 600, -2]
func.func @finer_result() -> tensor<4x!shiftadd.fixed<i16, 4>> {
  %a = shiftadd.constant dense<[3, -3, 100, 0]> : tensor<4xi8> -> tensor<4x!x>
  %b = shiftadd.constant dense<[5, 5, 100, -1]> : tensor<4xi8> -> tensor<4x!y>
  %s = shiftadd.add %a, %b : tensor<4x!x>, tensor<4x!y> -> tensor<4x!shiftadd.fixed<i16, 4>>
  return %s : tensor<4x!shiftadd.fixed<i16, 4>>
}
