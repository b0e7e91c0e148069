// Fake quantization must land exactly on the spec's integer grid.
#include "shiftadd/train/FakeQuant.h"

#include <gtest/gtest.h>

using shiftadd::train::fakeQuantFixed;

TEST(FakeQuantFixed, RoundsHalfUpAndSaturates) {
  torch::Tensor x = torch::tensor({0.3125f, -0.3125f, 0.06f, 20.f, -20.f});
  torch::Tensor q = fakeQuantFixed(x, /*frac=*/3);
  // 0.3125*8 = 2.5 -> 3; -2.5 -> -2; 0.48 -> 0; saturation at 127/8 and -128/8.
  torch::Tensor want = torch::tensor({3.f, -2.f, 0.f, 127.f, -128.f}) / 8;
  EXPECT_TRUE(torch::equal(q, want)) << q;
}

TEST(FakeQuantFixed, StraightThroughInsideRangeZeroOutside) {
  torch::Tensor x = torch::tensor({0.1f, -0.7f, 50.f}, torch::requires_grad());
  fakeQuantFixed(x, 3).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), torch::tensor({1.f, 1.f, 0.f})));
}
