// Layer chains and blocks in float (quantization-aware) and integer mode.
#include "shiftadd/train/Layers.h"

#include "shiftadd/train/FakeQuant.h"
#include "shiftadd/train/Models.h"
#include "shiftadd/train/OnnxWriter.h"

#include <cmath>

namespace shiftadd::train {

namespace F = torch::nn::functional;

QuantizerImpl::QuantizerImpl() { runningMax = register_buffer("running_max", torch::zeros({})); }

Act QuantizerImpl::forward(const torch::Tensor &x) {
  if (passThrough)
    return {x, frac()};
  if (is_training()) {
    torch::NoGradGuard noGrad;
    torch::Tensor m = x.detach().abs().max().to(runningMax.dtype());
    // The first batch sets the range; later ones move it slowly.
    runningMax.copy_(torch::where(runningMax > 0, 0.9 * runningMax + 0.1 * m, m));
    stale = true;
  }
  int f = frac();
  return {fakeQuantFixed(x, f), f};
}

int QuantizerImpl::frac() const {
  // In training the format read at the last refresh stands (the first batch
  // reads its own); in evaluation it always follows the range.
  if (!format || (stale && !is_training())) {
    format = fracForRange(runningMax.item<double>());
    stale = false;
  }
  return *format;
}

void QuantizerImpl::refresh(double range) {
  format = fracForRange(range);
  stale = false;
}

ChainImpl::ChainImpl(ChainSpec spec) : spec_(spec) {
  const ConvGeometry &g = spec.geometry;
  int64_t inMax = std::max(spec.inMax, spec.in), outMax = std::max(spec.outMax, spec.out);
  spec_.inMax = inMax, spec_.outMax = outMax;
  inActive = spec.in, outActive = spec.out;
  bool dw = depthwise();
  TORCH_CHECK(!dw || (g.groups == spec.in && spec.in == spec.out), "grouped convolutions must be depthwise");
  int64_t cols = spec.linear ? inMax : dw ? 1 : inMax / g.groups;
  std::vector<int64_t> shape = spec.linear ? std::vector<int64_t>{outMax, cols}
                                           : std::vector<int64_t>{outMax, cols, g.kernel, g.kernel};
  int64_t fanIn = spec.linear ? spec.in : spec.in / g.groups * g.kernel * g.kernel;
  // He initialisation for the multiplicative and shift forms; AdderNet's N(0, 1).
  torch::Tensor init = torch::randn(shape) * (spec.op.op == OpKind::Add ? 1.0 : std::sqrt(2.0 / fanIn));
  if (spec.op.op == OpKind::Shift && spec.op.shiftPS) {
    TORCH_CHECK(inMax == spec.in && outMax == spec.out, "DeepShift-PS layers cannot be augmented (use q)");
    const ShiftCode &code = spec.op.code;
    shiftP = register_parameter(
        "shift_p", torch::clamp(torch::round(torch::log2(init.abs())), code.minExp(), code.maxExp));
    shiftS = register_parameter("shift_s", torch::sign(init));
  } else {
    weight = register_parameter("weight", init);
  }
  if (spec.bias)
    bias = register_parameter("bias", torch::zeros({spec.out}));
  if (spec.batchNorm) {
    TORCH_CHECK(!spec.linear, "linear chains have no BatchNorm");
    bn = register_module("bn", torch::nn::BatchNorm2d(outMax));
  }
  quantizer = register_module("quantizer", Quantizer());
}

void ChainImpl::enableRemap(Sharing sharing) {
  if (spec_.op.op == OpKind::Mult || remap || !weight.defined() || sharing == Sharing::Naive)
    return;
  int64_t size = spec_.out * (weight.numel() / weight.size(0));
  if (sharing == Sharing::Binned)
    remap = register_module("remap", std::make_shared<BinnedRemapImpl>(size));
  else
    remap = register_module("remap", std::make_shared<RemapImpl>(size));
}

std::vector<torch::Tensor> ChainImpl::outputChannelTensors() const {
  std::vector<torch::Tensor> out;
  for (const torch::Tensor &t : {weight, bias})
    if (t.defined())
      out.push_back(t);
  if (bn)
    for (const torch::Tensor &t : {bn->weight, bn->bias, bn->running_mean, bn->running_var})
      out.push_back(t);
  return out;
}

ChainImpl::WeightViews ChainImpl::weightViews() const {
  torch::NoGradGuard noGrad;
  WeightViews v;
  if (!weight.defined())
    return v;
  v.shared = block(0, spec_.out, 0, spec_.in);
  if (remap)
    v.remapped = remap->forward(v.shared);
  v.quantized = effectiveWeight(lastInFrac);
  return v;
}

torch::Tensor ChainImpl::mapPenalty() const {
  return remap ? remap->penalty(block(0, spec_.out, 0, spec_.in)) : torch::Tensor();
}

void ChainImpl::setCompute(Compute c, int64_t in, int64_t out) {
  TORCH_CHECK(in >= spec_.in && in <= spec_.inMax && out >= spec_.out && out <= spec_.outMax,
              "active widths outside the held weights");
  compute = c, inActive = in, outActive = out;
}

void ChainImpl::resetBatchNorm() {
  if (bn)
    bn->reset_running_stats();
}

torch::Tensor ChainImpl::block(int64_t o0, int64_t o1, int64_t i0, int64_t i1) const {
  torch::Tensor w = weight.narrow(0, o0, o1 - o0);
  return depthwise() ? w : w.narrow(1, i0, i1 - i0);
}

namespace {
torch::Tensor multWeightFrac(const torch::Tensor &w) { return fracForRange(w.detach().abs().max()); }
} // namespace

torch::Tensor ChainImpl::operatorWeight(const torch::Tensor &shared, int inFrac) const {
  torch::Tensor w = remap ? remap->forward(shared) : shared;
  switch (spec_.op.op) {
  case OpKind::Mult:
    return fakeQuantWeights(w, multWeightFrac(w));
  case OpKind::Add:
    return fakeQuantWeights(w, inFrac);
  case OpKind::Shift:
    return shiftQuantizeSTE(w, spec_.op.code);
  }
  return {};
}

torch::Tensor ChainImpl::effectiveWeight(int inFrac) const {
  if (shiftP.defined()) // DeepShift-PS
    return shiftFromPS(shiftP, shiftS, spec_.op.code);
  return operatorWeight(block(0, spec_.out, 0, spec_.in), inFrac);
}

torch::Tensor ChainImpl::apply(const torch::Tensor &x, const torch::Tensor &w, int64_t groups,
                               bool layerOperator) const {
  const ConvGeometry &g = spec_.geometry;
  if (spec_.linear)
    return F::linear(x, w);
  if (layerOperator && spec_.op.op == OpKind::Add)
    return adderConv2d(x, w, {g.kernel, g.stride, g.pad, groups});
  return F::conv2d(x, w, F::Conv2dFuncOptions().stride(g.stride).padding(g.pad).groups(groups));
}

Act ChainImpl::forward(const Act &x) {
  const int64_t inT = spec_.in, outT = spec_.out, inA = inActive, outA = outActive;
  const bool dw = depthwise();
  const int64_t groupsT = dw ? outT : spec_.geometry.groups, groupsA = dw ? outA : groupsT;
  auto channels = [](const torch::Tensor &t, int64_t from, int64_t to) { return t.narrow(1, from, to - from); };
  torch::Tensor y;
  if (compute == Compute::Target) {
    // The deployable layer.
    lastInFrac = x.frac;
    y = apply(x.x, effectiveWeight(x.frac), groupsT, true);
  } else if (compute == Compute::Mult) {
    y = apply(x.x, block(0, outA, 0, inA), groupsA, false);
  } else if (compute == Compute::MF) {
    y = apply(x.x, operatorWeight(block(0, outA, 0, inA), x.frac), groupsA, true);
  } else if (dw) {
    // Hybrid, depthwise: the target channels by the layer's operator, the rest multiplicatively.
    y = apply(channels(x.x, 0, outT), effectiveWeight(x.frac), outT, true);
    if (outA > outT)
      y = torch::cat({y, apply(channels(x.x, outT, outA), block(outT, outA, 0, 0), outA - outT, false)}, 1);
  } else {
    // Hybrid: Y_t = MF(X_t; W_tt) + Conv(X_a; W_ta), Y_a = Conv(X; W_a).
    y = apply(channels(x.x, 0, inT), effectiveWeight(x.frac), 1, true);
    if (inA > inT)
      y = y + apply(channels(x.x, inT, inA), block(0, outT, inT, inA), 1, false);
    if (outA > outT)
      y = torch::cat({y, apply(x.x, block(outT, outA, 0, inA), 1, false)}, 1);
  }
  if (bias.defined())
    y = spec_.linear ? y + bias : y + bias.view({1, -1, 1, 1});
  if (bn) {
    int64_t c = y.size(1);
    // Augmented passes normalise with their batch's statistics and leave the
    // running ones to the target, so that evaluating the target during
    // training sees its own statistics.
    bool target = compute == Compute::Target || !is_training();
    y = F::batch_norm(y, target ? bn->running_mean.narrow(0, 0, c) : torch::Tensor(),
                      target ? bn->running_var.narrow(0, 0, c) : torch::Tensor(),
                      F::BatchNormFuncOptions()
                          .weight(bn->weight.narrow(0, 0, c))
                          .bias(bn->bias.narrow(0, 0, c))
                          .training(is_training())
                          .momentum(bnMomentum.value_or(bn->options.momentum().value_or(0.1)))
                          .eps(bn->options.eps()));
  }
  if (spec_.act == Activation::Relu)
    y = torch::relu(y);
  else if (spec_.act == Activation::Relu6)
    y = torch::clamp(y, 0, 6);
  return quantizer(y);
}

ExportedLayer ChainImpl::exported(int inFrac) const {
  torch::NoGradGuard noGrad;
  auto cpu = [](const torch::Tensor &t) { return t.detach().to(torch::kCPU, torch::kFloat).contiguous(); };
  ExportedLayer e;
  e.op = spec_.op.op;
  e.act = spec_.act;
  e.codeBits = spec_.op.code.bits;
  if (e.op == OpKind::Mult) {
    torch::Tensor w = block(0, spec_.out, 0, spec_.in);
    e.weightFrac = int(multWeightFrac(w).item<int64_t>());
    e.weight = torch::clamp(torch::floor(cpu(w) * std::ldexp(1.0, e.weightFrac) + 0.5), -127, 127)
                   .to(torch::kChar);
  } else {
    e.weight = cpu(effectiveWeight(inFrac));
  }
  if (bias.defined())
    e.bias = cpu(bias);
  if (bn) {
    auto target = [&](const torch::Tensor &t) { return cpu(t.narrow(0, 0, spec_.out)); };
    e.gamma = target(bn->weight), e.beta = target(bn->bias);
    e.mean = target(bn->running_mean), e.var = target(bn->running_var);
    e.epsilon = float(bn->options.eps());
    // The format needs positive BatchNorm scales (a negative one would reverse
    // the clamp). For mult and shift layers a channel with gamma < 0 is
    // exported negated: -w, -gamma, -mean (and -bias) compute the same values.
    // Adder chains keep gamma positive during training (constrain()).
    if (e.op != OpKind::Add) {
      torch::Tensor flip = e.gamma < 0;
      torch::Tensor sign = 1 - 2 * flip.to(torch::kFloat);
      std::vector<int64_t> shape(size_t(e.weight.dim()), 1);
      shape[0] = -1;
      e.weight = (e.weight.to(torch::kFloat) * sign.view(shape)).to(e.weight.scalar_type());
      e.gamma = e.gamma * sign, e.mean = e.mean * sign;
      if (e.bias.defined())
        e.bias = e.bias * sign;
    }
  }
  return e;
}

Act ChainImpl::forwardInt(const Act &x) {
  torch::NoGradGuard noGrad;
  int outF = outFrac();
  FoldedLayer f;
  try {
    f = foldLayer(exported(x.frac), x.frac, outF);
  } catch (const std::runtime_error &e) {
    throw std::runtime_error(name_ + ": " + e.what());
  }
  torch::Tensor w = f.weight.to(x.x.device()), acc;
  const ConvGeometry &g = spec_.geometry;
  if (spec_.linear)
    acc = torch::matmul(x.x, w.t());
  else if (spec_.op.op == OpKind::Add)
    acc = adderConv2d(x.x, w, g) * std::ldexp(1.0, f.accShift);
  else
    acc = F::conv2d(x.x, w, F::Conv2dFuncOptions().stride(g.stride).padding(g.pad).groups(g.groups));
  return {requantize(acc, f), outF};
}

OnnxValue ChainImpl::exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) {
  ExportedLayer e = exported(input.frac);
  std::string w = name + ".weight";
  if (e.op == OpKind::Mult)
    writer.dequantize(writer.initializer(w + ".int8", e.weight), e.weightFrac, w);
  else
    writer.initializer(w, e.weight);
  std::vector<std::string> inputs{input.name, w};
  if (e.bias.defined())
    inputs.push_back(writer.initializer(name + ".bias", e.bias));
  std::string y = name + ".out";
  const ConvGeometry &g = spec_.geometry;
  if (spec_.linear) {
    auto *node = writer.node("Gemm", inputs, {y}, name);
    OnnxWriter::attr(node, "transB", int64_t(1));
  } else {
    auto *node = writer.node(e.op == OpKind::Add ? "AdderConv" : "Conv", inputs, {y}, name,
                             e.op == OpKind::Add ? "ai.shiftadd" : "");
    OnnxWriter::attr(node, "kernel_shape", std::vector<int64_t>{g.kernel, g.kernel});
    OnnxWriter::attr(node, "strides", std::vector<int64_t>{g.stride, g.stride});
    OnnxWriter::attr(node, "pads", std::vector<int64_t>{g.pad, g.pad, g.pad, g.pad});
    OnnxWriter::attr(node, "group", g.groups);
  }
  if (e.op == OpKind::Shift)
    writer.metadata("shiftadd.code_bits." + name, std::to_string(e.codeBits));
  if (e.gamma.defined()) {
    std::string z = name + ".bn";
    auto *node = writer.node("BatchNormalization",
                             {y, writer.initializer(name + ".bn.scale", e.gamma),
                              writer.initializer(name + ".bn.bias", e.beta),
                              writer.initializer(name + ".bn.mean", e.mean),
                              writer.initializer(name + ".bn.var", e.var)},
                             {z}, name + ".bn");
    OnnxWriter::attr(node, "epsilon", e.epsilon);
    y = z;
  }
  if (e.act == Activation::Relu) {
    writer.node("Relu", {y}, {name + ".relu"}, name + ".relu");
    y = name + ".relu";
  } else if (e.act == Activation::Relu6) {
    writer.node("Clip", {y, writer.scalar(name + ".min", 0.f), writer.scalar(name + ".max", 6.f)},
                {name + ".relu6"}, name + ".relu6");
    y = name + ".relu6";
  }
  return {writer.quantizeDequantize(y, outFrac(), name + ".q"), outFrac()};
}

void ChainImpl::constrain() {
  if (spec_.op.op == OpKind::Add && bn) {
    torch::NoGradGuard noGrad;
    bn->weight.clamp_min_(1e-3);
  }
}

void Sequence::add(ChainSpec spec) {
  chains.push_back(register_module(std::to_string(chains.size()), Chain(spec)));
}

Act Sequence::forward(const Act &x) {
  Act a = x;
  for (Chain &c : chains)
    a = c->forward(a);
  return a;
}

Act Sequence::forwardInt(const Act &x) {
  Act a = x;
  for (Chain &c : chains)
    a = c->forwardInt(a);
  return a;
}

OnnxValue Sequence::exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) {
  OnnxValue y = input;
  for (size_t i = 0; i < chains.size(); ++i)
    y = chains[i]->exportOnnx(writer, y, name + "." + std::to_string(i));
  return y;
}

Residual::Residual(std::shared_ptr<Sequence> m, std::shared_ptr<Sequence> s, bool relu)
    : main(register_module("main", std::move(m))), shortcut(register_module("shortcut", std::move(s))),
      quantizer(register_module("quantizer", Quantizer())), relu(relu) {}

Act Residual::forward(const Act &x) {
  Act m = main->forward(x), s = shortcut->forward(x);
  torch::Tensor y = m.x + s.x;
  return quantizer(relu ? torch::relu(y) : y);
}

Act Residual::forwardInt(const Act &x) {
  Act m = main->forwardInt(x), s = shortcut->forwardInt(x);
  int f = quantizer->frac();
  return {rescaledAdd(m.x, m.frac, s.x, s.frac, f, relu ? 0 : -128, 127), f};
}

OnnxValue Residual::exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) {
  OnnxValue m = main->exportOnnx(writer, input, name + ".main");
  OnnxValue s = shortcut->exportOnnx(writer, input, name + ".shortcut");
  std::string y = name + ".add";
  writer.node("Add", {m.name, s.name}, {y}, y);
  if (relu) {
    writer.node("Relu", {y}, {y + ".relu"}, y + ".relu");
    y += ".relu";
  }
  return {writer.quantizeDequantize(y, quantizer->frac(), name + ".q"), quantizer->frac()};
}

Act GlobalPool::forward(const Act &x) {
  // Rounded half up to the input's format, as D(S, n) of spec section 9.
  return {fakeQuantFixed(x.x.mean({2, 3}), x.frac), x.frac};
}

Act GlobalPool::forwardInt(const Act &x) {
  return {globalAvgPoolInt(x.x).flatten(1), x.frac};
}

OnnxValue GlobalPool::exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) {
  writer.node("GlobalAveragePool", {input.name}, {name + ".pool"}, name + ".pool");
  auto *node = writer.node("Flatten", {name + ".pool"}, {name + ".flat"}, name + ".flat");
  OnnxWriter::attr(node, "axis", int64_t(1));
  return {name + ".flat", input.frac};
}

NetImpl::NetImpl(std::string name, std::vector<int64_t> inputShape)
    : name_(std::move(name)), inputShape_(std::move(inputShape)) {
  input = register_module("input", Quantizer());
}

void NetImpl::append(std::shared_ptr<Block> block) {
  blocks.push_back(register_module("block" + std::to_string(blocks.size()), std::move(block)));
}

void NetImpl::refreshFormats() {
  std::vector<std::shared_ptr<QuantizerImpl>> quantizers;
  std::vector<torch::Tensor> ranges;
  for (const auto &m : modules(/*include_self=*/false))
    if (auto q = std::dynamic_pointer_cast<QuantizerImpl>(m)) {
      quantizers.push_back(q);
      ranges.push_back(q->range().reshape({1}));
    }
  if (quantizers.empty())
    return;
  torch::Tensor values = torch::cat(ranges).to(torch::kCPU, torch::kDouble); // the one transfer
  for (size_t i = 0; i < quantizers.size(); ++i)
    quantizers[i]->refresh(values[int64_t(i)].item<double>());
}

torch::Tensor NetImpl::forward(const torch::Tensor &images) {
  Act a = input(images);
  for (auto &b : blocks)
    a = b->forward(a);
  return a.x;
}

Act NetImpl::forwardInt(const torch::Tensor &images) {
  torch::NoGradGuard noGrad;
  Act a{quantizeInput(images, inputFrac()), inputFrac()};
  for (auto &b : blocks)
    a = b->forwardInt(a);
  return a;
}

void NetImpl::setCompute(Compute compute, const AugmentConfig &config) {
  for (Chain &c : chains())
    c->setCompute(compute, c->spec().in, c->spec().out);
  if (!config.expand.empty()) {
    TORCH_CHECK(config.expand.size() == augmentable.size() && config.width.size() == augmentable.size() && stem &&
                    classifier,
                "an augmented configuration needs an inverted residual net and one factor per block");
    auto widen = [](int64_t c, double f, int64_t most) {
      return f > 1 ? std::clamp(makeDivisible(double(c) * f), c, most) : c;
    };
    int64_t w = widen(stem->spec().out, config.stemWidth, stem->spec().outMax);
    stem->setCompute(compute, stem->spec().in, w);
    for (size_t i = 0; i < augmentable.size(); ++i) {
      AugmentableBlock &b = augmentable[i];
      int64_t in = w, out = b.identity ? in : widen(b.out, config.width[i], b.project->spec().outMax);
      int64_t hidden = b.expand ? widen(b.hidden, config.expand[i], b.hiddenMax) : in;
      if (b.expand)
        b.expand->setCompute(compute, in, hidden);
      b.depthwise->setCompute(compute, hidden, hidden);
      b.project->setCompute(compute, hidden, out);
      w = out;
    }
    if (head) {
      int64_t h = widen(head->spec().out, config.headWidth, head->spec().outMax);
      head->setCompute(compute, w, h);
      w = h;
    }
    classifier->setCompute(compute, w, classifier->spec().out);
  }
  for (const auto &m : modules(/*include_self=*/false))
    if (auto q = std::dynamic_pointer_cast<QuantizerImpl>(m))
      q->setPassThrough(compute != Compute::Target);
}

std::vector<Chain> NetImpl::chains() const {
  std::vector<Chain> out;
  for (const auto &m : modules(/*include_self=*/false))
    if (auto c = std::dynamic_pointer_cast<ChainImpl>(m))
      out.emplace_back(c);
  return out;
}

} // namespace shiftadd::train
