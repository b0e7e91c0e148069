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

/// The shapes the loops need, with the input zero-padded once (input rows are
/// `wp` apart). `block` output channels share a pass over the input (Taps).
struct Planes {
  int64_t n, c, o, cPerGroup, oPerGroup, k, s, wp, oh, ow, inPlane, outPlane, block;

  Planes(const torch::Tensor &xp, const torch::Tensor &w, ConvGeometry g)
      : n(xp.size(0)), c(xp.size(1)), o(w.size(0)), cPerGroup(w.size(1)), oPerGroup(w.size(0) / g.groups),
        k(g.kernel), s(g.stride), wp(xp.size(3)), oh((xp.size(2) - k) / s + 1), ow((wp - k) / s + 1),
        inPlane(xp.size(2) * wp), outPlane(oh * ow), block(oPerGroup % 4 ? 1 : 4) {}
};

torch::Tensor padded(const torch::Tensor &x, ConvGeometry g) {
  return g.pad ? F::pad(x, F::PadFuncOptions({g.pad, g.pad, g.pad, g.pad})).contiguous() : x.contiguous();
}

/// A 1x1 stride-1 layer sees every pixel alone, so its loops can run along
/// rows longer than W: a whole plane (H*W values, a view), or for planes
/// smaller than 256 (8x8 and 4x4 in MobileNetV2-tiny at 32x32, where rows
/// of W were mostly loop overhead) a channel across the batch (N*H*W values,
/// a copy).
struct PointwiseRows {
  int64_t n, h, w;
  bool acrossBatch;

  explicit PointwiseRows(const torch::Tensor &xp)
      : n(xp.size(0)), h(xp.size(2)), w(xp.size(3)), acrossBatch(h * w < 256) {}
  /// (N, C, H, W) -> (N, C, 1, H*W) or (1, C, 1, N*H*W), contiguous (for 1x1
  /// planes the transposed reshape is a strided view, not a copy).
  torch::Tensor rows(const torch::Tensor &t) const {
    return (acrossBatch ? t.transpose(0, 1).reshape({1, t.size(1), 1, -1}) : t.reshape({n, t.size(1), 1, -1}))
        .contiguous();
  }
  torch::Tensor image(const torch::Tensor &t) const {
    return acrossBatch ? t.view({t.size(1), n, h, w}).transpose(0, 1).contiguous() : t.view({n, t.size(1), h, w});
  }
};

bool pointwise(ConvGeometry g) { return g.kernel == 1 && g.stride == 1; }

// The build targets baseline x86-64 (SSE2); AVX2 doubles the vector width
// where the CPU has it. Without FMA both clones round alike: same bits.
#if defined(__x86_64__) && defined(__GNUC__)
#define SHIFTADD_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SHIFTADD_VECTOR_CLONES
#endif

/// Calls row(tap, in, out) for every tap (kh * k + kw) of a kernel and every
/// output row: `in` is the offset of the row's first input in the padded input
/// plane, `out` that of the row in the output plane.
template <typename Row> inline void forEachTapRow(const Planes &p, Row row) {
  for (int64_t kh = 0; kh < p.k; ++kh)
    for (int64_t kw = 0; kw < p.k; ++kw)
      for (int64_t r = 0; r < p.oh; ++r)
        row(kh * p.k + kw, (r * p.s + kh) * p.wp + kw, r * p.ow);
}

/// The B output channels from o0 on read the same input planes (B divides the
/// channels per group): each input value is loaded once for all B of them,
/// and small planes (4x4 in MobileNetV2's last stage) pay the loop overhead
/// once per B outputs. B = 1 for depthwise layers.
template <int B, typename T> struct Taps {
  T value[B];
  Taps(const T *w, const Planes &p, int64_t o0, int64_t ci, int64_t tap) {
    for (int j = 0; j < B; ++j)
      value[j] = w[((o0 + j) * p.cPerGroup + ci) * p.k * p.k + tap];
  }
};

/// Output planes o0..o0+B-1 of image n, item = (n, o0 / B).
template <int B, typename T>
SHIFTADD_VECTOR_CLONES void forwardPlanes(const T *xp, const T *w, T *y, const Planes &p, int64_t item) {
  int64_t n = item / (p.o / B), o0 = item % (p.o / B) * B, group = o0 / p.oPerGroup;
  T *out = y + (n * p.o + o0) * p.outPlane;
  for (int64_t ci = 0; ci < p.cPerGroup; ++ci) {
    const T *plane = xp + (n * p.c + group * p.cPerGroup + ci) * p.inPlane;
    forEachTapRow(p, [&](int64_t tap, int64_t inRow, int64_t outRow) {
      Taps<B, T> t(w, p, o0, ci, tap);
      const T *__restrict in = plane + inRow;
      T *__restrict acc = out + outRow;
      // Per output the same order of additions whatever B is.
      if (p.s == 1)
        for (int64_t col = 0; col < p.ow; ++col)
          for (int j = 0; j < B; ++j)
            acc[j * p.outPlane + col] -= std::abs(in[col] - t.value[j]);
      else
        for (int64_t col = 0; col < p.ow; ++col)
          for (int j = 0; j < B; ++j)
            acc[j * p.outPlane + col] -= std::abs(in[col * p.s] - t.value[j]);
    });
  }
}

/// clamp(d, -1, 1) as selects on values, which the vectorizer turns into
/// compare-and-blend (std::clamp's references leave branches it cannot).
template <typename T> inline T hardTanh(T d) {
  d = d < T(-1) ? T(-1) : d;
  return d > T(1) ? T(1) : d;
}

/// The gradient of padded input plane `item` (batch n, channel c): its only
/// writer. Output channels in blocks of B, as in forwardPlanes.
template <int B, typename T>
SHIFTADD_VECTOR_CLONES void inputGradPlane(const T *xp, const T *w, const T *gy, T *gxp, const Planes &p,
                                           int64_t item) {
  int64_t n = item / p.c, c = item % p.c, group = c / p.cPerGroup, ci = c % p.cPerGroup;
  const T *plane = xp + item * p.inPlane;
  T *grad = gxp + item * p.inPlane;
  for (int64_t oi = 0; oi < p.oPerGroup; oi += B) {
    int64_t o0 = group * p.oPerGroup + oi;
    const T *g = gy + (n * p.o + o0) * p.outPlane;
    forEachTapRow(p, [&](int64_t tap, int64_t inRow, int64_t outRow) {
      Taps<B, T> t(w, p, o0, ci, tap);
      const T *__restrict in = plane + inRow, *__restrict up = g + outRow;
      T *__restrict acc = grad + inRow;
      // One addition after the other into the sum: the same bits whatever B is.
      if (p.s == 1)
        for (int64_t col = 0; col < p.ow; ++col) {
          T sum = acc[col];
          for (int j = 0; j < B; ++j)
            sum += up[j * p.outPlane + col] * hardTanh(t.value[j] - in[col]);
          acc[col] = sum;
        }
      else
        for (int64_t col = 0; col < p.ow; ++col) {
          T sum = acc[col * p.s];
          for (int j = 0; j < B; ++j)
            sum += up[j * p.outPlane + col] * hardTanh(t.value[j] - in[col * p.s]);
          acc[col * p.s] = sum;
        }
    });
  }
}

/// Runs kernel<B> over `items` work items in parallel, B = p.block.
template <typename Kernel> void forItems(const Planes &p, int64_t items, Kernel kernel) {
  at::parallel_for(0, items, 1, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item)
      p.block == 4 ? kernel(std::integral_constant<int, 4>(), item) : kernel(std::integral_constant<int, 1>(), item);
  });
}

/// The forward pass on the padded input xp.
torch::Tensor forward(const torch::Tensor &xp, const torch::Tensor &w, ConvGeometry g) {
  torch::Tensor wc = w.contiguous();
  Planes p(xp, wc, g);
  torch::Tensor y = torch::zeros({p.n, p.o, p.oh, p.ow}, xp.options());
  AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "adderForwardCpu", [&] {
    const scalar_t *in = xp.data_ptr<scalar_t>(), *taps = wc.data_ptr<scalar_t>();
    scalar_t *out = y.data_ptr<scalar_t>();
    forItems(p, p.n * p.o / p.block, [&](auto b, int64_t item) { forwardPlanes<b()>(in, taps, out, p, item); });
  });
  return y;
}

/// The input gradient with respect to the padded input xp.
torch::Tensor inputGrad(const torch::Tensor &xp, const torch::Tensor &w, const torch::Tensor &gy, ConvGeometry g) {
  torch::Tensor wc = w.contiguous(), gyc = gy.contiguous();
  Planes p(xp, wc, g);
  torch::Tensor gxp = torch::zeros_like(xp);
  AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "adderInputGradCpu", [&] {
    const scalar_t *in = xp.data_ptr<scalar_t>(), *taps = wc.data_ptr<scalar_t>(),
                   *up = gyc.data_ptr<scalar_t>();
    scalar_t *grad = gxp.data_ptr<scalar_t>();
    forItems(p, p.n * p.c, [&](auto b, int64_t item) { inputGradPlane<b()>(in, taps, up, grad, p, item); });
  });
  return gxp;
}

} // namespace

torch::Tensor adderForwardCpu(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g) {
  torch::Tensor xp = padded(x, g);
  if (!pointwise(g))
    return forward(xp, w, g);
  PointwiseRows rows(xp);
  return rows.image(forward(rows.rows(xp), w, g));
}

torch::Tensor adderInputGradCpu(const torch::Tensor &x, const torch::Tensor &w, const torch::Tensor &gy,
                                ConvGeometry g) {
  torch::Tensor xp = padded(x, g), gxp;
  if (pointwise(g)) {
    PointwiseRows rows(xp);
    gxp = rows.image(inputGrad(rows.rows(xp), w, rows.rows(gy), g));
  } else {
    gxp = inputGrad(xp, w, gy, g);
  }
  // The padding's share of the gradient has no input to go to.
  using torch::indexing::Slice;
  return g.pad ? gxp.index({Slice(), Slice(), Slice(g.pad, -g.pad), Slice(g.pad, -g.pad)}).contiguous() : gxp;
}

} // namespace shiftadd::train::detail
