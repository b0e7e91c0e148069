// ShiftAddAug (../shared/docs/method.md): the tiny target network trained as
// the prefix slice of a wider network whose extra channels compute
// multiplicatively, with the weights shared between the two.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace shiftadd::train {

/// How a chain computes in the current forward pass.
enum class Compute {
  Target, ///< the deployable layer: target channels, the layer's operator, quantized
  Hybrid, ///< augmented: target block by the layer's operator, every other weight multiplicative
  Mult,   ///< augmented, all multiplicative (NetAug; reading (b) of "hybrid")
  MF,     ///< augmented, all with the layer's operator (MF-by-MF augmentation)
};

/// How the multiplication-free operator sees the shared weights.
enum class Sharing {
  Naive, ///< the same tensor
  Remap, ///< a remapped copy: Gaussian -> Laplace distribution map, then a learnable affine map
  Binned, ///< ShiftAddNAS: a learnable piecewise-affine map over bins, with a KL term toward Laplace
};

struct AugmentOptions {
  bool enabled = false;
  std::vector<double> factors{1.0, 1.6, 2.2, 2.8}; ///< expand-ratio multipliers, sampled per block
  std::vector<double> widths{1.0, 1.6, 2.2};       ///< output-width multipliers, sampled per block
  bool sortChannels = true;                        ///< sort expanded channels by importance each epoch
  double klWeight = 0.1;                           ///< weight of the binned remap's KL term
  double alpha = 1.0;                              ///< loss = L(target) + alpha * L(augmented)
  Compute compute = Compute::Hybrid;
  Sharing sharing = Sharing::Naive;
};

/// A learnable map from the shared (multiplicative-domain) weights of one
/// layer to the weights its multiplication-free operator uses.
class WeightMapImpl : public torch::nn::Module {
public:
  virtual torch::Tensor forward(const torch::Tensor &w) const = 0;
  /// A regulariser to add to the loss (undefined: none).
  virtual torch::Tensor penalty(const torch::Tensor &) const { return {}; }
};

/// The remap M(W) of one layer (method.md, "Heterogeneous weight sharing"):
/// standardise, Gaussian CDF, inverse CDF of the Laplace law of the same
/// variance, then a * w + b with a in [0.5, 2] and |b| at most half the
/// layer's standard deviation (bounded as method.md's trap requires), the
/// scalars' gradients divided by the layer's size.
class RemapImpl : public WeightMapImpl {
public:
  explicit RemapImpl(int64_t layerSize);
  torch::Tensor forward(const torch::Tensor &w) const override;
  /// The current affine scalars (a, b / std), for logs and tests.
  std::pair<double, double> affine() const;

private:
  torch::Tensor rawScale, rawShift;
};
TORCH_MODULE(Remap);

/// ShiftAddNAS's alternative (You et al., ICML 2022): a monotone
/// piecewise-affine map of the standardised weights, one learnable slope in
/// [0.25, 4] per bin of [-4, 4] (the end slopes continue beyond), centred so
/// that 0 stays 0; penalty() is the KL divergence of the mapped distribution
/// from the Laplace law of variance 1 up to a constant, in closed form (the
/// map is piecewise affine, so the entropy of its output is the input's plus
/// E log slope), times the weights per bin, which the slopes' gradient hook
/// divides out again. It trains the map's slopes only, not the weights.
class BinnedRemapImpl : public WeightMapImpl {
public:
  BinnedRemapImpl(int64_t layerSize, int64_t bins = 100);
  torch::Tensor forward(const torch::Tensor &w) const override;
  torch::Tensor penalty(const torch::Tensor &w) const override;
  torch::Tensor slopes() const;

private:
  /// Standardised weights, the map of them, and each weight's bin.
  struct Mapped {
    torch::Tensor mean, std, z, m, bin;
  };
  Mapped map(const torch::Tensor &w) const;
  torch::Tensor rawSlopes;
  int64_t bins;
  double layerSize;
};
TORCH_MODULE(BinnedRemap);

/// Parses "1.0,1.6,2.2" (each in [1, 8]); throws std::runtime_error naming `option`.
std::vector<double> parseFactors(const std::string &text, const std::string &option = "--aug-factors");

} // namespace shiftadd::train
