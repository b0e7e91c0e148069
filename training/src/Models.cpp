// Model definitions (see Models.h and ../shared/docs/method.md, "Backbones").
#include "shiftadd/train/Models.h"

#include <cmath>
#include <stdexcept>

namespace shiftadd::train {

int64_t makeDivisible(double v, int64_t divisor) {
  int64_t rounded = std::max<int64_t>(divisor, int64_t(v + divisor / 2.0) / divisor * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

namespace {

/// Builds chains with the model's operator policy.
struct Builder {
  const ModelOptions &options;
  Net net;

  OpOptions body() const { return options.op; }
  OpOptions edge() const {
    OpOptions o = options.op;
    if (options.multFirstLast)
      o.op = OpKind::Mult;
    return o;
  }

  /// The channels held for a width-augmented count.
  int64_t widened(int64_t c) const {
    return options.widthMax > 1 ? std::max(c, makeDivisible(double(c) * options.widthMax)) : c;
  }

  static ChainSpec conv(int64_t in, int64_t out, int64_t k, int64_t s, int64_t groups, Activation act,
                        OpOptions op) {
    ChainSpec c;
    c.in = in, c.out = out, c.geometry = {k, s, k / 2, groups}, c.act = act, c.op = op;
    return c;
  }

  std::shared_ptr<Sequence> sequence(std::vector<ChainSpec> specs) {
    auto seq = std::make_shared<Sequence>();
    for (auto &s : specs)
      seq->add(s);
    net->append(seq);
    return seq;
  }

  /// The first convolution, width-augmentable.
  void stem(int64_t in, int64_t out, Activation act) {
    ChainSpec s = conv(in, out, 3, 1, 1, act, edge());
    s.outMax = widened(out);
    net->stem = sequence({s})->chains[0];
  }

  /// MobileNetV2's inverted residual (expand 1x1, depthwise kxk, project 1x1).
  void invertedResidual(int64_t in, int64_t out, int64_t expand, int64_t kernel, int64_t stride) {
    auto main = std::make_shared<Sequence>();
    int64_t hidden = in * expand;
    // Augmentation widens the hidden channels (expand ratio) of blocks that
    // have them, and the channels between blocks (width).
    int64_t hiddenMax = expand != 1 ? std::max(hidden, makeDivisible(double(hidden) * options.augmentMax))
                                    : widened(in);
    if (expand != 1) {
      ChainSpec e = conv(in, hidden, 1, 1, 1, Activation::Relu6, body());
      e.inMax = widened(in), e.outMax = hiddenMax;
      main->add(e);
    }
    ChainSpec d = conv(hidden, hidden, kernel, stride, hidden, Activation::Relu6, body());
    d.inMax = d.outMax = hiddenMax;
    main->add(d);
    ChainSpec p = conv(hidden, out, 1, 1, 1, Activation::None, body());
    p.inMax = hiddenMax, p.outMax = widened(out);
    main->add(p);
    size_t n = main->chains.size();
    bool identity = stride == 1 && in == out;
    net->augmentable.push_back({expand != 1 ? main->chains[0] : Chain(nullptr), main->chains[n - 2],
                                main->chains[n - 1], in, hidden, hiddenMax, out, identity});
    if (identity)
      net->append(std::make_shared<Residual>(main, std::make_shared<Sequence>(), false));
    else
      net->append(main);
  }

  void classifier(int64_t in) {
    net->append(std::make_shared<GlobalPool>());
    ChainSpec fc;
    fc.linear = true, fc.in = in, fc.out = options.classes, fc.batchNorm = false, fc.bias = true;
    fc.inMax = widened(in);
    fc.op = edge();
    if (fc.op.op == OpKind::Add)
      fc.op.op = OpKind::Shift; // no adder linear layer in the format
    net->classifier = sequence({fc})->chains[0];
  }
};

void mobileNetV2Tiny(Builder &b) {
  const double w = b.options.width;
  int64_t c = b.options.inputShape[0];
  // 32x32 inputs: stride 1 in the stem and the first stage (ImageNet uses 2),
  // so that the last stage still sees 4x4.
  int64_t stem = makeDivisible(32 * w), first = makeDivisible(16 * w);
  b.stem(c, stem, Activation::Relu6);
  b.invertedResidual(stem, first, 1, 3, 1);
  int64_t in = first;
  const int64_t stages[5][4] = {{6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}};
  for (const auto &st : stages) {
    int64_t out = makeDivisible(double(st[1]) * w);
    for (int64_t i = 0; i < st[2]; ++i) {
      b.invertedResidual(in, out, st[0], 3, i == 0 ? st[3] : 1);
      in = out;
    }
  }
  // TinyMobileNetV2's head (NetAug): MBConv(56 -> 112, e6), 1x1 112 -> 448.
  b.invertedResidual(in, 112, 6, 3, 1);
  ChainSpec head = Builder::conv(112, 448, 1, 1, 1, Activation::Relu6, b.body());
  head.inMax = b.widened(112), head.outMax = b.widened(448);
  b.net->head = b.sequence({head})->chains[0];
  b.classifier(448);
}

/// An MCUNet-style net: MBConv blocks with mixed kernels (3, 5, 7) and
/// expand ratios (3, 4, 6) as TinyNAS picks them for a 32x32 input.
void mcuNet(Builder &b) {
  int64_t c = b.options.inputShape[0];
  b.stem(c, 16, Activation::Relu6);
  b.invertedResidual(16, 8, 1, 3, 1);
  const int64_t blocks[][4] = {{3, 16, 7, 2}, {4, 16, 3, 1}, {4, 24, 5, 2}, {3, 24, 3, 1},
                               {6, 40, 7, 2}, {4, 40, 5, 1}, {6, 48, 3, 1}, {6, 96, 5, 2}};
  int64_t in = 8;
  for (const auto &blk : blocks) {
    b.invertedResidual(in, blk[1], blk[0], blk[2], blk[3]);
    in = blk[1];
  }
  b.classifier(in);
}

/// MLPerf Tiny's ResNet-8 for CIFAR-10: a 3x3 stem, three residual stacks
/// (16, 32, 64 channels, strides 1, 2, 2, 1x1 projection shortcuts where the
/// shape changes), global pooling, a dense layer.
void resNet8(Builder &b) {
  int64_t c = b.options.inputShape[0];
  b.sequence({Builder::conv(c, 16, 3, 1, 1, Activation::Relu, b.edge())});
  int64_t in = 16;
  for (int64_t stage = 0; stage < 3; ++stage) {
    int64_t out = 16 << stage, stride = stage == 0 ? 1 : 2;
    auto main = std::make_shared<Sequence>(), shortcut = std::make_shared<Sequence>();
    main->add(Builder::conv(in, out, 3, stride, 1, Activation::Relu, b.body()));
    main->add(Builder::conv(out, out, 3, 1, 1, Activation::None, b.body()));
    if (stride != 1 || in != out)
      shortcut->add(Builder::conv(in, out, 1, stride, 1, Activation::None, b.body()));
    b.net->append(std::make_shared<Residual>(main, shortcut, /*relu=*/true));
    in = out;
  }
  b.classifier(in);
}

/// A small CNN for the 8x8 UCI digits (and a quick test of every operator).
void digitsCnn(Builder &b) {
  int64_t c = b.options.inputShape[0];
  b.sequence({Builder::conv(c, 16, 3, 1, 1, Activation::Relu, b.edge()),
              Builder::conv(16, 32, 3, 2, 1, Activation::Relu, b.body()),
              Builder::conv(32, 32, 3, 1, 32, Activation::Relu, b.body()),
              Builder::conv(32, 32, 1, 1, 1, Activation::Relu, b.body())});
  b.classifier(32);
}

} // namespace

std::vector<std::string> modelNames() { return {"mobilenetv2-tiny", "mcunet", "resnet8", "digits-cnn"}; }

Net makeModel(const ModelOptions &options) {
  if (options.inputShape.size() != 3)
    throw std::invalid_argument("model input shape must be C, H, W");
  Builder b{options, Net(options.name, options.inputShape)};
  if (options.name == "mobilenetv2-tiny")
    mobileNetV2Tiny(b);
  else if (options.name == "mcunet")
    mcuNet(b);
  else if (options.name == "resnet8")
    resNet8(b);
  else if (options.name == "digits-cnn")
    digitsCnn(b);
  else
    throw std::invalid_argument("unknown model '" + options.name +
                                "' (mobilenetv2-tiny, mcunet, resnet8, digits-cnn)");
  for (const auto &item : b.net->named_modules())
    if (auto chain = std::dynamic_pointer_cast<ChainImpl>(item.value()))
      chain->setName(item.key());
  return b.net;
}

} // namespace shiftadd::train
