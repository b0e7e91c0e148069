// ShiftAddAug mechanics: the target is the prefix slice of the augmented
// weights, both losses reach the shared target weights, hybrid computation
// uses the multiplication-free operator exactly on the target block, width
// augmentation widens every channel count between blocks, channel sorting
// keeps the network's function, and the weight maps are bounded.
#include "shiftadd/train/Models.h"
#include "shiftadd/train/Supernet.h"

#include <gtest/gtest.h>

using namespace shiftadd::train;

namespace {
Net augmentedNet(OpKind op, double factor = 2.2, double width = 1.0) {
  torch::manual_seed(5);
  ModelOptions o;
  o.name = "mobilenetv2-tiny";
  o.op.op = op;
  o.inputShape = {1, 8, 8};
  o.augmentMax = factor;
  o.widthMax = width;
  return makeModel(o);
}

/// Every block at expand factor `expand` and width factor `width`.
AugmentConfig uniform(const Net &net, double expand, double width = 1.0) {
  AugmentConfig c;
  c.expand.assign(net->augmentable.size(), expand);
  c.width.assign(net->augmentable.size(), width);
  c.stemWidth = c.headWidth = width;
  return c;
}

AugmentConfig widest(const Net &net) { return uniform(net, 8.0); }

/// The first block with an expand layer.
const AugmentableBlock &firstExpanding(const Net &net) {
  for (const AugmentableBlock &b : net->augmentable)
    if (b.expand)
      return b;
  throw std::logic_error("no expanding block");
}
} // namespace

TEST(Augment, BlocksHoldWiderWeightsAndExportTheTargetSlice) {
  Net net = augmentedNet(OpKind::Shift);
  ASSERT_FALSE(net->augmentable.empty());
  const AugmentableBlock &b = firstExpanding(net);
  EXPECT_GT(b.hiddenMax, b.hidden);
  EXPECT_EQ(b.expand->sharedWeight().size(0), b.hiddenMax);
  EXPECT_EQ(b.project->sharedWeight().size(1), b.hiddenMax);
  // Export writes the target alone: hidden output channels.
  EXPECT_EQ(b.expand->exported(4).weight.size(0), b.hidden);
  EXPECT_EQ(b.project->exported(4).weight.size(1), b.hidden);
  EXPECT_EQ(b.depthwise->exported(4).gamma.size(0), b.hidden);
}

TEST(Augment, BothLossesUpdateTheSharedTargetWeights) {
  // Mult nets too (NetAug): their augmented pass once ran at target width.
  for (auto [op, compute] : {std::pair{OpKind::Shift, Compute::Hybrid}, {OpKind::Shift, Compute::Mult},
                             {OpKind::Shift, Compute::MF}, {OpKind::Add, Compute::Hybrid},
                             {OpKind::Mult, Compute::Mult}}) {
    Net net = augmentedNet(op);
    net->train();
    torch::Tensor x = torch::randn({4, 1, 8, 8});
    const AugmentableBlock &b = firstExpanding(net);
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
    EXPECT_GT(fromAugmented.narrow(1, b.hidden, b.hiddenMax - b.hidden).abs().sum().item<double>(), 0)
        << "op " << int(op) << " compute " << int(compute);
  }
}

TEST(Augment, HybridAtTargetWidthIsTheTargetLayer) {
  // At its target width the hybrid pass computes the deployable layer; it
  // only leaves out the output's rounding (augmented passes are float), so the
  // two differ by at most half a unit of the output format.
  Net net = augmentedNet(OpKind::Shift);
  const AugmentableBlock &b = firstExpanding(net);
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
  net->setCompute(Compute::Hybrid, uniform(net, 1.0));
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

TEST(Augment, WidthAugmentationWidensTheChannelsBetweenBlocks) {
  Net net = augmentedNet(OpKind::Shift, 2.2, 2.2);
  net->train();
  ASSERT_TRUE(net->stem && net->head && net->classifier);
  EXPECT_GT(net->stem->spec().outMax, net->stem->spec().out);
  EXPECT_GT(net->classifier->spec().inMax, net->classifier->spec().in);
  torch::Tensor x = torch::randn({4, 1, 8, 8});
  torch::Tensor target = net->forward(x);
  // BatchNorm running statistics (the last two channel tensors) belong to the target alone.
  auto stats = [&] {
    std::vector<torch::Tensor> t = net->stem->outputChannelTensors();
    return torch::cat({t[t.size() - 2], t.back()}).clone();
  };
  torch::Tensor before = stats();
  for (Compute compute : {Compute::Hybrid, Compute::Mult, Compute::MF}) {
    net->zero_grad();
    net->setCompute(compute, uniform(net, 2.2, 2.2));
    torch::Tensor wide = net->forward(x);
    net->setCompute(Compute::Target);
    EXPECT_TRUE(torch::equal(stats(), before)) << "augmented pass moved the running statistics";
    ASSERT_EQ(wide.sizes(), target.sizes());
    wide.pow(2).mean().backward();
    // The classifier sees the widened features; the stem's extra filters learn.
    const torch::Tensor &fc = net->classifier->sharedWeight(), &stem = net->stem->sharedWeight();
    int64_t in = net->classifier->spec().in, out = net->stem->spec().out;
    EXPECT_GT(fc.grad().narrow(1, in, fc.size(1) - in).abs().sum().item<double>(), 0) << int(compute);
    EXPECT_GT(stem.grad().narrow(0, out, stem.size(0) - out).abs().sum().item<double>(), 0) << int(compute);
  }
  // Identity blocks keep in = out whatever their own factor says.
  AugmentConfig mixed = uniform(net, 1.6, 1.0);
  for (size_t i = 0; i < mixed.width.size(); ++i)
    mixed.width[i] = i % 2 ? 2.2 : 1.6;
  net->setCompute(Compute::Hybrid, mixed);
  EXPECT_EQ(net->forward(x).sizes(), target.sizes());
  net->setCompute(Compute::Target);
  // Back in target mode: the same network as before.
  net->eval();
  torch::NoGradGuard noGrad;
  EXPECT_EQ(net->forward(x).size(1), 10);
}

TEST(Augment, SortingExpandedChannelsKeepsTheWideNetworkAndOrdersByImportance) {
  Net net = augmentedNet(OpKind::Mult, 2.2);
  net->eval();
  torch::Tensor x = torch::randn({2, 1, 8, 8});
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  // One step so that momentum buffers exist.
  net->setCompute(Compute::Mult, widest(net));
  net->forward(x).pow(2).mean().backward();
  opt.step();
  const AugmentableBlock &b = firstExpanding(net);
  torch::Tensor momentumBefore =
      dynamic_cast<torch::optim::SGDParamState &>(
          *opt.state().at(c10::guts::to_string(b.project->sharedWeight().unsafeGetTensorImpl())))
          .momentum_buffer()
          .clone();
  torch::Tensor importance = b.project->sharedWeight().abs().sum({0, 2, 3});
  torch::NoGradGuard noGrad;
  torch::Tensor before = net->forward(x);
  sortExpandedChannels(net, opt);
  torch::Tensor after = net->forward(x);
  net->setCompute(Compute::Target);
  // All channels active and multiplicative: a permutation of the hidden
  // channels is the same function.
  EXPECT_TRUE(torch::allclose(before, after, 1e-4, 1e-5));
  torch::Tensor sorted = b.project->sharedWeight().abs().sum({0, 2, 3});
  // (Sums over a permuted layout may differ in the last bit.)
  EXPECT_TRUE(torch::allclose(std::get<0>(importance.sort(0, true)), sorted, 1e-6, 1e-6));
  // The momentum moved with its channels.
  torch::Tensor order = std::get<1>(importance.sort(true, 0, true));
  torch::Tensor momentumAfter =
      dynamic_cast<torch::optim::SGDParamState &>(
          *opt.state().at(c10::guts::to_string(b.project->sharedWeight().unsafeGetTensorImpl())))
          .momentum_buffer();
  EXPECT_TRUE(torch::equal(momentumBefore.index_select(1, order), momentumAfter));
}

TEST(Augment, BinnedRemapStartsAsIdentityAndItsKLPullsTowardLaplace) {
  torch::manual_seed(3);
  torch::Tensor w = torch::randn({4000});
  BinnedRemap map(4000, 100);
  EXPECT_TRUE(torch::allclose(map->forward(w), w, 1e-4, 1e-4));
  auto kurtosis = [](const torch::Tensor &t) {
    torch::Tensor c = t - t.mean();
    return (c.pow(4).mean() / c.pow(2).mean().pow(2)).item<double>();
  };
  double start = kurtosis(map->forward(w).detach());
  torch::optim::SGD opt(map->parameters(), torch::optim::SGDOptions(1.0));
  for (int i = 0; i < 200; ++i) {
    opt.zero_grad();
    map->penalty(w).backward();
    opt.step();
  }
  torch::Tensor m = map->forward(w).detach();
  // Gaussian (kurtosis 3) toward Laplace (6); the map stays monotone.
  EXPECT_GT(kurtosis(m), start + 0.5);
  torch::Tensor order = std::get<1>(w.sort());
  EXPECT_TRUE((m.index_select(0, order).diff() >= 0).all().item<bool>());
  torch::Tensor s = map->slopes();
  EXPECT_GE(s.min().item<double>(), 0.25);
  EXPECT_LE(s.max().item<double>(), 4.0);
}
