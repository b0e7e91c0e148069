// Shift, adder and int8-weight operators (see Operators.h).
#include "shiftadd/train/Operators.h"

#include "AdderCpu.h"

#include <cmath>

namespace shiftadd::train {

namespace F = torch::nn::functional;

torch::Tensor shiftQuantize(const torch::Tensor &w, ShiftCode code) {
  torch::NoGradGuard noGrad;
  // frexp: |w| = m * 2^e, m in [0.5, 1). The exponent rounded in the log domain
  // is e when m >= 1/sqrt 2, else e - 1. No float equals 1/sqrt 2, so
  // comparing with the first float above it is exact (spec section 3).
  static const float kSqrtHalf = [] {
    float c = float(M_SQRT1_2);
    return double(c) < M_SQRT1_2 ? std::nextafter(c, 1.f) : c;
  }();
  torch::Tensor x = w.detach().to(torch::kFloat);
  auto [mantissa, exponent] = torch::frexp(x.abs());
  torch::Tensor p = exponent.to(torch::kFloat) - (mantissa < kSqrtHalf).to(torch::kFloat);
  p = torch::clamp_max(p, code.maxExp);
  torch::Tensor q = torch::sign(x) * torch::exp2(p);
  return torch::where(p < code.minExp(), torch::zeros_like(q), q).to(w.dtype());
}

// Value exactly q, gradient of the identity: q + (w - w) is q bit for bit,
// where w + (q - w) can round off the grid. Export relies on exact values.
static torch::Tensor straightThrough(const torch::Tensor &w, const torch::Tensor &q) {
  return q.detach() + (w - w.detach());
}

namespace {
struct ShiftPSFunction : torch::autograd::Function<ShiftPSFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &p,
                               const torch::Tensor &s, int64_t minExp, int64_t maxExp,
                               double threshold) {
    torch::Tensor exponent = torch::round(torch::clamp(p, double(minExp), double(maxExp)));
    torch::Tensor sign = torch::sign(s) * (s.abs() >= threshold).to(s.dtype());
    torch::Tensor w = sign * torch::exp2(exponent);
    ctx->save_for_backward({w});
    return w;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grads) {
    torch::Tensor w = ctx->get_saved_variables()[0];
    const torch::Tensor &g = grads[0];
    return {g * w * std::log(2.0), g, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};
} // namespace

torch::Tensor shiftFromPS(const torch::Tensor &p, const torch::Tensor &s, ShiftCode code,
                          double threshold) {
  return ShiftPSFunction::apply(p, s, int64_t(code.minExp()), int64_t(code.maxExp), threshold);
}

torch::Tensor fakeQuantWeights(const torch::Tensor &w, int frac) {
  const double scale = std::ldexp(1.0, frac);
  // Symmetric [-127, 127]: a weight can be negated exactly (see ChainImpl::exported).
  torch::Tensor q = torch::clamp(torch::floor(w.detach() * scale + 0.5), -127, 127) / scale;
  return straightThrough(w, q);
}

torch::Tensor fakeQuantWeights(const torch::Tensor &w, const torch::Tensor &frac) {
  // 2^frac is exact in w's type for |frac| <= 32: the same values as above.
  torch::Tensor scale = torch::exp2(frac.to(w.scalar_type()));
  torch::Tensor q = torch::clamp(torch::floor(w.detach() * scale + 0.5), -127, 127) / scale;
  return straightThrough(w, q);
}

int fracForRange(double maxAbs) {
  if (!(maxAbs > 0) || !std::isfinite(maxAbs))
    return 0;
  // floor(log2 q) is q's binary exponent; a rounded log2 can reach the next
  // integer just below a power of two.
  return std::clamp(std::ilogb(127.0 / maxAbs), -32, 32);
}

torch::Tensor fracForRange(const torch::Tensor &maxAbs) {
  torch::Tensor m = maxAbs.detach().to(torch::kDouble);
  // frexp: q = mantissa * 2^e with mantissa in [0.5, 1), so floor(log2 q) = e - 1.
  torch::Tensor e = std::get<1>(torch::frexp(127.0 / m)).to(torch::kLong) - 1;
  torch::Tensor valid = (m > 0).logical_and(torch::isfinite(m));
  return torch::where(valid, torch::clamp(e, -32, 32), torch::zeros_like(e));
}

torch::Tensor shiftQuantizeSTE(const torch::Tensor &w, ShiftCode code) {
  return straightThrough(w, shiftQuantize(w, code));
}

namespace {
/// Windows of x as (groups, N * L, K): one row per output position, K the
/// taps of one group (in-channels / groups * kernel^2).
torch::Tensor windows(const torch::Tensor &x, ConvGeometry g) {
  int64_t n = x.size(0);
  torch::Tensor cols = F::unfold(x, F::UnfoldFuncOptions({g.kernel, g.kernel})
                                         .padding(g.pad)
                                         .stride(g.stride)); // (N, C*k*k, L)
  int64_t taps = cols.size(1) / g.groups, positions = cols.size(2);
  return cols.view({n, g.groups, taps, positions}).permute({1, 0, 3, 2}).reshape(
      {g.groups, n * positions, taps});
}

/// (groups, N * L, O/groups) back to the N x O x OH x OW layout.
torch::Tensor toImage(const torch::Tensor &rows, int64_t n, int64_t oh, int64_t ow) {
  int64_t groups = rows.size(0), perGroup = rows.size(2);
  return rows.view({groups, n, oh * ow, perGroup}).permute({1, 0, 3, 2}).reshape(
      {n, groups * perGroup, oh, ow});
}

int64_t outSize(int64_t in, ConvGeometry g) { return (in + 2 * g.pad - g.kernel) / g.stride + 1; }

struct AdderFunction : torch::autograd::Function<AdderFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x,
                               const torch::Tensor &w, int64_t kernel, int64_t stride, int64_t pad,
                               int64_t groups, bool unfolded) {
    ConvGeometry g{kernel, stride, pad, groups};
    ctx->save_for_backward({x, w});
    ctx->saved_data["geometry"] = std::vector<int64_t>{kernel, stride, pad, groups};
    ctx->saved_data["unfolded"] = unfolded;
    if (!unfolded)
      return detail::adderForwardCpu(x, w, g);
    // L1 distances of the unfolded windows to the filters.
    torch::Tensor rows = windows(x, g);
    torch::Tensor filters = w.reshape({groups, w.size(0) / groups, -1});
    torch::Tensor y = -torch::cdist(rows, filters, 1.0);
    return toImage(y, x.size(0), outSize(x.size(2), g), outSize(x.size(3), g));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const torch::Tensor &x = saved[0], &w = saved[1];
    auto geo = ctx->saved_data["geometry"].toIntVector();
    ConvGeometry g{geo[0], geo[1], geo[2], geo[3]};
    if (!ctx->saved_data["unfolded"].toBool()) {
      // dL/dw = sum g * (x - w): an ordinary convolution's weight gradient
      // (sum g * x, padded taps 0) less w times each output channel's sum of g.
      torch::Tensor gy = grads[0].contiguous();
      torch::Tensor gxw = std::get<1>(at::convolution_backward(
          gy, x, w, at::OptionalIntArrayRef(), {g.stride, g.stride}, {g.pad, g.pad}, {1, 1}, false, {0, 0}, g.groups,
          {false, true, false}));
      torch::Tensor gw = gxw - w * gy.sum({0, 2, 3}).view({-1, 1, 1, 1});
      return {detail::adderInputGradCpu(x, w, gy, g), gw, {}, {}, {}, {}, {}};
    }
    int64_t n = x.size(0), groups = g.groups, perGroup = w.size(0) / groups;
    torch::Tensor rows = windows(x, g);                                      // (G, R, K)
    torch::Tensor filters = w.reshape({groups, perGroup, -1});              // (G, O, K)
    torch::Tensor gy = grads[0].reshape({n, groups, perGroup, -1})          // (G, R, O)
                           .permute({1, 0, 3, 2})
                           .reshape({groups, -1, perGroup});
    // dL/dw = sum_r g * (x - w) = g^T x - w * sum_r g.
    torch::Tensor gw = torch::bmm(gy.transpose(1, 2), rows) - filters * gy.sum(1).unsqueeze(2);
    // dL/dx = sum_o g * clamp(w - x, -1, 1), in chunks of rows.
    int64_t r = rows.size(1), taps = rows.size(2);
    int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 24) / std::max<int64_t>(1, groups * perGroup * taps));
    torch::Tensor gx = torch::empty_like(rows);
    for (int64_t start = 0; start < r; start += chunk) {
      int64_t len = std::min(chunk, r - start);
      torch::Tensor xs = rows.narrow(1, start, len).unsqueeze(2);            // (G, len, 1, K)
      torch::Tensor diff = torch::clamp(filters.unsqueeze(1) - xs, -1, 1);  // (G, len, O, K)
      gx.narrow(1, start, len).copy_((gy.narrow(1, start, len).unsqueeze(3) * diff).sum(2));
    }
    int64_t positions = r / n;
    torch::Tensor cols = gx.view({groups, n, positions, taps}).permute({1, 0, 3, 2}).reshape(
        {n, groups * taps, positions});
    torch::Tensor gradX = F::fold(cols, F::FoldFuncOptions({x.size(2), x.size(3)}, {g.kernel, g.kernel})
                                            .padding(g.pad)
                                            .stride(g.stride));
    return {gradX, gw.reshape(w.sizes()), {}, {}, {}, {}, {}};
  }
};
} // namespace

torch::Tensor adderConv2d(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g) {
  return AdderFunction::apply(x, w, g.kernel, g.stride, g.pad, g.groups, !x.is_cpu());
}

torch::Tensor adderConv2dUnfolded(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g) {
  return AdderFunction::apply(x, w, g.kernel, g.stride, g.pad, g.groups, true);
}

torch::Tensor adderConv2dReference(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g) {
  torch::Tensor rows = windows(x, g).unsqueeze(2);                        // (G, R, 1, K)
  torch::Tensor filters = w.reshape({g.groups, w.size(0) / g.groups, -1}).unsqueeze(1); // (G, 1, O, K)
  torch::Tensor d = rows - filters;
  // Value -|d|; surrogates give AdderNet's gradients: d/dw of -(x - w)^2 / 2 is
  // x - w, d/dx of -huber(x - w) is clamp(w - x, -1, 1).
  torch::Tensor weightPath = -0.5 * (rows.detach() - filters).pow(2);
  torch::Tensor inputPath = -F::smooth_l1_loss(rows - filters.detach(), torch::zeros_like(d),
                                               F::SmoothL1LossFuncOptions().reduction(torch::kNone));
  torch::Tensor y = -d.abs().detach() + (weightPath - weightPath.detach()) +
                    (inputPath - inputPath.detach());
  return toImage(y.sum(3), x.size(0), outSize(x.size(2), g), outSize(x.size(3), g));
}

void scaleAdderGradient(torch::Tensor &weight, double eta) {
  torch::Tensor grad = weight.mutable_grad();
  if (!grad.defined())
    return;
  torch::NoGradGuard noGrad;
  // On the device: no value travels to the host.
  torch::Tensor norm = grad.norm();
  grad.mul_(torch::where(norm > 0, eta * std::sqrt(double(grad.numel())) / norm, torch::ones_like(norm)));
}

} // namespace shiftadd::train
