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

namespace {
constexpr double kBinRange = 4.0; // standardised weights beyond +-4 use the end bins' slopes
// A slope s = 0.25 + 3.75 sigmoid(r): r0 gives s = 1, the identity map.
const double kSlopeInit = std::log(0.75 / 3.0);
} // namespace

BinnedRemapImpl::BinnedRemapImpl(int64_t layerSize, int64_t bins)
    : bins(bins), layerSize(double(std::max<int64_t>(1, layerSize))) {
  rawSlopes = register_parameter("slopes", torch::full({bins}, kSlopeInit));
  // As for RemapImpl: a slope's gradient sums over its bin's weights, so its
  // updates are divided by the expected count per bin (method.md's trap).
  double perBin = std::max(1.0, this->layerSize / double(bins));
  rawSlopes.register_hook([perBin](torch::Tensor g) { return g / perBin; });
}

torch::Tensor BinnedRemapImpl::slopes() const { return 0.25 + 3.75 * torch::sigmoid(rawSlopes); }

BinnedRemapImpl::Mapped BinnedRemapImpl::map(const torch::Tensor &w) const {
  Mapped r;
  r.mean = w.mean(), r.std = w.std().clamp_min(1e-12);
  r.z = (w - r.mean) / r.std;
  const double width = 2 * kBinRange / double(bins);
  torch::Tensor s = slopes();
  // Knots: the map's value at each bin's left edge, 0 at z = 0.
  torch::Tensor knots = torch::cat({torch::zeros({1}, s.options()), torch::cumsum(s * width, 0)});
  torch::Tensor zero = knots[bins / 2] + (bins % 2 ? s[bins / 2] * (width / 2) : torch::zeros({}, s.options()));
  knots = knots - zero;
  torch::Tensor t = (r.z.detach() + kBinRange) / width;
  r.bin = torch::clamp(torch::floor(t), 0, double(bins - 1)).to(torch::kLong);
  torch::Tensor left = r.bin.to(r.z.dtype()) * width - kBinRange;
  r.m = knots.index({r.bin}) + s.index({r.bin}) * (r.z - left);
  return r;
}

torch::Tensor BinnedRemapImpl::forward(const torch::Tensor &w) const {
  Mapped r = map(w);
  return r.mean + r.std * r.m;
}

torch::Tensor BinnedRemapImpl::penalty(const torch::Tensor &w) const {
  // The term trains the map, not the shared weights (whose gradient the
  // compensation below would otherwise inflate).
  Mapped r = map(w.detach());
  // KL(p || Laplace(0, b)) = -H(p) + E|m| / b + log 2b, b = 1/sqrt 2, and
  // H(p) = H(z) + E log slope(bin(z)). H(z) and log 2b do not depend on the
  // slopes and are left out.
  torch::Tensor logSlope = torch::log(slopes()).index({r.bin});
  torch::Tensor kl = r.m.abs().mean() * std::sqrt(2.0) - logSlope.mean();
  // The hook divides slope gradients by the weights per bin; undo it for
  // this term so that --aug-kl weighs the KL's own gradient.
  return kl * std::max(1.0, layerSize / double(bins));
}

std::vector<double> parseFactors(const std::string &text, const std::string &option) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char *end = nullptr;
    double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end || !(v >= 1.0) || v > 8.0)
      throw std::runtime_error(option + ": '" + item + "' is not a factor in [1, 8]");
    out.push_back(v);
  }
  if (out.empty())
    throw std::runtime_error(option + ": no factors");
  return out;
}

} // namespace shiftadd::train
