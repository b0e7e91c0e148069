// The model zoo: tiny networks whose every convolution can be multiplicative,
// shift or add.
#pragma once

#include "shiftadd/train/Layers.h"

namespace shiftadd::train {

struct ModelOptions {
  std::string name = "digits-cnn"; ///< mobilenetv2-tiny, mcunet, resnet8, digits-cnn
  OpOptions op{};                  ///< operator of the body's layers
  /// The first convolution and the classifier keep int8 multiplications
  /// (common practice: they hold few weights but matter most for accuracy);
  /// false gives them the body's operator (an adder classifier becomes shift).
  bool multFirstLast = true;
  std::vector<int64_t> inputShape{1, 8, 8}; ///< C, H, W
  int64_t classes = 10;
  double width = 0.35; ///< MobileNetV2's width multiplier
  /// Augmentation: inverted residual blocks hold their hidden (expanded)
  /// channels for up to this multiple of the target's (1: no augmentation).
  double augmentMax = 1.0;
  /// Width augmentation: every channel count between blocks is held for up to
  /// this multiple (1: none).
  double widthMax = 1.0;
};

/// MobileNetV2's channel rounding: a multiple of `divisor`, at least 90 % of v.
int64_t makeDivisible(double v, int64_t divisor = 8);

/// Builds a model; throws std::invalid_argument for an unknown name.
Net makeModel(const ModelOptions &options);

/// The names makeModel accepts.
std::vector<std::string> modelNames();

} // namespace shiftadd::train
