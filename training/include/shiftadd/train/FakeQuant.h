// Fixed-point fake quantization of activations (docs/spec.md, "Activations"):
// the forward pass rounds to the integer grid a deployed network uses, the
// backward pass is the straight-through estimator.
#pragma once

#include <torch/torch.h>

namespace shiftadd::train {

/// Rounds x to the signed `bits`-bit fixed-point grid with `frac` fractional
/// bits: q = clamp(floor(x * 2^frac + 1/2), -2^(bits-1), 2^(bits-1) - 1) * 2^-frac.
/// Gradients pass through unchanged inside the representable range and are
/// zero where the value saturates.
torch::Tensor fakeQuantFixed(const torch::Tensor &x, int frac, int bits = 8);

} // namespace shiftadd::train
