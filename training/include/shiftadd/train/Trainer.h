// The training loop: data, optimiser, schedule, metrics, atomic checkpoints
// with exact resumption, integer evaluation and ONNX export.
#pragma once

#include "shiftadd/train/Augment.h"
#include "shiftadd/train/Data.h"
#include "shiftadd/train/Models.h"

#include <string>

namespace shiftadd::train {

struct TrainOptions {
  ModelOptions model{};
  std::string data = "digits", dataPath, cacheDir;
  int64_t epochs = 30, batch = 64;
  std::string optimizer = "sgd"; ///< sgd (Nesterov momentum 0.9), adam, adamw
  double lr = 0.05, weightDecay = 5e-4, labelSmoothing = 0.0, momentum = 0.9;
  double adderEta = 0.2;         ///< AdderNet's adaptive gradient scaling (0: off)
  std::string schedule = "cosine"; ///< cosine (with linear warm-up), step, constant
  int64_t warmupEpochs = 0, stepEpochs = 30;
  double stepGamma = 0.1;
  uint64_t seed = 1;
  std::string device = "cpu";
  int threads = 0;               ///< 0: leave LibTorch's default
  std::string out = "run";       ///< output directory
  bool resume = false;
  int64_t exportBatch = 1;       ///< batch dimension of the exported ONNX model
  int64_t samples = 0;           ///< test images written as .npy with the integer logits (0: exportBatch)
  int64_t maxSteps = 0;          ///< stop each epoch after this many steps (benchmarks; 0: whole epoch)
  int64_t testLimit = 0;         ///< evaluate on the first N test images only (0: all)
  int64_t bnBatches = 16;        ///< batches of BatchNorm re-estimation after training (0: none)
  bool quiet = false;
  AugmentOptions augment{};      ///< ShiftAddAug / NetAug training
};

/// Trains, writes checkpoint.pt, metrics.jsonl, model.onnx, final.json and the
/// sample .npy files into options.out. Throws std::runtime_error on bad input.
void train(const TrainOptions &options);

/// Writes an int8 .npy file atomically.
void writeNpyInt8(const std::string &path, const torch::Tensor &values);

} // namespace shiftadd::train
