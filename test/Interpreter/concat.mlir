// RUN: shiftadd-run %s | FileCheck %s
// Concatenation (tensor.concat) keeps values and format; row-major along the axis.

!t = !shiftadd.fixed<i8, 2>

// Along channels: each image's channel planes in turn.
// CHECK: @channels #0 : 1x3x1x2 = [1, 2, 3, 4, 5, 6]
func.func @channels() -> tensor<1x3x1x2x!t> {
  %a = shiftadd.constant dense<[[[[1, 2]], [[3, 4]]]]> : tensor<1x2x1x2xi8> -> tensor<1x2x1x2x!t>
  %b = shiftadd.constant dense<[[[[5, 6]]]]> : tensor<1x1x1x2xi8> -> tensor<1x1x1x2x!t>
  %c = tensor.concat dim(1) %a, %b : (tensor<1x2x1x2x!t>, tensor<1x1x1x2x!t>) -> tensor<1x3x1x2x!t>
  return %c : tensor<1x3x1x2x!t>
}

// Two images of (N, C): rows interleave.
// CHECK: @features #0 : 2x3 = [1, 2, 5, 3, 4, 6]
func.func @features() -> tensor<2x3x!t> {
  %a = shiftadd.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!t>
  %b = shiftadd.constant dense<[[5], [6]]> : tensor<2x1xi8> -> tensor<2x1x!t>
  %c = tensor.concat dim(1) %a, %b : (tensor<2x2x!t>, tensor<2x1x!t>) -> tensor<2x3x!t>
  return %c : tensor<2x3x!t>
}
