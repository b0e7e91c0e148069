// The AdderNet convolution's CPU kernels (see AdderCpu.h).
//
// Both kernels walk whole output rows, so that the innermost loop runs along
// a row of the (zero-padded) input and of the output plane; at stride 1 those
// are contiguous and the compiler vectorizes the loop. No window is copied:
// unfolded windows hold kernel^2 copies of the input (226 MB for one of
// MobileNetV2-tiny's 48-channel depthwise 3x3 layers at 32x32, batch 128), and
// the input gradient's differences w - x, which the unfolded form writes to
// memory chunk by chunk, stay in registers here.
#include "AdderCpu.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace shiftadd::train::detail {

namespace F = torch::nn::functional;

namespace {

/// The shapes the loops need, with the input zero-padded once. The loops walk
/// `rows` rows of `cols` outputs; the input rows are `wp` apart.
struct Planes {
  int64_t n, c, o, cPerGroup, oPerGroup, k, s, wp, oh, ow, inPlane, outPlane, rows, cols;

  Planes(const torch::Tensor &xp, const torch::Tensor &w, ConvGeometry g)
      : n(xp.size(0)), c(xp.size(1)), o(w.size(0)), cPerGroup(w.size(1)), oPerGroup(w.size(0) / g.groups),
        k(g.kernel), s(g.stride), wp(xp.size(3)), oh((xp.size(2) - k) / s + 1), ow((wp - k) / s + 1),
        inPlane(xp.size(2) * wp), outPlane(oh * ow), rows(oh), cols(ow) {
    // A 1x1 stride-1 window maps the padded plane onto the output plane: one
    // long row (most of MobileNetV2's work; rows of 32 leave loop overhead).
    if (k == 1 && s == 1)
      rows = 1, cols = wp = outPlane;
  }
};

torch::Tensor padded(const torch::Tensor &x, ConvGeometry g) {
  return g.pad ? F::pad(x, F::PadFuncOptions({g.pad, g.pad, g.pad, g.pad})).contiguous() : x.contiguous();
}

// The build targets baseline x86-64 (SSE2); AVX2 doubles the vector width
// where the CPU has it. Without FMA both clones round alike: same bits.
#if defined(__x86_64__) && defined(__GNUC__)
#define SHIFTADD_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SHIFTADD_VECTOR_CLONES
#endif

/// Calls row(tap, in, out) for every tap of one (output, input) channel pair
/// and every output row: `in` is the offset of the row's first input in the
/// padded input plane, `out` that of the row in the output plane.
template <typename T, typename Row> inline void forEachTapRow(const T *taps, const Planes &p, Row row) {
  for (int64_t kh = 0; kh < p.k; ++kh)
    for (int64_t kw = 0; kw < p.k; ++kw)
      for (int64_t r = 0; r < p.rows; ++r)
        row(taps[kh * p.k + kw], (r * p.s + kh) * p.wp + kw, r * p.cols);
}

/// Output plane `item` (batch n, channel o) of the forward pass.
template <typename T>
SHIFTADD_VECTOR_CLONES void forwardPlane(const T *xp, const T *w, T *y, const Planes &p, int64_t item) {
  int64_t n = item / p.o, o = item % p.o, group = o / p.oPerGroup;
  T *out = y + item * p.outPlane;
  for (int64_t ci = 0; ci < p.cPerGroup; ++ci) {
    const T *plane = xp + (n * p.c + group * p.cPerGroup + ci) * p.inPlane;
    forEachTapRow(w + (o * p.cPerGroup + ci) * p.k * p.k, p, [&](T tap, int64_t inRow, int64_t outRow) {
      const T *__restrict in = plane + inRow;
      T *__restrict acc = out + outRow;
      if (p.s == 1)
        for (int64_t col = 0; col < p.cols; ++col)
          acc[col] -= std::abs(in[col] - tap);
      else
        for (int64_t col = 0; col < p.cols; ++col)
          acc[col] -= std::abs(in[col * p.s] - tap);
    });
  }
}

/// clamp(d, -1, 1) as selects on values, which the vectorizer turns into
/// compare-and-blend (std::clamp's references leave branches it cannot).
template <typename T> inline T hardTanh(T d) {
  d = d < T(-1) ? T(-1) : d;
  return d > T(1) ? T(1) : d;
}

/// The gradient of padded input plane `item` (batch n, channel c): its only writer.
template <typename T>
SHIFTADD_VECTOR_CLONES void inputGradPlane(const T *xp, const T *w, const T *gy, T *gxp, const Planes &p,
                                           int64_t item) {
  int64_t n = item / p.c, c = item % p.c, group = c / p.cPerGroup, ci = c % p.cPerGroup;
  const T *plane = xp + item * p.inPlane;
  T *grad = gxp + item * p.inPlane;
  for (int64_t oi = 0; oi < p.oPerGroup; ++oi) {
    int64_t o = group * p.oPerGroup + oi;
    const T *g = gy + (n * p.o + o) * p.outPlane;
    forEachTapRow(w + (o * p.cPerGroup + ci) * p.k * p.k, p, [&](T tap, int64_t inRow, int64_t outRow) {
      const T *__restrict in = plane + inRow, *__restrict up = g + outRow;
      T *__restrict acc = grad + inRow;
      if (p.s == 1)
        for (int64_t col = 0; col < p.cols; ++col)
          acc[col] += up[col] * hardTanh(tap - in[col]);
      else
        for (int64_t col = 0; col < p.cols; ++col)
          acc[col * p.s] += up[col] * hardTanh(tap - in[col * p.s]);
    });
  }
}

} // namespace

torch::Tensor adderForwardCpu(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g) {
  torch::Tensor xp = padded(x, g), wc = w.contiguous();
  Planes p(xp, wc, g);
  torch::Tensor y = torch::zeros({p.n, p.o, p.oh, p.ow}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "adderForwardCpu", [&] {
    const scalar_t *in = xp.data_ptr<scalar_t>(), *taps = wc.data_ptr<scalar_t>();
    scalar_t *out = y.data_ptr<scalar_t>();
    at::parallel_for(0, p.n * p.o, 1, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item)
        forwardPlane(in, taps, out, p, item);
    });
  });
  return y;
}

torch::Tensor adderInputGradCpu(const torch::Tensor &x, const torch::Tensor &w, const torch::Tensor &gy,
                                ConvGeometry g) {
  torch::Tensor xp = padded(x, g), wc = w.contiguous(), gyc = gy.contiguous();
  Planes p(xp, wc, g);
  torch::Tensor gxp = torch::zeros_like(xp);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "adderInputGradCpu", [&] {
    const scalar_t *in = xp.data_ptr<scalar_t>(), *taps = wc.data_ptr<scalar_t>(),
                   *up = gyc.data_ptr<scalar_t>();
    scalar_t *grad = gxp.data_ptr<scalar_t>();
    at::parallel_for(0, p.n * p.c, 1, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item)
        inputGradPlane(in, taps, up, grad, p, item);
    });
  });
  // The padding's share of the gradient has no input to go to.
  using torch::indexing::Slice;
  return g.pad ? gxp.index({Slice(), Slice(), Slice(g.pad, -g.pad), Slice(g.pad, -g.pad)}).contiguous() : gxp;
}

} // namespace shiftadd::train::detail
