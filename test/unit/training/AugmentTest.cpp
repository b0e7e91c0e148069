// ShiftAddAug mechanics: the target is the prefix slice of the augmented
// weights, both losses reach the shared target weights, hybrid computation
// uses the multiplication-free operator exactly on the target block, and the
// remap is bounded.
#include "shiftadd/train/Models.h"

#include <gtest/gtest.h>

using namespace shiftadd::train;

namespace {
Net augmentedNet(OpKind op, double factor = 2.2) {
  torch::manual_seed(5);
  ModelOptions o;
  o.name = "mobilenetv2-tiny";
  o.op.op = op;
  o.inputShape = {1, 8, 8};
  o.augmentMax = factor;
  return makeModel(o);
}

std::vector<int64_t> widest(const Net &net) {
  std::vector<int64_t> hidden;
  for (const AugmentableBlock &b : net->augmentable)
    hidden.push_back(b.hiddenMax);
  return hidden;
}
} // namespace

TEST(Augment, BlocksHoldWiderWeightsAndExportTheTargetSlice) {
  Net net = augmentedNet(OpKind::Shift);
  ASSERT_FALSE(net->augmentable.empty());
  const AugmentableBlock &b = net->augmentable.front();
  EXPECT_GT(b.hiddenMax, b.hidden);
  EXPECT_EQ(b.expand->sharedWeight().size(0), b.hiddenMax);
  EXPECT_EQ(b.project->sharedWeight().size(1), b.hiddenMax);
  // Export writes the target alone: hidden output channels.
  EXPECT_EQ(b.expand->exported(4).weight.size(0), b.hidden);
  EXPECT_EQ(b.project->exported(4).weight.size(1), b.hidden);
  EXPECT_EQ(b.depthwise->exported(4).gamma.size(0), b.hidden);
}

TEST(Augment, BothLossesUpdateTheSharedTargetWeights) {
  for (Compute compute : {Compute::Hybrid, Compute::Mult, Compute::MF}) {
    Net net = augmentedNet(OpKind::Shift);
    net->train();
    torch::Tensor x = torch::randn({4, 1, 8, 8});
    const AugmentableBlock &b = net->augmentable.front();
    torch::Tensor w = b.project->sharedWeight();
    auto targetBlock = [&](const torch::Tensor &g) { return g.narrow(1, 0, b.hidden); };
    net->forward(x).pow(2).mean().backward();
    torch::Tensor fromTarget = w.grad().clone();
    EXPECT_GT(targetBlock(fromTarget).abs().sum().item<double>(), 0);
    // The target pass does not touch the augmented channels.
    EXPECT_EQ(fromTarget.narrow(1, b.hidden, b.hiddenMax - b.hidden).abs().sum().item<double>(), 0);
    w.mutable_grad().zero_();
    net->setCompute(compute, widest(net));
    net->forward(x).pow(2).mean().backward();
    net->setCompute(Compute::Target);
    torch::Tensor fromAugmented = w.grad();
    EXPECT_GT(targetBlock(fromAugmented).abs().sum().item<double>(), 0) << "compute " << int(compute);
    EXPECT_GT(fromAugmented.narrow(1, b.hidden, b.hiddenMax - b.hidden).abs().sum().item<double>(), 0);
  }
}

TEST(Augment, HybridAtTargetWidthIsTheTargetLayer) {
  // At its target width the hybrid pass computes the deployable layer; it
  // only leaves out the output's rounding (augmented passes are float), so the
  // two differ by at most half a unit of the output format.
  Net net = augmentedNet(OpKind::Shift);
  const AugmentableBlock &b = net->augmentable.front();
  Chain expand = b.expand;
  torch::Tensor x = torch::randn({2, b.in, 8, 8});
  // Calibrate the output format on these very outputs (BatchNorm in
  // evaluation mode throughout), so that nothing saturates.
  expand->eval();
  for (const auto &m : expand->modules(false))
    if (std::dynamic_pointer_cast<QuantizerImpl>(m))
      m->train();
  expand->forward({x, 4});
  expand->eval();
  torch::NoGradGuard noGrad;
  Act target = expand->forward({x, 4});
  std::vector<int64_t> targets;
  for (const AugmentableBlock &a : net->augmentable)
    targets.push_back(a.hidden);
  net->setCompute(Compute::Hybrid, targets);
  Act hybrid = expand->forward({x, 4});
  net->setCompute(Compute::Target);
  ASSERT_EQ(hybrid.x.sizes(), target.x.sizes());
  double halfUnit = std::ldexp(0.5, -target.frac);
  EXPECT_LE((hybrid.x - target.x).abs().max().item<double>(), halfUnit * (1 + 1e-6));
  // Wider: the target channels keep their values, new channels appear.
  net->setCompute(Compute::Hybrid, widest(net));
  Act wide = expand->forward({x, 4});
  net->setCompute(Compute::Target);
  EXPECT_EQ(wide.x.size(1), b.hiddenMax);
  EXPECT_TRUE(torch::equal(wide.x.narrow(1, 0, b.hidden), hybrid.x));
}

TEST(Augment, RemapIsBoundedAndDifferentiable) {
  Remap remap(100);
  torch::Tensor w = torch::randn({100}, torch::requires_grad());
  torch::Tensor m = remap->forward(w);
  // Laplace of the same variance: heavier tails, the same spread.
  EXPECT_NEAR(m.std().item<double>(), w.std().item<double>(), 0.35 * w.std().item<double>());
  m.sum().backward();
  EXPECT_TRUE(w.grad().defined());
  auto [a, b] = remap->affine();
  EXPECT_NEAR(a, 1.0, 1e-6);
  EXPECT_NEAR(b, 0.0, 1e-6);
  // The affine scalars stay in their bounds whatever the raw parameters do.
  for (auto &p : remap->parameters())
    p.data().fill_(1e6);
  std::tie(a, b) = remap->affine();
  EXPECT_LE(a, 2.0);
  EXPECT_LE(b, 0.5);
}
