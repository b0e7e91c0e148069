// The AdderNet convolution's CPU kernels (private to Operators.cpp).
#pragma once

#include "shiftadd/train/Operators.h"

namespace shiftadd::train::detail {

/// y = -sum |x - w| over every window (padded taps count as 0), computed as
/// direct loops over the NCHW planes: no unfolded copy of the input.
torch::Tensor adderForwardCpu(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g);

/// AdderNet's input gradient dL/dx = sum g * clamp(w - x, -1, 1), the same way.
torch::Tensor adderInputGradCpu(const torch::Tensor &x, const torch::Tensor &w, const torch::Tensor &gy,
                                ConvGeometry g);

} // namespace shiftadd::train::detail
