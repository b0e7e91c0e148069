// The trainable network: layer chains (weighted op, BatchNorm, activation,
// fixed-point output), residual blocks and pooling. Every block runs in two
// modes: quantization-aware float training, and the integer simulation of the
// exported network (spec semantics, values held as exact integers in doubles).
#pragma once

#include "shiftadd/train/Augment.h"
#include "shiftadd/train/Folding.h"

#include <memory>
#include <optional>
#include <string>

namespace shiftadd::train {

class OnnxWriter;

/// An activation and its fixed-point format. Float mode: real values on the
/// grid 2^-frac. Integer mode: the integers themselves.
struct Act {
  torch::Tensor x;
  int frac = 0;
};

/// A value of the exported ONNX graph and its format.
struct OnnxValue {
  std::string name;
  int frac = 0;
};

/// How a layer computes: operator kind and, for shift layers, the
/// parameterisation and code.
struct OpOptions {
  OpKind op = OpKind::Shift;
  bool shiftPS = false; ///< DeepShift-PS instead of DeepShift-Q
  ShiftCode code{};
};

/// A tensor's power-of-two format, learned from an exponential moving average
/// of its largest magnitude (onnx-format.md's rule f = floor(log2(127/max))).
///
/// The range lives on the device; the format (an integer the host needs) is
/// read from it once per training step for all quantizers together
/// (NetImpl::refreshFormats), so a training step uses the format as of the
/// previous step and the device never waits for the host in between. In
/// evaluation mode the format always follows the current range.
class QuantizerImpl : public torch::nn::Module {
public:
  QuantizerImpl();
  /// Updates the range in training mode, then rounds to the format. In
  /// pass-through mode (augmented forward passes, which are never deployed)
  /// it leaves values and range alone.
  Act forward(const torch::Tensor &x);
  int frac() const;
  void setPassThrough(bool on) { passThrough = on; }
  const torch::Tensor &range() const { return runningMax; }
  /// Sets the format from the range's value, read by the caller.
  void refresh(double range);

private:
  torch::Tensor runningMax; // 0 until the first training batch
  bool passThrough = false;
  mutable std::optional<int> format; ///< from the range as last read
  mutable bool stale = false;        ///< the range moved since it was read
};
TORCH_MODULE(Quantizer);

/// Conv or linear, then optional BatchNorm, activation and the output format.
struct ChainSpec {
  bool linear = false;
  int64_t in = 0, out = 0;
  ConvGeometry geometry{};
  OpOptions op{};
  bool batchNorm = true;
  bool bias = false;
  Activation act = Activation::None;
  /// Augmentation: the weights are held for up to inMax x outMax channels
  /// (0: in / out); the target is the prefix slice [:out, :in].
  int64_t inMax = 0, outMax = 0;
};

class ChainImpl : public torch::nn::Module {
public:
  explicit ChainImpl(ChainSpec spec);
  Act forward(const Act &x);
  Act forwardInt(const Act &x);
  /// The tensors the ONNX file holds for this chain given its input format.
  ExportedLayer exported(int inFrac) const;
  OnnxValue exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name);
  const ChainSpec &spec() const { return spec_; }
  /// The chain's path in the network (block3.main.0), for messages.
  void setName(std::string name) { name_ = std::move(name); }
  int outFrac() const { return quantizer->frac(); }
  /// The weight the operator uses (quantized; what export writes).
  torch::Tensor effectiveWeight(int inFrac) const;
  /// Projects parameters onto what the format can express, after each
  /// optimiser step: adder chains keep positive BatchNorm scales.
  void constrain();
  /// Trainable weights of adder layers (for AdderNet's adaptive scaling).
  torch::Tensor adderWeight() const { return spec_.op.op == OpKind::Add ? weight : torch::Tensor(); }
  /// The shared weight tensor (all channels, as trained).
  const torch::Tensor &sharedWeight() const { return weight; }
  /// Parameters and buffers indexed by output channel along dim 0 (weight,
  /// bias, BatchNorm), for channel permutations.
  std::vector<torch::Tensor> outputChannelTensors() const;
  /// The target's weights as shared, as remapped (undefined without a map)
  /// and as the operator uses them (quantized), for the last target forward's
  /// input format.
  struct WeightViews {
    torch::Tensor shared, remapped, quantized;
  };
  WeightViews weightViews() const;
  /// The weight map's regulariser on the target's weights (undefined if none).
  torch::Tensor mapPenalty() const;
  /// How the next forward passes compute and on how many channels.
  void setCompute(Compute compute, int64_t inActive, int64_t outActive);
  /// The multiplication-free operator uses a remapped copy of the weights
  /// (Sharing::Remap or Sharing::Binned).
  void enableRemap(Sharing sharing);
  /// BatchNorm: momentum override (re-estimation) and reset.
  void setBatchNormMomentum(std::optional<double> momentum) { bnMomentum = momentum; }
  void resetBatchNorm();

private:
  bool depthwise() const { return !spec_.linear && spec_.geometry.groups > 1; }
  /// The weights' block for out channels [o0, o1) and in channels [i0, i1).
  torch::Tensor block(int64_t o0, int64_t o1, int64_t i0, int64_t i1) const;
  /// What the layer's operator computes with, from a block of the shared weights.
  torch::Tensor operatorWeight(const torch::Tensor &w, int inFrac) const;
  torch::Tensor apply(const torch::Tensor &x, const torch::Tensor &w, int64_t groups, bool layerOperator) const;

  ChainSpec spec_;
  torch::Tensor weight, shiftP, shiftS, bias;
  torch::nn::BatchNorm2d bn{nullptr};
  Quantizer quantizer{nullptr};
  std::shared_ptr<WeightMapImpl> remap;
  Compute compute = Compute::Target;
  int64_t inActive = 0, outActive = 0;
  std::optional<double> bnMomentum;
  int lastInFrac = 0; ///< input format of the last target-mode forward
  std::string name_ = "layer";
};
TORCH_MODULE(Chain);

/// One stage of a network.
class Block : public torch::nn::Module {
public:
  virtual Act forward(const Act &x) = 0;
  virtual Act forwardInt(const Act &x) = 0;
  virtual OnnxValue exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) = 0;
};

/// Layer chains in sequence.
class Sequence : public Block {
public:
  void add(ChainSpec spec);
  Act forward(const Act &x) override;
  Act forwardInt(const Act &x) override;
  OnnxValue exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) override;
  std::vector<Chain> chains;
};

/// main(x) + shortcut(x) (identity when the shortcut has no chains), rounded
/// to its own format, with an optional ReLU (ResNet) after the add.
class Residual : public Block {
public:
  Residual(std::shared_ptr<Sequence> main, std::shared_ptr<Sequence> shortcut, bool relu);
  Act forward(const Act &x) override;
  Act forwardInt(const Act &x) override;
  OnnxValue exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) override;

private:
  std::shared_ptr<Sequence> main, shortcut;
  Quantizer quantizer{nullptr};
  bool relu;
};

/// Global average pooling and flatten: N x C x H x W -> N x C, same format.
class GlobalPool : public Block {
public:
  Act forward(const Act &x) override;
  Act forwardInt(const Act &x) override;
  OnnxValue exportOnnx(OnnxWriter &writer, const OnnxValue &input, const std::string &name) override;
};

/// An inverted residual block whose hidden and output widths can be
/// augmented. Without an expand layer (expand ratio 1) the hidden channels
/// are the input channels.
struct AugmentableBlock {
  Chain expand{nullptr}, depthwise, project;
  int64_t in = 0, hidden = 0, hiddenMax = 0, out = 0;
  bool identity = false; ///< identity shortcut: the output width follows the input's
};

/// One augmented configuration: an expand-ratio and an output-width factor per
/// augmentable block (identity blocks ignore theirs), and the width factors of
/// the stem's and the head's outputs. Widths are rounded as MobileNetV2 does
/// and clamped to the held channels.
struct AugmentConfig {
  std::vector<double> expand, width;
  double stemWidth = 1.0, headWidth = 1.0;
};

/// A network: the input's format, then blocks.
class NetImpl : public torch::nn::Module {
public:
  /// Target mode (empty config), or an augmented pass of this configuration.
  void setCompute(Compute compute, const AugmentConfig &config = {});
  /// The supernet's structure (inverted residual nets only): stem, blocks,
  /// optional head, classifier.
  std::vector<AugmentableBlock> augmentable;
  Chain stem{nullptr}, head{nullptr}, classifier{nullptr};
  NetImpl(std::string name, std::vector<int64_t> inputShape);
  void append(std::shared_ptr<Block> block);
  /// Float logits (quantization-aware).
  torch::Tensor forward(const torch::Tensor &images);
  /// The exported network's integer logits (as doubles) and their format.
  Act forwardInt(const torch::Tensor &images);
  /// Reads every quantizer's range from the device in one transfer.
  void refreshFormats();
  int inputFrac() const { return input->frac(); }
  std::vector<Chain> chains() const;
  const std::string &name() const { return name_; }
  const std::vector<int64_t> &inputShape() const { return inputShape_; } ///< C, H, W
  std::vector<std::shared_ptr<Block>> blocks;

private:
  std::string name_;
  std::vector<int64_t> inputShape_;
  Quantizer input{nullptr};
};
TORCH_MODULE(Net);

} // namespace shiftadd::train
