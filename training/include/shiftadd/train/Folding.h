// What a deployed layer computes, derived from exactly the float32 tensors the
// ONNX export writes, with the importer's arithmetic (docs/onnx-format.md,
// "Folding a chain into the requantization"), and the integer operators of
// docs/spec.md. The trainer's integer simulation is built from these, so that
// it agrees with the reference interpreter bit for bit.
#pragma once

#include "shiftadd/train/Operators.h"

#include <vector>

namespace shiftadd::train {

enum class OpKind { Mult, Shift, Add };
enum class Activation { None, Relu, Relu6 };

/// A layer chain as the ONNX file holds it: the weighted op, an optional
/// BatchNormalization, an optional Relu / Clip(0, 6).
struct ExportedLayer {
  OpKind op = OpKind::Shift;
  torch::Tensor weight;   ///< float32 (shift: +-2^p or 0; add: int8 at the input's scale) or int8 (mult)
  int weightFrac = 0;     ///< mult: the int8 weights' fractional bits
  int codeBits = 5;       ///< shift: bits of the code
  torch::Tensor bias;     ///< float32 or undefined
  torch::Tensor gamma, beta, mean, var; ///< float32 BatchNormalization or undefined
  float epsilon = 1e-5f;
  Activation act = Activation::None;
};

/// The integers of one deployed layer + requantization.
struct FoldedLayer {
  torch::Tensor weight;   ///< the integer weights W (double, exact)
  int accFrac = 0;        ///< accumulator format
  int accShift = 0;       ///< add: the sum -sum |x - w| shifted left by this (accFrac includes it)
  std::vector<int64_t> bias, shift, multiplier; ///< per channel; multiplier empty in power-of-two mode
  int64_t lo = -128, hi = 127;
};

/// Folds `layer` for input format `inFrac` and output format `outFrac`.
/// Throws std::runtime_error where the importer would reject the layer.
FoldedLayer foldLayer(const ExportedLayer &layer, int inFrac, int outFrac);

/// Spec section 7 on accumulators held as exact integers in a double tensor
/// (channel axis 1); returns the int8 values as doubles.
torch::Tensor requantize(const torch::Tensor &acc, const FoldedLayer &folded);

/// Spec section 8: rescaled add with an optional clamp range.
torch::Tensor rescaledAdd(const torch::Tensor &x, int fx, const torch::Tensor &y, int fy, int fz,
                          int64_t lo = -128, int64_t hi = 127);

/// Spec section 9: D(S, H*W) per (n, c), the global average pool.
torch::Tensor globalAvgPoolInt(const torch::Tensor &x);

/// Spec section 2: q = sat(floor(x * 2^f + 1/2)).
torch::Tensor quantizeInput(const torch::Tensor &x, int frac);

} // namespace shiftadd::train
