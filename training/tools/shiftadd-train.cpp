// shiftadd-train: trains a tiny multiplication-free network and exports it as
// ONNX for shiftadd-translate / shiftaddc.
#include "shiftadd/train/Trainer.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

using namespace shiftadd::train;

static const char *kHelp = R"(usage: shiftadd-train --data NAME --data-path PATH [options]

Trains a tiny network whose convolutions are shift (weights +-2^p), add
(AdderNet) or ordinary int8 multiplications, with fixed-point activations, and
exports the deployable integer network as ONNX (docs/onnx-format.md).

Model
  --model NAME          mobilenetv2-tiny | mcunet | resnet8 | digits-cnn (digits-cnn)
  --op KIND             shift | add | mult: the body's convolutions (shift)
  --shift-param P       q (DeepShift-Q) | ps (DeepShift-PS) (q)
  --code-bits B         bits per shift weight, 2..8 (5)
  --max-exp P           largest weight exponent of shift layers (0)
  --first-last POLICY   mult: first conv and classifier int8 multiplicative;
                        same: they use --op too (an adder classifier is shift) (mult)
  --width W             MobileNetV2 width multiplier (0.35)
Data
  --data NAME           digits | fashion-mnist | mnist | cifar10 | cifar100 | cifar10-jpeg
  --data-path PATH      digits: digits.csv[.gz]; fashion-mnist/mnist: directory of
                        IDX files; cifar10/100: directory of .bin files;
                        cifar10-jpeg: cifar10-jpg.tar.xz (decoded once, cached)
  --cache-dir DIR       where decoded JPEG data is cached (the output directory)
Optimisation
  --epochs N (30)  --batch N (64)  --optimizer sgd|adam|adamw (sgd, Nesterov)
  --lr X (0.05)  --momentum X (0.9)  --weight-decay X (5e-4; none on BN, biases, P/S)
  --schedule cosine|step|constant (cosine)  --warmup-epochs N (0)
  --step-epochs N (30)  --step-gamma X (0.1)  --label-smoothing X (0)
  --adder-eta X         AdderNet's adaptive gradient scaling of adder weights
                        (0.2; 0: off; short schedules want more, e.g. 2)
  --bn-batches N        BatchNorm statistics re-estimated over N training
                        batches before every epoch's evaluation and so before
                        export (16; 0: keep the moving averages)
Run
  --seed N (1)  --device cpu|cuda (cpu)  --threads N (LibTorch default)
  --out DIR             output directory (run): checkpoint.pt after every epoch
                        (atomic), metrics.jsonl, final.json, model.onnx,
                        samples-{input,logits,labels}.npy, weights.json
  --resume              continue from DIR/checkpoint.pt exactly where it stopped
  --export-batch N      batch dimension of model.onnx (1)
  --samples N           test images in the samples .npy files (--export-batch)
  --max-steps N         at most N steps per epoch (for benchmarks)
  --test-limit N        evaluate on the first N test images only (quick checks)
  --quiet               no progress output
Augmentation (ShiftAddAug; NetAug with --op mult)
  --augment             train the network as the target slice of a wider one
  --aug-factors LIST    expand-ratio multipliers sampled per block (1.0,1.6,2.2,2.8)
  --aug-width LIST      output-width multipliers sampled per block, used in the
                        first half of the epochs (1.0,1.6,2.2; 1.0: no width
                        augmentation)
  --aug-sort on|off     sort expanded channels by importance between epochs (on)
  --aug-alpha X         loss = L(target) + X * L(augmented) (1)
  --aug-compute MODE    hybrid: target block by the body's operator, the rest
                        multiplicative; mult: all multiplicative; mf: all by the
                        body's operator (hybrid)
  --aug-sharing MODE    naive: one tensor for both operators; remap: the
                        operator uses a remapped copy (Gaussian -> Laplace, affine);
                        binned: ShiftAddNAS's piecewise-affine map over 100 bins
                        with a KL term toward Laplace (naive)
  --aug-kl X            weight of the binned map's KL term (0.1)
  --help, --version
)";

/// Errors are one line: LibTorch's messages can span several.
static int fail(const std::string &message) {
  std::fprintf(stderr, "shiftadd-train: error: %s\n", message.substr(0, message.find('\n')).c_str());
  return 1;
}

int main(int argc, char **argv) {
  TrainOptions o;
  std::string op = "shift", shiftParam = "q", firstLast = "mult", augCompute = "hybrid", augSharing = "naive",
              augSort = "on";
  auto toInt = [](const std::string &k, const std::string &v) {
    char *end = nullptr;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end)
      throw std::runtime_error(k + ": '" + v + "' is not an integer");
    return int64_t(x);
  };
  auto toDouble = [](const std::string &k, const std::string &v) {
    char *end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end)
      throw std::runtime_error(k + ": '" + v + "' is not a number");
    return x;
  };
  std::map<std::string, std::function<void(const std::string &, const std::string &)>> options = {
      {"--model", [&](auto &, auto &v) { o.model.name = v; }},
      {"--op", [&](auto &, auto &v) { op = v; }},
      {"--shift-param", [&](auto &, auto &v) { shiftParam = v; }},
      {"--code-bits", [&](auto &k, auto &v) { o.model.op.code.bits = int(toInt(k, v)); }},
      {"--max-exp", [&](auto &k, auto &v) { o.model.op.code.maxExp = int(toInt(k, v)); }},
      {"--first-last", [&](auto &, auto &v) { firstLast = v; }},
      {"--width", [&](auto &k, auto &v) { o.model.width = toDouble(k, v); }},
      {"--data", [&](auto &, auto &v) { o.data = v; }},
      {"--data-path", [&](auto &, auto &v) { o.dataPath = v; }},
      {"--cache-dir", [&](auto &, auto &v) { o.cacheDir = v; }},
      {"--epochs", [&](auto &k, auto &v) { o.epochs = toInt(k, v); }},
      {"--batch", [&](auto &k, auto &v) { o.batch = toInt(k, v); }},
      {"--optimizer", [&](auto &, auto &v) { o.optimizer = v; }},
      {"--lr", [&](auto &k, auto &v) { o.lr = toDouble(k, v); }},
      {"--momentum", [&](auto &k, auto &v) { o.momentum = toDouble(k, v); }},
      {"--adder-eta", [&](auto &k, auto &v) { o.adderEta = toDouble(k, v); }},
      {"--weight-decay", [&](auto &k, auto &v) { o.weightDecay = toDouble(k, v); }},
      {"--schedule", [&](auto &, auto &v) { o.schedule = v; }},
      {"--warmup-epochs", [&](auto &k, auto &v) { o.warmupEpochs = toInt(k, v); }},
      {"--step-epochs", [&](auto &k, auto &v) { o.stepEpochs = toInt(k, v); }},
      {"--step-gamma", [&](auto &k, auto &v) { o.stepGamma = toDouble(k, v); }},
      {"--label-smoothing", [&](auto &k, auto &v) { o.labelSmoothing = toDouble(k, v); }},
      {"--seed", [&](auto &k, auto &v) { o.seed = uint64_t(toInt(k, v)); }},
      {"--device", [&](auto &, auto &v) { o.device = v; }},
      {"--threads", [&](auto &k, auto &v) { o.threads = int(toInt(k, v)); }},
      {"--out", [&](auto &, auto &v) { o.out = v; }},
      {"--export-batch", [&](auto &k, auto &v) { o.exportBatch = toInt(k, v); }},
      {"--samples", [&](auto &k, auto &v) { o.samples = toInt(k, v); }},
      {"--max-steps", [&](auto &k, auto &v) { o.maxSteps = toInt(k, v); }},
      {"--test-limit", [&](auto &k, auto &v) { o.testLimit = toInt(k, v); }},
      {"--aug-factors", [&](auto &k, auto &v) { o.augment.factors = parseFactors(v, k); }},
      {"--aug-width", [&](auto &k, auto &v) { o.augment.widths = parseFactors(v, k); }},
      {"--aug-sort", [&](auto &, auto &v) { augSort = v; }},
      {"--aug-kl", [&](auto &k, auto &v) { o.augment.klWeight = toDouble(k, v); }},
      {"--aug-alpha", [&](auto &k, auto &v) { o.augment.alpha = toDouble(k, v); }},
      {"--aug-compute", [&](auto &, auto &v) { augCompute = v; }},
      {"--aug-sharing", [&](auto &, auto &v) { augSharing = v; }},
      {"--bn-batches", [&](auto &k, auto &v) { o.bnBatches = toInt(k, v); }},
  };
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i], value;
      if (arg == "--help" || arg == "-h") {
        std::fputs(kHelp, stdout);
        return 0;
      }
      if (arg == "--version") {
        std::puts("shiftadd-train 0.1 (LibTorch " TORCH_VERSION ")");
        return 0;
      }
      if (arg == "--resume" || arg == "--quiet" || arg == "--augment") {
        (arg == "--resume" ? o.resume : arg == "--quiet" ? o.quiet : o.augment.enabled) = true;
        continue;
      }
      size_t eq = arg.find('=');
      if (eq != std::string::npos)
        value = arg.substr(eq + 1), arg = arg.substr(0, eq);
      auto it = options.find(arg);
      if (it == options.end())
        throw std::runtime_error("unknown option '" + arg + "' (see --help)");
      if (eq == std::string::npos) {
        if (i + 1 >= argc)
          throw std::runtime_error(arg + " needs a value");
        value = argv[++i];
      }
      it->second(arg, value);
    }
    if (o.dataPath.empty())
      throw std::runtime_error("--data-path is required (see --help)");
    std::map<std::string, OpKind> kinds{{"shift", OpKind::Shift}, {"add", OpKind::Add}, {"mult", OpKind::Mult}};
    if (!kinds.count(op))
      throw std::runtime_error("--op: unknown operator '" + op + "' (shift, add, mult)");
    o.model.op.op = kinds[op];
    if (shiftParam != "q" && shiftParam != "ps")
      throw std::runtime_error("--shift-param: '" + shiftParam + "' is neither q nor ps");
    o.model.op.shiftPS = shiftParam == "ps";
    if (firstLast != "mult" && firstLast != "same")
      throw std::runtime_error("--first-last: '" + firstLast + "' is neither mult nor same");
    o.model.multFirstLast = firstLast == "mult";
    if (o.model.op.code.bits < 2 || o.model.op.code.bits > 8)
      throw std::runtime_error("--code-bits must be in 2..8");
    if (o.model.op.code.maxExp < -32 || o.model.op.code.maxExp > 32)
      throw std::runtime_error("--max-exp must be in -32..32");
    std::map<std::string, Compute> computes{{"hybrid", Compute::Hybrid}, {"mult", Compute::Mult}, {"mf", Compute::MF}};
    if (!computes.count(augCompute))
      throw std::runtime_error("--aug-compute: unknown '" + augCompute + "' (hybrid, mult, mf)");
    o.augment.compute = computes[augCompute];
    std::map<std::string, Sharing> sharings{
        {"naive", Sharing::Naive}, {"remap", Sharing::Remap}, {"binned", Sharing::Binned}};
    if (!sharings.count(augSharing))
      throw std::runtime_error("--aug-sharing: unknown '" + augSharing + "' (naive, remap, binned)");
    o.augment.sharing = sharings[augSharing];
    if (augSort != "on" && augSort != "off")
      throw std::runtime_error("--aug-sort: '" + augSort + "' is neither on nor off");
    o.augment.sortChannels = augSort == "on";
    if (!(o.augment.klWeight >= 0))
      throw std::runtime_error("--aug-kl must be at least 0");
    train(o);
  } catch (const c10::Error &e) {
    return fail(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return fail(e.what());
  }
  return 0;
}
