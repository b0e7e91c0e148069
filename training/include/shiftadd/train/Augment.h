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
};

struct AugmentOptions {
  bool enabled = false;
  std::vector<double> factors{1.0, 1.6, 2.2, 2.8}; ///< expand-ratio multipliers, sampled per block
  double alpha = 1.0;                              ///< loss = L(target) + alpha * L(augmented)
  Compute compute = Compute::Hybrid;
  Sharing sharing = Sharing::Naive;
  int64_t bnBatches = 16; ///< batches of target BatchNorm re-estimation after training
};

/// The remap M(W) of one layer (method.md, "Heterogeneous weight sharing"):
/// standardise, Gaussian CDF, inverse CDF of the Laplace law of the same
/// variance, then a * w + b with a in [0.5, 2] and |b| at most half the
/// layer's standard deviation (bounded as method.md's trap requires), the
/// scalars' gradients divided by the layer's size.
class RemapImpl : public torch::nn::Module {
public:
  explicit RemapImpl(int64_t layerSize);
  torch::Tensor forward(const torch::Tensor &w) const;
  /// The current affine scalars (a, b / std), for logs and tests.
  std::pair<double, double> affine() const;

private:
  torch::Tensor rawScale, rawShift;
};
TORCH_MODULE(Remap);

/// Parses "1.0,1.6,2.2" (each >= 1); throws std::runtime_error naming the option.
std::vector<double> parseFactors(const std::string &text);

} // namespace shiftadd::train
