// RUN: shiftadd-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{fixed-point storage must be i8, i16 or i32, got 'i4'}}
func.func @storage_width(%x: tensor<2x!shiftadd.fixed<i4, 2>>)

// -----

// expected-error @+1 {{fractional bits must be in [-64, 64], got 65}}
func.func @frac_range(%x: tensor<2x!shiftadd.fixed<i8, 65>>)

// -----

func.func @code_bits(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{shift code bits must be in [2, 8], got 9}}
  %0 = shiftadd.shift_linear %x {weights = dense<1> : tensor<1x2xi8>, code = #shiftadd.code<bits = 9, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  return
}

// -----

func.func @code_max_exp(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{shift code max_exp must be in [-32, 32], got 40}}
  %0 = shiftadd.shift_linear %x {weights = dense<1> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 40>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  return
}

// -----

func.func @constant_shape() {
  // expected-error @+1 {{value shape [3] differs from result shape [2]}}
  %c = shiftadd.constant dense<[1, 2, 3]> : tensor<3xi8> -> tensor<2x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @constant_width() {
  // expected-error @+1 {{value elements are i32, expected the storage type 'i8'}}
  %c = shiftadd.constant dense<[1, 2]> : tensor<2xi32> -> tensor<2x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @dynamic_shape(%x: tensor<?x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{requires static shapes}}
  %0 = shiftadd.shift_linear %x {weights = dense<1> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<?x2x!shiftadd.fixed<i8, 2>> -> tensor<?x1x!shiftadd.fixed<i32, 4>>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{input must be NCHW (rank 4), got rank 3}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x2x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{weights must be OIHW (rank 4), got rank 2}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x2xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @conv_strides(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{strides must be two positive integers, got [1, 0]}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x2x1x1xi8>, strides = array<i64: 1, 0>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @conv_pads(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{pads must be four non-negative integers [top, left, bottom, right], got [0, -1, 0, 0]}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x2x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, -1, 0, 0>}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x1x4x4x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{groups (2) must divide the input channels (2) and output channels (3)}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<3x1x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 2}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x3x4x4x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @conv_group_channels(%x: tensor<1x4x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{weights have 4 input channels per group, expected 2}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<2x4x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 2}
    : tensor<1x4x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x4x4x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @conv_kernel_fit(%x: tensor<1x2x2x2x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{kernel 3x3 does not fit the padded input}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x2x3x3xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x1x1x1x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @conv_result_shape(%x: tensor<1x2x5x5x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{result shape must be [1, 1, 3, 3], got [1, 1, 5, 5]}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x2x3x3xi8>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
    : tensor<1x2x5x5x!shiftadd.fixed<i8, 0>> -> tensor<1x1x5x5x!shiftadd.fixed<i32, 0>>
  return
}

// -----

func.func @shift_level_range(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{weight level -4 is outside [-3, 3] of a 3-bit code}}
  %0 = shiftadd.shift_linear %x {weights = dense<[[1, -4]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 4>>
  return
}

// -----

func.func @layer_input_width(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{input must be an i8 or i16 activation, got '!shiftadd.fixed<i32, 2>'}}
  %0 = shiftadd.mul_linear %x {weights = dense<1> : tensor<1x2xi8>, weight_frac = 0}
    : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 2>>
  return
}

// -----

func.func @accumulator_format(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{result must be the accumulator !shiftadd.fixed<i32, 4>, got '!shiftadd.fixed<i32, 2>'}}
  %0 = shiftadd.shift_linear %x {weights = dense<1> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 2>>
  return
}

// -----

// i16 inputs (2^15) times four taps of the largest 5-bit weight (2^14) reach 2^31.
func.func @accumulator_overflow(%x: tensor<1x4x!shiftadd.fixed<i16, 0>>) {
  // expected-error @+1 {{accumulator of output channel 1 may reach 2^31.0, beyond i32: use fewer levels, a smaller max_exp or narrower inputs}}
  %0 = shiftadd.shift_linear %x {weights = dense<[[9, 9, 9, 9], [1, 1, 1, 1]]> : tensor<2x4xi8>, code = #shiftadd.code<bits = 5, max_exp = 0>}
    : tensor<1x4x!shiftadd.fixed<i16, 0>> -> tensor<1x2x!shiftadd.fixed<i32, 14>>
  return
}

// -----

func.func @linear_input_rank(%x: tensor<1x2x1x1x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{input must be (N, I) (rank 2), got rank 4}}
  %0 = shiftadd.mul_linear %x {weights = dense<1> : tensor<1x2xi8>, weight_frac = 0}
    : tensor<1x2x1x1x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 2>>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{weights must be (O, I) (rank 2), got rank 1}}
  %0 = shiftadd.mul_linear %x {weights = dense<1> : tensor<2xi8>, weight_frac = 0}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 2>>
  return
}

// -----

func.func @linear_inputs(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{weights have 3 inputs, expected 2}}
  %0 = shiftadd.mul_linear %x {weights = dense<1> : tensor<1x3xi8>, weight_frac = 0}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x1x!shiftadd.fixed<i32, 2>>
  return
}

// -----

func.func @linear_result(%x: tensor<1x2x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{result shape must be [1, 1], got [1, 2]}}
  %0 = shiftadd.mul_linear %x {weights = dense<1> : tensor<1x2xi8>, weight_frac = 0}
    : tensor<1x2x!shiftadd.fixed<i8, 2>> -> tensor<1x2x!shiftadd.fixed<i32, 2>>
  return
}

// -----

func.func @requantize_input(%x: tensor<1x2x!shiftadd.fixed<i16, 2>>) {
  // expected-error @+1 {{input must be an i32 accumulator, got '!shiftadd.fixed<i16, 2>'}}
  %0 = shiftadd.requantize %x {shift = array<i64: 0>} : tensor<1x2x!shiftadd.fixed<i16, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_shape(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{result shape must equal the input shape}}
  %0 = shiftadd.requantize %x {shift = array<i64: 0>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<2x1x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_channels(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{shift must have 1 or 2 (channel) elements, got 3}}
  %0 = shiftadd.requantize %x {shift = array<i64: 0, 1, 2>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_shift(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{shift value 32 is outside [-31, 31]}}
  %0 = shiftadd.requantize %x {shift = array<i64: 32>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_multiplier_shift(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{shift value -31 is outside [-30, 31]}}
  %0 = shiftadd.requantize %x {shift = array<i64: -31>, multiplier = array<i64: 5>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_bias(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{bias value 2147483648 is outside [-2147483648, 2147483647]}}
  %0 = shiftadd.requantize %x {shift = array<i64: 0>, bias = array<i64: 2147483648>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_multiplier(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{multiplier value 0 is outside [1, 2147483647]}}
  %0 = shiftadd.requantize %x {shift = array<i64: 0>, multiplier = array<i64: 3, 0>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_clamp_arity(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{clamp must be [lo, hi], got [0]}}
  %0 = shiftadd.requantize %x {shift = array<i64: 0>, clamp = array<i64: 0>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @requantize_clamp_range(%x: tensor<1x2x!shiftadd.fixed<i32, 2>>) {
  // expected-error @+1 {{clamp [0, 200] must be ordered and inside [-128, 127] of '!shiftadd.fixed<i8, 2>'}}
  %0 = shiftadd.requantize %x {shift = array<i64: 0>, clamp = array<i64: 0, 200>} : tensor<1x2x!shiftadd.fixed<i32, 2>> -> tensor<1x2x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @add_shapes(%x: tensor<4x!shiftadd.fixed<i8, 2>>, %y: tensor<1x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{operands and result must have the same shape (no broadcasting)}}
  %0 = shiftadd.add %x, %y : tensor<4x!shiftadd.fixed<i8, 2>>, tensor<1x!shiftadd.fixed<i8, 2>> -> tensor<4x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @add_clamp(%x: tensor<4x!shiftadd.fixed<i8, 2>>, %y: tensor<4x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{clamp [5, 3] must be ordered}}
  %0 = shiftadd.add %x, %y {clamp = array<i64: 5, 3>} : tensor<4x!shiftadd.fixed<i8, 2>>, tensor<4x!shiftadd.fixed<i8, 2>> -> tensor<4x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @clamp_bounds(%x: tensor<4x!shiftadd.fixed<i8, 2>>) {
  // expected-error @+1 {{bounds [0, 300] must be ordered and inside [-128, 127] of '!shiftadd.fixed<i8, 2>'}}
  %0 = shiftadd.clamp %x {min = 0, max = 300} : tensor<4x!shiftadd.fixed<i8, 2>>
  return
}

// -----

func.func @pool_rank(%x: tensor<2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{input must be NCHW (rank 4), got rank 3}}
  %0 = shiftadd.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<2x2x2x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @pool_element_type(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{result element type must equal the input's}}
  %0 = shiftadd.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x2x2x!shiftadd.fixed<i8, 1>>
  return
}

// -----

func.func @pool_kernel(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{kernel must be two positive integers, got [2]}}
  %0 = shiftadd.avg_pool2d %x {kernel = array<i64: 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x2x2x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @pool_pads(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{pads [2, 0, 0, 0] must be smaller than the kernel [2, 2]}}
  %0 = shiftadd.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x3x2x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @pool_kernel_fit(%x: tensor<1x2x2x2x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{kernel [3, 3] does not fit the padded input}}
  %0 = shiftadd.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x2x2x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x1x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @pool_result(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{result shape must be [1, 2, 2, 2], got [1, 2, 4, 4]}}
  %0 = shiftadd.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
    : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @global_pool_rank(%x: tensor<2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{input must be NCHW (rank 4), got rank 3}}
  %0 = shiftadd.global_avg_pool2d %x : tensor<2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<2x1x1x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @global_pool_element_type(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{result element type must equal the input's}}
  %0 = shiftadd.global_avg_pool2d %x : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x1x1x!shiftadd.fixed<i16, 0>>
  return
}

// -----

func.func @global_pool_result(%x: tensor<1x2x4x4x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{result shape must be [1, 2, 1, 1], got [1, 2, 2, 2]}}
  %0 = shiftadd.global_avg_pool2d %x : tensor<1x2x4x4x!shiftadd.fixed<i8, 0>> -> tensor<1x2x2x2x!shiftadd.fixed<i8, 0>>
  return
}

// -----

func.func @adder_acc_shift_range(%x: tensor<1x1x1x1x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{acc_shift must be in [0, 31], got 32}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x1x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, acc_shift = 32}
    : tensor<1x1x1x1x!shiftadd.fixed<i8, 0>> -> tensor<1x1x1x1x!shiftadd.fixed<i32, 32>>
  return
}

// -----

// acc_shift adds to the result's fractional bits.
func.func @adder_acc_shift_format(%x: tensor<1x1x1x1x!shiftadd.fixed<i8, 3>>) {
  // expected-error @+1 {{result must be the accumulator !shiftadd.fixed<i32, 5>, got '!shiftadd.fixed<i32, 3>'}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<1> : tensor<1x1x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, acc_shift = 2}
    : tensor<1x1x1x1x!shiftadd.fixed<i8, 3>> -> tensor<1x1x1x1x!shiftadd.fixed<i32, 3>>
  return
}

// -----

// The range check counts the shift: two taps of (128 + 127) * 2^22 reach 2^30.99,
// one more bit 2^32.0.
func.func @adder_acc_shift_overflow(%x: tensor<1x2x1x1x!shiftadd.fixed<i8, 0>>) {
  // expected-error @+1 {{accumulator of output channel 0 may reach 2^32.0, beyond i32}}
  %0 = shiftadd.adder_conv2d %x {weights = dense<127> : tensor<1x2x1x1xi8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, acc_shift = 23}
    : tensor<1x2x1x1x!shiftadd.fixed<i8, 0>> -> tensor<1x1x1x1x!shiftadd.fixed<i32, 23>>
  return
}
