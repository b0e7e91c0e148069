// Training-time operations on an augmented network (NetAug / ShiftAddAug,
// ../shared/docs/method.md): sampling a configuration, sorting expanded
// channels by importance, the weight maps' regulariser, and the record of
// weight distributions.
#pragma once

#include "shiftadd/train/Layers.h"

#include <string>

namespace shiftadd::train {

/// One configuration: an expand-ratio factor per block from options.factors,
/// and, while `widen`, width factors from options.widths (else 1).
AugmentConfig sampleAugmentConfig(const Net &net, const AugmentOptions &options, bool widen,
                                  torch::Generator &gen);

/// NetAug's channel sorting: orders each block's expanded channels by the L1
/// norm of the projecting layer's weights on them, most important first, so
/// that the target (the prefix) holds the most important ones. Permutes the
/// expand and depthwise layers' weights, biases and BatchNorm state, the
/// projection's input columns, and their optimizer state alike.
void sortExpandedChannels(Net &net, torch::optim::Optimizer &optimizer);

/// The sum of the chains' weight-map regularisers (undefined when there are none).
torch::Tensor mapPenalty(const std::vector<Chain> &chains);

/// JSON: for every multiplication-free layer, a histogram of its target
/// weights as shared, remapped and quantized (common bins), with their
/// standard deviation and kurtosis (Gaussian 3, Laplace 6).
std::string weightDistributionsJson(const Net &net, int64_t bins = 48);

} // namespace shiftadd::train
