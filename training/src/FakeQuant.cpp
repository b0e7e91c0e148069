// Fixed-point fake quantization with a straight-through estimator.
#include "shiftadd/train/FakeQuant.h"

#include <cmath>

namespace shiftadd::train {

torch::Tensor fakeQuantFixed(const torch::Tensor &x, int frac, int bits) {
  TORCH_CHECK(bits >= 2 && bits <= 16, "fakeQuantFixed: bits must be in [2, 16], got ", bits);
  const double scale = std::ldexp(1.0, frac);
  const double lo = -std::ldexp(1.0, bits - 1);
  const double hi = std::ldexp(1.0, bits - 1) - 1;
  torch::Tensor scaled = x * scale;
  torch::Tensor q = torch::clamp(torch::floor(scaled + 0.5), lo, hi) / scale;
  // Straight-through inside the range: value of q, gradient of the clamped identity.
  torch::Tensor ste = torch::clamp(x, lo / scale, hi / scale);
  // q + (ste - ste): exactly q, unlike ste + (q - ste), which can round.
  return q.detach() + (ste - ste.detach());
}

} // namespace shiftadd::train
