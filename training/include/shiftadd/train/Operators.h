// The multiplication-free operators as LibTorch functions: shift weights in
// the DeepShift-Q and DeepShift-PS parameterisations, the AdderNet convolution,
// and int8 weight fake quantization for the layers kept multiplicative.
// ../docs/spec.md sections 3-5 define what each computes once deployed.
#pragma once

#include <torch/torch.h>

namespace shiftadd::train {

/// A layer's shift code (spec section 3): `bits` per weight, exponents in
/// [maxExp - L + 1, maxExp] with L = 2^(bits-1) - 1 levels.
struct ShiftCode {
  int bits = 5;
  int maxExp = 0;
  int levels() const { return (1 << (bits - 1)) - 1; }
  int minExp() const { return maxExp - levels() + 1; }
};

/// DeepShift-Q: rounds every weight to sign * 2^p exactly as spec section 3
/// encodes it (log-domain rounding with the boundary at sqrt 2, saturation at
/// maxExp, flush to zero below minExp). The gradient is straight-through.
torch::Tensor shiftQuantize(const torch::Tensor &w, ShiftCode code);

/// The same with a straight-through gradient (the DeepShift-Q forward in training).
torch::Tensor shiftQuantizeSTE(const torch::Tensor &w, ShiftCode code);

/// DeepShift-PS: w = ternary(S) * 2^round(P) with P clamped to the code's
/// exponent range and |S| < threshold giving a zero weight. Gradients as in
/// DeepShift: dL/dP = dL/dw * w * ln 2, dL/dS = dL/dw.
torch::Tensor shiftFromPS(const torch::Tensor &p, const torch::Tensor &s, ShiftCode code,
                          double threshold = 0.5);

/// Rounds weights to [-127, 127] * 2^-frac (the deployed int8 layers and the adder
/// weights, which live at their input's format). Straight-through gradient.
torch::Tensor fakeQuantWeights(const torch::Tensor &w, int frac);
/// The same with `frac` a scalar tensor on w's device, so that training never
/// waits for the device to hand a value to the host.
torch::Tensor fakeQuantWeights(const torch::Tensor &w, const torch::Tensor &frac);

/// The largest number of fractional bits whose int8 range covers max|x|:
/// floor(log2(127 / max|x|)), clamped to [-32, 32] (onnx-format.md); 0 for a
/// zero or non-finite range. Exact (from the binary exponent, not a rounded log).
int fracForRange(double maxAbs);
/// The same on the device: a scalar integer tensor, equal to fracForRange of
/// the same value.
torch::Tensor fracForRange(const torch::Tensor &maxAbs);

/// Convolution geometry shared by the layers (symmetric padding).
struct ConvGeometry {
  int64_t kernel = 1, stride = 1, pad = 0, groups = 1;
};

/// AdderNet convolution: y = -sum |x - w| over each window (spec section 4),
/// padded positions counting as 0. Backward uses AdderNet's full-precision
/// weight gradient (x - w) and the HardTanh input gradient clamp(w - x, -1, 1).
/// On the CPU, forward and input gradient are direct loops over the image
/// planes and the weight gradient is an ordinary convolution's (docs/training.md);
/// on other devices, adderConv2dUnfolded.
torch::Tensor adderConv2d(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g);

/// The same function on the unfolded windows: forward as L1 distances
/// (torch::cdist) without a batch x out x in x window difference tensor, the
/// weight gradient as two matrix products, the input gradient in chunks of
/// windows to bound memory. The GPU's form; callable on any device.
torch::Tensor adderConv2dUnfolded(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g);

/// The straightforward form, one broadcast difference tensor for the whole
/// batch (for the unit tests; exact gradients of -|x - w| replaced by
/// AdderNet's as above).
torch::Tensor adderConv2dReference(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g);

/// AdderNet's adaptive learning rate: grad <- eta * sqrt(numel) * grad / ||grad||.
void scaleAdderGradient(torch::Tensor &weight, double eta = 0.2);

} // namespace shiftadd::train
