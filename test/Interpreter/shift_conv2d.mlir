// RUN: shiftadd-run %s | FileCheck %s
// Spec sections 3 and 5: shift convolutions with padding, strides, groups.
// 3-bit code, max_exp 0: levels 1, 2, 3 are W = 4, 2, 1 (pmin = -2).

!img = !shiftadd.fixed<i8, 0>
!acc = !shiftadd.fixed<i32, 2>

// W = [[4, 0], [-1, 2]] over 1..9: (0,0) = 4 - 4 + 10 = 10, (0,1) = 8 - 5 + 12 = 15,
// (1,0) = 16 - 7 + 16 = 25, (1,1) = 20 - 8 + 18 = 30.
// CHECK: @valid #0 : 1x1x2x2 = [10, 15, 25, 30]
func.func @valid() -> tensor<1x1x2x2x!acc> {
  %x = shiftadd.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]> : tensor<1x1x3x3xi8> -> tensor<1x1x3x3x!img>
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1, 0], [-3, 2]]]]> : tensor<1x1x2x2xi8>,
      code = #shiftadd.code<bits = 3, max_exp = 0>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x1x3x3x!img> -> tensor<1x1x2x2x!acc>
  return %acc : tensor<1x1x2x2x!acc>
}

// Pads 1 and stride 2: windows start at rows/columns -1 and 1; padded taps are 0.
// (0,0) = 1*2, (0,1) = 2*-1 + 3*2, (1,0) = 7*2, (1,1) = 5*4 + 8*-1 + 9*2.
// CHECK: @padded_strided #0 : 1x1x2x2 = [2, 4, 14, 30]
func.func @padded_strided() -> tensor<1x1x2x2x!acc> {
  %x = shiftadd.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]> : tensor<1x1x3x3xi8> -> tensor<1x1x3x3x!img>
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1, 0], [-3, 2]]]]> : tensor<1x1x2x2xi8>,
      code = #shiftadd.code<bits = 3, max_exp = 0>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
    : tensor<1x1x3x3x!img> -> tensor<1x1x2x2x!acc>
  return %acc : tensor<1x1x2x2x!acc>
}

// Asymmetric pads [top 1, left 0, bottom 0, right 1], 1x2 kernel W = [1, 2] (levels 3, 2):
// rows -1..1, columns 0..1 (column 2 is padding): row -1 -> 0, row 0 -> [1+4, 2+6] ...
// CHECK: @asymmetric_pads #0 : 1x1x3x3 = [0, 0, 0, 5, 8, 3, 14, 17, 6]
func.func @asymmetric_pads() -> tensor<1x1x3x3x!acc> {
  %x = shiftadd.constant dense<[[[[1, 2, 3], [4, 5, 6]]]]> : tensor<1x1x2x3xi8> -> tensor<1x1x2x3x!img>
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[3, 2]]]]> : tensor<1x1x1x2xi8>,
      code = #shiftadd.code<bits = 3, max_exp = 0>, strides = array<i64: 1, 1>, pads = array<i64: 1, 0, 0, 1>}
    : tensor<1x1x2x3x!img> -> tensor<1x1x3x3x!acc>
  return %acc : tensor<1x1x3x3x!acc>
}

// Depthwise (groups = channels): channel 0 sums 1..4 times 4 = 40; channel 1 is
// -1*2 + -2*1 = -4 with W = [[2, 0], [0, 1]].
// CHECK: @depthwise #0 : 1x2x1x1 = [40, -4]
func.func @depthwise() -> tensor<1x2x1x1x!acc> {
  %x = shiftadd.constant dense<[[[[1, 2], [3, 4]], [[-1, 0], [2, -2]]]]> : tensor<1x2x2x2xi8> -> tensor<1x2x2x2x!img>
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1, 1], [1, 1]]], [[[2, 0], [0, 3]]]]> : tensor<2x1x2x2xi8>,
      code = #shiftadd.code<bits = 3, max_exp = 0>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 2}
    : tensor<1x2x2x2x!img> -> tensor<1x2x1x1x!acc>
  return %acc : tensor<1x2x1x1x!acc>
}

// Two groups of two channels: output 0 reads channels 0-1 with W [4, 1], output 1
// channels 2-3 with W [2, -2]: 1*4 + 2*1 = 6 and 3*2 + 4*-2 = -2.
// CHECK: @grouped #0 : 1x2x1x1 = [6, -2]
func.func @grouped() -> tensor<1x2x1x1x!acc> {
  %x = shiftadd.constant dense<[[[[1]], [[2]], [[3]], [[4]]]]> : tensor<1x4x1x1xi8> -> tensor<1x4x1x1x!img>
  %acc = shiftadd.shift_conv2d %x {weights = dense<[[[[1]], [[3]]], [[[2]], [[-2]]]]> : tensor<2x2x1x1xi8>,
      code = #shiftadd.code<bits = 3, max_exp = 0>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 2}
    : tensor<1x4x1x1x!img> -> tensor<1x2x1x1x!acc>
  return %acc : tensor<1x2x1x1x!acc>
}
