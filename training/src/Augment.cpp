// The weight remap and augmentation options (see Augment.h).
#include "shiftadd/train/Augment.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace shiftadd::train {

RemapImpl::RemapImpl(int64_t layerSize) {
  // a = 0.5 + 1.5 sigmoid(r): r0 gives a = 1; b = 0.5 tanh(s) std: s = 0 gives 0.
  rawScale = register_parameter("scale", torch::full({}, std::log(1.0 / 2.0)));
  rawShift = register_parameter("shift", torch::zeros({}));
  double n = double(std::max<int64_t>(1, layerSize));
  // b's gradient sums over every weight of the layer: scale the scalars'
  // updates by 1 / size or they swamp the weights within steps (method.md).
  rawScale.register_hook([n](torch::Tensor g) { return g / n; });
  rawShift.register_hook([n](torch::Tensor g) { return g / n; });
}

torch::Tensor RemapImpl::forward(const torch::Tensor &w) const {
  torch::Tensor mean = w.mean(), std = w.std().clamp_min(1e-12);
  torch::Tensor z = (w - mean) / std;
  // Gaussian CDF, kept inside (0, 1) so that the logarithm stays finite.
  torch::Tensor u = (0.5 * (1 + torch::erf(z / std::sqrt(2.0)))).clamp(1e-6, 1 - 1e-6);
  // Inverse CDF of Laplace(0, 1/sqrt 2), whose variance is 1.
  torch::Tensor centred = u - 0.5;
  torch::Tensor laplace = -torch::sign(centred) * torch::log1p(-2 * centred.abs()) / std::sqrt(2.0);
  torch::Tensor a = 0.5 + 1.5 * torch::sigmoid(rawScale);
  torch::Tensor b = 0.5 * torch::tanh(rawShift) * std;
  return a * (mean + std * laplace) + b;
}

std::pair<double, double> RemapImpl::affine() const {
  return {0.5 + 1.5 * torch::sigmoid(rawScale).item<double>(), 0.5 * std::tanh(rawShift.item<double>())};
}

std::vector<double> parseFactors(const std::string &text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char *end = nullptr;
    double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end || !(v >= 1.0) || v > 8.0)
      throw std::runtime_error("--aug-factors: '" + item + "' is not a factor in [1, 8]");
    out.push_back(v);
  }
  if (out.empty())
    throw std::runtime_error("--aug-factors: no factors");
  return out;
}

} // namespace shiftadd::train
