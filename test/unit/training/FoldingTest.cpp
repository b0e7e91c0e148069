// The trainer's integer operators and folding: spec examples, and the
// importer's folding rules (docs/onnx-format.md).
#include "shiftadd/train/Folding.h"

#include <gtest/gtest.h>

using namespace shiftadd::train;

namespace {
torch::Tensor ints(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }
} // namespace

TEST(Requantize, SpecExamples) {
  // acc = [37, -37, 20], bias 3, shift 2 -> [10, -8, 6]; with ReLU [10, 0, 6].
  FoldedLayer f;
  f.bias = {3}, f.shift = {2};
  torch::Tensor acc = ints({37, -37, 20}).view({3, 1});
  EXPECT_TRUE(torch::equal(requantize(acc, f), ints({10, -8, 6}).view({3, 1})));
  f.lo = 0;
  EXPECT_TRUE(torch::equal(requantize(acc, f), ints({10, 0, 6}).view({3, 1})));
  // Multiplier mode: m = 2^30 (0.5) and 3 * 2^29 (0.75), s = 0, on acc = 100.
  FoldedLayer m;
  m.bias = {0, 0}, m.shift = {0, 0}, m.multiplier = {int64_t(1) << 30, int64_t(3) << 29};
  EXPECT_TRUE(torch::equal(requantize(ints({100, 100}).view({1, 2}), m), ints({50, 75}).view({1, 2})));
}

TEST(Requantize, NegativeShiftIsExactLeftShift) {
  FoldedLayer f;
  f.bias = {0}, f.shift = {-2};
  EXPECT_TRUE(torch::equal(requantize(ints({3, -5}).view({2, 1}), f), ints({12, -20}).view({2, 1})));
}

TEST(IntegerOps, RescaledAddPoolAndInputQuantization) {
  // x = 3 at f 2, y = 5 at f 3, into f 2: R(6 + 5, 1) = 6 (spec section 8).
  EXPECT_EQ(rescaledAdd(ints({3}), 2, ints({5}), 3, 2).item<double>(), 6);
  // D(-13, 9) = -1 (spec section 9).
  torch::Tensor x = torch::zeros({1, 1, 3, 3}, torch::kDouble);
  x[0][0][0][0] = -13;
  EXPECT_EQ(globalAvgPoolInt(x).item<double>(), -1);
  // f = 3: 0.3125 -> 3, -0.3125 -> -2, 100 -> 127, NaN -> 0 (spec section 2).
  torch::Tensor q = quantizeInput(torch::tensor({0.3125f, -0.3125f, 100.f, NAN}), 3);
  EXPECT_TRUE(torch::equal(q, ints({3, -2, 127, 0}))) << q;
}

TEST(FoldLayer, ShiftLayerWithPowerOfTwoBatchNorm) {
  // Weights 2^-1 and -2^-3: the importer's code has max_exp -1, pmin -15,
  // integer weights 2^14 and -2^12, accumulator format f_in + 15.
  ExportedLayer e;
  e.op = OpKind::Shift;
  e.weight = torch::tensor({0.5f, -0.125f}).view({1, 2});
  e.gamma = torch::tensor({2.f}), e.beta = torch::tensor({1.f});
  e.mean = torch::tensor({0.f}), e.var = torch::tensor({1.f}), e.epsilon = 0.f;
  e.act = Activation::Relu6;
  FoldedLayer f = foldLayer(e, /*inFrac=*/4, /*outFrac=*/4);
  EXPECT_TRUE(torch::equal(f.weight, ints({16384, -4096}).view({1, 2})));
  EXPECT_EQ(f.accFrac, 19);
  // a = 2 = 2^1: power-of-two mode, shift 19 - 4 - 1; bias round(1 / 2 * 2^19).
  EXPECT_TRUE(f.multiplier.empty());
  EXPECT_EQ(f.shift, std::vector<int64_t>{14});
  EXPECT_EQ(f.bias, std::vector<int64_t>{262144});
  EXPECT_EQ(f.lo, 0);
  EXPECT_EQ(f.hi, 96); // floor(6 * 2^4)
}

TEST(FoldLayer, MultiplierModeForOtherScales) {
  // a = 0.75 on an int8 layer: every channel in multiplier mode, m in [2^30, 2^31).
  ExportedLayer e;
  e.op = OpKind::Mult;
  e.weight = torch::tensor({1, 2, 3, 4}, torch::kChar).view({2, 2});
  e.weightFrac = 3;
  e.gamma = torch::tensor({0.75f, 2.f}), e.beta = torch::zeros({2});
  e.mean = torch::zeros({2}), e.var = torch::ones({2}), e.epsilon = 0.f;
  FoldedLayer f = foldLayer(e, 2, 2);
  EXPECT_EQ(f.accFrac, 5);
  ASSERT_EQ(f.multiplier.size(), 2u);
  // 0.75 * 2^(2 - 5 + 31 + s) in [2^30, 2^31): s = 3, m = 3 * 2^29.
  EXPECT_EQ(f.multiplier[0], int64_t(3) << 29);
  EXPECT_EQ(f.shift[0], 3);
  // The power-of-two channel joins with m = 2^30 and its shift minus one.
  EXPECT_EQ(f.multiplier[1], int64_t(1) << 30);
  EXPECT_EQ(f.shift[1], 5 - 2 - 1 - 1);
}

TEST(FoldLayer, AdderAccShiftAsTheImporterChoosesIt) {
  // test/Frontend/import-adder-acc-shift.test's layer: 1x1 adder, weights
  // [0, 1] at 2^-4, BatchNorm 0.75 with mean -0.3: the bias needs the shift.
  ExportedLayer e;
  e.op = OpKind::Add;
  e.weight = torch::tensor({0.f, 1.f}).view({2, 1, 1, 1});
  e.gamma = torch::full({2}, 0.75f), e.beta = torch::zeros({2});
  e.mean = torch::full({2}, -0.3f), e.var = torch::ones({2}), e.epsilon = 0.f;
  FoldedLayer f = foldLayer(e, 4, 4);
  EXPECT_EQ(f.accShift, 20);
  EXPECT_EQ(f.accFrac, 24);
  EXPECT_EQ(f.bias, std::vector<int64_t>(2, 5033165));
  EXPECT_EQ(f.multiplier, std::vector<int64_t>(2, 1610612736));
  EXPECT_EQ(f.shift, std::vector<int64_t>(2, 20));
  // A bias exact at the input's step needs no shift.
  e.mean = torch::full({2}, -0.25f);
  EXPECT_EQ(foldLayer(e, 4, 4).accShift, 0);
}

TEST(FoldLayer, RejectsWhatTheImporterRejects) {
  ExportedLayer e;
  e.op = OpKind::Add;
  e.weight = torch::ones({1, 1, 1, 1});
  e.gamma = torch::tensor({-1.f}), e.beta = torch::zeros({1});
  e.mean = torch::zeros({1}), e.var = torch::ones({1});
  EXPECT_THROW(foldLayer(e, 0, 0), std::runtime_error);
}
