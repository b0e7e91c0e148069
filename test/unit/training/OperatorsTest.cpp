// The trainer's operators against spec examples, hand-computed values and
// independent formulations of their gradients.
#include "shiftadd/train/Operators.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace shiftadd::train;

TEST(ShiftQuantize, SpecExamples) {
  // docs/spec.md section 3, default 5-bit code: exponents [-14, 0].
  torch::Tensor w = torch::tensor({0.75f, 0.7f, 3.0f, std::ldexp(1.f, -14), 1.25f * std::ldexp(1.f, -15), -0.3f, 0.f});
  torch::Tensor want = torch::tensor({1.f, 0.5f, 1.f, std::ldexp(1.f, -14), 0.f, -0.25f, 0.f});
  EXPECT_TRUE(torch::equal(shiftQuantize(w, ShiftCode{}), want)) << shiftQuantize(w, ShiftCode{});
}

TEST(ShiftQuantize, BoundaryIsSqrtTwoAndRangeFollowsTheCode) {
  float below = std::nextafter(float(M_SQRT1_2), 0.f), above = std::nextafter(float(M_SQRT1_2), 1.f);
  torch::Tensor q = shiftQuantize(torch::tensor({below, above}), ShiftCode{});
  EXPECT_TRUE(torch::equal(q, torch::tensor({0.5f, 1.f})));
  // 3 bits, max_exp 2: exponents [0, 2]; 8 saturates to 4, 0.6 flushes.
  torch::Tensor r = shiftQuantize(torch::tensor({8.f, 0.6f, 1.5f}), ShiftCode{3, 2});
  EXPECT_TRUE(torch::equal(r, torch::tensor({4.f, 0.f, 2.f}))) << r;
}

TEST(ShiftQuantize, StraightThroughGradient) {
  torch::Tensor w = torch::tensor({0.3f, -0.7f}, torch::requires_grad());
  (shiftQuantizeSTE(w, ShiftCode{}) * torch::tensor({2.f, 3.f})).sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), torch::tensor({2.f, 3.f})));
}

TEST(ShiftPS, ValuesAndDeepShiftGradients) {
  torch::Tensor p = torch::tensor({-1.2f, -3.6f, 2.0f, -20.f}, torch::requires_grad());
  torch::Tensor s = torch::tensor({0.9f, -0.6f, 0.2f, 1.f}, torch::requires_grad());
  torch::Tensor w = shiftFromPS(p, s, ShiftCode{});
  // round(P) clamped to [-14, 0]; |S| < 0.5 gives 0.
  EXPECT_TRUE(torch::equal(w, torch::tensor({0.5f, -0.0625f, 0.f, std::ldexp(1.f, -14)}))) << w;
  torch::Tensor g = torch::tensor({1.f, 2.f, 3.f, 4.f});
  (w * g).sum().backward();
  EXPECT_TRUE(torch::allclose(p.grad(), g * w.detach() * std::log(2.0)));
  EXPECT_TRUE(torch::equal(s.grad(), g));
}

TEST(FakeQuantWeights, SymmetricInt8Grid) {
  torch::Tensor q = fakeQuantWeights(torch::tensor({0.26f, -20.f, 20.f}), 3);
  EXPECT_TRUE(torch::equal(q, torch::tensor({2.f, -127.f, 127.f}) / 8)) << q;
  EXPECT_EQ(fracForRange(6.0), 4);
  EXPECT_EQ(fracForRange(127.0), 0);
  EXPECT_EQ(fracForRange(0.0), 0);
}

// Training computes int8 weight formats on the device, the export on the
// host: the two must agree everywhere, also next to powers of two.
TEST(FakeQuantWeights, DeviceFormatEqualsHostFormat) {
  std::vector<double> ranges{0.0, -1.0, 1e-12, 0.26, 6.0, 127.0, 1e9, std::nan(""), INFINITY};
  for (int k = -20; k <= 20; ++k)
    for (double f : {1.0, std::nextafter(1.0, 0.0), std::nextafter(1.0, 2.0)})
      ranges.push_back(127.0 * std::ldexp(f, k));
  for (double r : ranges) {
    float range = float(r); // ranges are float tensors in training
    int host = fracForRange(double(range));
    EXPECT_EQ(fracForRange(torch::tensor(range)).item<int64_t>(), host) << r;
  }
  torch::manual_seed(1);
  torch::Tensor w = torch::randn({64}) * 3;
  for (int f : {-3, 0, 4, 9})
    EXPECT_TRUE(torch::equal(fakeQuantWeights(w, f), fakeQuantWeights(w, torch::tensor(int64_t(f)))));
}

TEST(AdderConv, SpecExample) {
  // x = [3, -1], w = [1, 2]: -(|3 - 1| + |-1 - 2|) = -5 (spec section 4).
  torch::Tensor x = torch::tensor({3.f, -1.f}).view({1, 2, 1, 1});
  torch::Tensor w = torch::tensor({1.f, 2.f}).view({1, 2, 1, 1});
  EXPECT_EQ(adderConv2d(x, w, {}).item<float>(), -5.f);
}

TEST(AdderConv, PaddingCountsAsZeroInput) {
  // A 3x3 window at the corner of a 1x1 image: eight padded taps give |0 - w|.
  torch::Tensor x = torch::full({1, 1, 1, 1}, 2.f);
  torch::Tensor w = torch::ones({1, 1, 3, 3});
  EXPECT_EQ(adderConv2d(x, w, {3, 1, 1, 1}).item<float>(), -(1.f + 8.f));
}

// Both forms (the CPU's plane loops, the GPU's unfolded windows) against the
// broadcast reference, whose gradients come from autograd on surrogate
// functions. Non-square images with odd and even sides; 1x1 stride-1 layers
// run along a channel across the batch below 256 pixels (5x6) and along each
// plane above (16x17).
TEST(AdderConv, MatchesReferenceWithGroupsStridesAndPadding) {
  torch::manual_seed(3);
  for (auto form : {adderConv2d, adderConv2dUnfolded})
    for (auto [h, w] : {std::pair{5, 6}, std::pair{16, 17}})
      for (ConvGeometry g : {ConvGeometry{3, 1, 1, 1}, ConvGeometry{3, 2, 1, 2}, ConvGeometry{1, 1, 0, 1},
                             ConvGeometry{1, 2, 0, 1}, ConvGeometry{3, 1, 1, 4}, ConvGeometry{5, 2, 2, 4}}) {
        std::string what = std::to_string(h) + "x" + std::to_string(w) + " kernel " + std::to_string(g.kernel) +
                           " stride " + std::to_string(g.stride) + " groups " + std::to_string(g.groups) +
                           (form == adderConv2d ? "" : ", unfolded");
        torch::Tensor x = torch::randn({2, 4, h, w}, torch::requires_grad());
        torch::Tensor wt = torch::randn({8, 4 / g.groups, g.kernel, g.kernel}, torch::requires_grad());
        torch::Tensor x2 = x.detach().clone().requires_grad_(), w2 = wt.detach().clone().requires_grad_();
        torch::Tensor y = form(x, wt, g), ref = adderConv2dReference(x2, w2, g);
        ASSERT_TRUE(torch::allclose(y, ref, 1e-5, 1e-4)) << what;
        torch::Tensor up = torch::randn(y.sizes());
        (y * up).sum().backward();
        (ref * up).sum().backward();
        EXPECT_TRUE(torch::allclose(wt.grad(), w2.grad(), 1e-4, 1e-4)) << "weight gradient, " << what;
        EXPECT_TRUE(torch::allclose(x.grad(), x2.grad(), 1e-4, 1e-4)) << "input gradient, " << what;
      }
}

// The plane loops against the unfolded form on seeded random shapes (batch,
// image size down to 1x1, kernel, stride, groups up to depthwise, strided
// inputs). Integer values keep every sum exact, so values and both gradients
// must be equal bit for bit whatever order each form adds in.
TEST(AdderConv, PlaneLoopsEqualUnfoldedOnRandomShapes) {
  torch::manual_seed(5);
  auto pick = [](int64_t lo, int64_t hi) { return torch::randint(lo, hi + 1, {1}).item<int64_t>(); };
  for (int i = 0; i < 200; ++i) {
    int64_t k = std::vector<int64_t>{1, 3, 5}[i % 3], groups = std::vector<int64_t>{1, 2, 4}[i / 3 % 3];
    int64_t in = groups * pick(1, 5), out = i % 9 == 8 ? in : groups * pick(1, 9);
    if (i % 9 == 8) // depthwise
      groups = in;
    ConvGeometry g{k, pick(1, 2), k / 2, groups};
    int64_t n = pick(1, 40), size = pick(1, 20);
    std::string what = "case " + std::to_string(i);
    torch::Tensor x = torch::randint(-40, 41, {n, in, size, size}).to(torch::kFloat);
    if (i % 4 == 0)
      x = x.transpose(2, 3); // not contiguous
    torch::Tensor w = torch::randint(-40, 41, {out, in / groups, k, k}).to(torch::kFloat);
    torch::Tensor x1 = x.clone().requires_grad_(), w1 = w.clone().requires_grad_();
    torch::Tensor x2 = x.clone().requires_grad_(), w2 = w.clone().requires_grad_();
    torch::Tensor y1 = adderConv2d(x1, w1, g), y2 = adderConv2dUnfolded(x2, w2, g);
    ASSERT_TRUE(torch::equal(y1, y2)) << what;
    torch::Tensor up = torch::randint(-3, 4, y1.sizes()).to(torch::kFloat);
    (y1 * up).sum().backward();
    (y2 * up).sum().backward();
    ASSERT_TRUE(torch::equal(w1.grad(), w2.grad())) << "weight gradient, " << what;
    ASSERT_TRUE(torch::equal(x1.grad(), x2.grad())) << "input gradient, " << what;
  }
}

TEST(AdderConv, GradientsAreAdderNets) {
  // One tap: y = -|x - w|; dL/dw = x - w (full precision), dL/dx = clamp(w - x, -1, 1).
  torch::Tensor x = torch::tensor({0.5f, 4.f}).view({2, 1, 1, 1}).requires_grad_();
  torch::Tensor w = torch::tensor({1.f}).view({1, 1, 1, 1}).requires_grad_();
  adderConv2d(x, w, {}).sum().backward();
  EXPECT_FLOAT_EQ(w.grad().item<float>(), (0.5f - 1.f) + (4.f - 1.f));
  EXPECT_TRUE(torch::equal(x.grad().flatten(), torch::tensor({0.5f, -1.f})));
}

TEST(AdderConv, AdaptiveGradientScaling) {
  torch::Tensor w = torch::zeros({4, 4}, torch::requires_grad());
  (w * torch::arange(16.f).view({4, 4})).sum().backward();
  scaleAdderGradient(w, 0.2);
  // eta * sqrt(k) * g / ||g||: norm eta * sqrt(16).
  EXPECT_NEAR(w.grad().norm().item<double>(), 0.2 * 4, 1e-5);
}
