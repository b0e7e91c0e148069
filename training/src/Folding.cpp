// The importer's folding and the spec's integer operators (see Folding.h).
// Every floating-point expression below is the importer's, in its order: a
// different order can round differently and break bit-exact agreement.
#include "shiftadd/train/Folding.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace shiftadd::train {

namespace {
std::vector<double> values(const torch::Tensor &t) {
  torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
  return std::vector<double>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

torch::Tensor channelTensor(const std::vector<int64_t> &v, int64_t rank) {
  std::vector<int64_t> shape(size_t(rank), 1);
  shape[1] = int64_t(v.size());
  return torch::tensor(v, torch::kLong).view(shape);
}

/// R(v, s) of spec section 1 with a per-channel shift, on int64.
torch::Tensor roundShift(const torch::Tensor &v, const torch::Tensor &s) {
  torch::Tensor positive = s > 0;
  torch::Tensor sp = torch::clamp_min(s, 1);
  torch::Tensor down = torch::div(v + torch::pow(2, sp - 1), torch::pow(2, sp), "floor");
  torch::Tensor up = v * torch::pow(2, torch::clamp_min(-s, 0));
  return torch::where(positive, down, up);
}
} // namespace

FoldedLayer foldLayer(const ExportedLayer &layer, int inFrac, int outFrac) {
  FoldedLayer folded;
  torch::Tensor w = layer.weight.detach().to(torch::kCPU);
  int64_t channels = w.size(0);
  switch (layer.op) {
  case OpKind::Mult:
    folded.weight = w.to(torch::kDouble);
    folded.accFrac = inFrac + layer.weightFrac;
    break;
  case OpKind::Add:
    folded.weight = w.to(torch::kDouble) * std::ldexp(1.0, inFrac);
    folded.accFrac = inFrac;
    break;
  case OpKind::Shift: {
    // The importer's code: max_exp is the largest exponent present.
    int maxExp = -32;
    for (double v : values(w))
      if (v != 0)
        maxExp = std::max(maxExp, int(std::round(std::log2(std::fabs(v)))));
    ShiftCode code{layer.codeBits, std::clamp(maxExp, -32, 32)};
    folded.weight = w.to(torch::kDouble) * std::ldexp(1.0, -code.minExp());
    folded.accFrac = inFrac - code.minExp();
    break;
  }
  }
  std::vector<double> scale(size_t(channels), 1.0), offset(size_t(channels), 0.0);
  if (layer.bias.defined())
    offset = values(layer.bias);
  if (layer.gamma.defined()) {
    auto gamma = values(layer.gamma), beta = values(layer.beta), mean = values(layer.mean),
         var = values(layer.var);
    double epsilon = layer.epsilon;
    for (size_t c = 0; c < size_t(channels); ++c) {
      double g = gamma[c] / std::sqrt(var[c] + epsilon);
      scale[c] *= g;
      offset[c] = g * (offset[c] - mean[c]) + beta[c];
    }
  }
  // The requantization with the accumulator at `accFrac`, or why there is none.
  auto fold = [&](int accFrac) -> std::string {
    folded.bias.clear(), folded.shift.clear();
    folded.multiplier.assign(size_t(channels), 0);
    bool multiplierMode = false;
    for (size_t c = 0; c < size_t(channels); ++c) {
      double a = scale[c];
      if (!(a > 0) || !std::isfinite(a))
        return "folded scale of channel " + std::to_string(c) + " is " + std::to_string(a) +
               " (BatchNorm scales must be positive)";
      double bInt = std::round(offset[c] / a * std::ldexp(1.0, accFrac));
      if (std::fabs(bInt) >= 2147483648.0)
        return "bias of channel " + std::to_string(c) + " does not fit 32 bits";
      folded.bias.push_back(int64_t(bInt));
      int e = 0;
      double mantissa = std::frexp(a, &e);
      if (mantissa == 0.5) {
        folded.shift.push_back(accFrac - outFrac - (e - 1));
        continue;
      }
      multiplierMode = true;
      double t = std::ldexp(a, outFrac - accFrac + 31);
      int s = 30 - int(std::floor(std::log2(t)));
      double m = std::round(std::ldexp(t, s));
      if (m >= 2147483648.0)
        m = std::round(std::ldexp(t, --s));
      folded.shift.push_back(s);
      folded.multiplier[c] = int64_t(m);
    }
    if (multiplierMode) {
      for (size_t c = 0; c < size_t(channels); ++c)
        if (folded.multiplier[c] == 0) {
          folded.multiplier[c] = int64_t(1) << 30;
          folded.shift[c] -= 1;
        }
    } else {
      folded.multiplier.clear();
    }
    int64_t shiftLimit = multiplierMode ? -30 : -31;
    for (int64_t s : folded.shift)
      if (s < shiftLimit || s > 31)
        return "output scale 2^-" + std::to_string(outFrac) + " is too far from the accumulator's (shift " +
               std::to_string(s) + ")";
    return "";
  };
  // The importer's choice of acc_shift for adder layers: the largest that
  // folds and keeps acc + bias in i32 (spec section 4).
  if (layer.op == OpKind::Add) {
    torch::Tensor terms = 128 + folded.weight.abs(); // int8 inputs: |x| <= 2^7
    std::vector<double> bounds = values(terms.reshape({channels, -1}).sum(1).to(torch::kFloat));
    for (folded.accShift = 31; folded.accShift > 0; --folded.accShift) {
      if (!fold(folded.accFrac + folded.accShift).empty())
        continue;
      bool fits = true;
      for (size_t c = 0; c < size_t(channels) && fits; ++c)
        fits = std::ldexp(bounds[c], folded.accShift) + std::fabs(double(folded.bias[c])) < 2147483648.0;
      if (fits)
        break;
    }
    // No more bits than the biases need (at accShift > 0 `bias` holds its
    // fold): with every bias a multiple of 2^k, the fold at accShift - k is
    // the same.
    int spare = folded.accShift;
    for (int64_t v : folded.bias)
      if (v != 0)
        spare = std::min(spare, __builtin_ctzll(uint64_t(v)));
    folded.accShift -= spare;
    folded.accFrac += folded.accShift;
  }
  if (std::string error = fold(folded.accFrac); !error.empty())
    throw std::runtime_error(error);
  double outScale = std::ldexp(1.0, outFrac);
  if (layer.act != Activation::None)
    folded.lo = 0;
  if (layer.act == Activation::Relu6)
    folded.hi = std::min<int64_t>(127, int64_t(std::floor(6.0 * outScale)));
  return folded;
}

torch::Tensor requantize(const torch::Tensor &acc, const FoldedLayer &folded) {
  int64_t rank = acc.dim();
  torch::Tensor v = acc.to(torch::kLong) + channelTensor(folded.bias, rank).to(acc.device());
  torch::Tensor shift = channelTensor(folded.shift, rank).to(acc.device());
  torch::Tensor r = folded.multiplier.empty()
                        ? roundShift(v, shift)
                        : roundShift(v * channelTensor(folded.multiplier, rank).to(acc.device()),
                                     shift + 31);
  return torch::clamp(r, folded.lo, folded.hi).to(torch::kDouble);
}

torch::Tensor rescaledAdd(const torch::Tensor &x, int fx, const torch::Tensor &y, int fy, int fz,
                          int64_t lo, int64_t hi) {
  int c = std::max(fx, fy);
  torch::Tensor sum = x.to(torch::kLong) * (int64_t(1) << (c - fx)) +
                      y.to(torch::kLong) * (int64_t(1) << (c - fy));
  torch::Tensor r = roundShift(sum, torch::full({1}, c - fz, torch::kLong).to(x.device()));
  return torch::clamp(r, std::max<int64_t>(lo, -128), std::min<int64_t>(hi, 127)).to(torch::kDouble);
}

torch::Tensor globalAvgPoolInt(const torch::Tensor &x) {
  int64_t n = x.size(2) * x.size(3);
  torch::Tensor s = x.to(torch::kLong).sum({2, 3}, /*keepdim=*/true);
  return torch::div(2 * s + n, 2 * n, "floor").to(torch::kDouble);
}

torch::Tensor quantizeInput(const torch::Tensor &x, int frac) {
  torch::Tensor q = torch::floor(x.to(torch::kDouble) * std::ldexp(1.0, frac) + 0.5);
  return torch::nan_to_num(torch::clamp(q, -128, 127), 0.0);
}

} // namespace shiftadd::train
