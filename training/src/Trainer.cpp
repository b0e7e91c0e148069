// The training loop (see Trainer.h).
#include "shiftadd/train/Trainer.h"

#include "shiftadd/train/AtomicFile.h"
#include "shiftadd/train/Config.h"
#include "shiftadd/train/OnnxWriter.h"
#include "shiftadd/train/Supernet.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace shiftadd::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string formatDuration(double s) {
  int64_t t = int64_t(s + 0.5);
  std::ostringstream o;
  o << t / 3600 << ':' << std::setw(2) << std::setfill('0') << t / 60 % 60 << ':' << std::setw(2) << t % 60;
  return o.str();
}

/// The options that define the model and its data: a checkpoint only resumes
/// a run with the same ones.
std::string identity(const TrainOptions &o) {
  std::ostringstream s;
  s << "model=" << o.model.name << " op=" << int(o.model.op.op) << " ps=" << o.model.op.shiftPS
    << " bits=" << o.model.op.code.bits << " max_exp=" << o.model.op.code.maxExp
    << " mult_first_last=" << o.model.multFirstLast << " width=" << o.model.width << " data=" << o.data
    << " seed=" << o.seed << " batch=" << o.batch << " optimizer=" << o.optimizer << " adder_eta=" << o.adderEta;
  if (o.augment.enabled) {
    s << " augment=" << int(o.augment.compute) << "/" << int(o.augment.sharing) << "/" << o.augment.alpha << "/";
    for (double f : o.augment.factors)
      s << f << ",";
    s << " widths=";
    for (double f : o.augment.widths)
      s << f << ",";
    s << " sort=" << o.augment.sortChannels << " kl=" << o.augment.klWeight;
  }
  return s.str();
}

double learningRate(const TrainOptions &o, double epochProgress) {
  if (o.schedule == "step")
    return o.lr * std::pow(o.stepGamma, std::floor(epochProgress / double(o.stepEpochs)));
  if (o.schedule == "constant")
    return o.lr;
  if (epochProgress < double(o.warmupEpochs))
    return o.lr * (epochProgress + 1e-3) / double(o.warmupEpochs);
  double t = (epochProgress - double(o.warmupEpochs)) / std::max(1.0, double(o.epochs - o.warmupEpochs));
  return 0.5 * o.lr * (1 + std::cos(M_PI * std::min(1.0, t)));
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainOptions &o, Net &net) {
  // No weight decay on BatchNorm parameters, biases and shift codes' P and S.
  std::vector<torch::Tensor> decay, noDecay;
  for (const auto &p : net->named_parameters()) {
    const std::string &k = p.key();
    bool isWeight = k.size() >= 6 && k.compare(k.size() - 6, 6, "weight") == 0 && k.find(".bn.") == std::string::npos;
    (isWeight ? decay : noDecay).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto group = [&](std::vector<torch::Tensor> params, double wd) {
    if (o.optimizer == "sgd")
      groups.emplace_back(params, std::make_unique<torch::optim::SGDOptions>(
                                      torch::optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(true).weight_decay(wd)));
    else if (o.optimizer == "adam")
      groups.emplace_back(params, std::make_unique<torch::optim::AdamOptions>(
                                      torch::optim::AdamOptions(o.lr).weight_decay(wd)));
    else
      groups.emplace_back(params, std::make_unique<torch::optim::AdamWOptions>(
                                      torch::optim::AdamWOptions(o.lr).weight_decay(wd)));
  };
  group(decay, o.weightDecay);
  group(noDecay, 0.0);
  if (o.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(o.lr));
  if (o.optimizer == "adam")
    return std::make_unique<torch::optim::Adam>(groups, torch::optim::AdamOptions(o.lr));
  if (o.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o.lr));
  throw std::runtime_error("unknown optimizer '" + o.optimizer + "' (sgd, adam, adamw)");
}

struct Evaluation {
  double loss = 0, accuracy = 0;
};

Evaluation evaluate(Net &net, const Split &split, int64_t batch) {
  torch::NoGradGuard noGrad;
  net->eval();
  const Dataset &d = split.test;
  double loss = 0;
  int64_t correct = 0;
  for (int64_t start = 0; start < d.size(); start += batch) {
    int64_t len = std::min(batch, d.size() - start);
    torch::Tensor x = normalise(split, d.images.slice(0, start, start + len));
    torch::Tensor y = d.labels.slice(0, start, start + len);
    torch::Tensor logits = net->forward(x);
    loss += torch::nn::functional::cross_entropy(logits, y).item<double>() * double(len);
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  }
  return {loss / double(d.size()), 100.0 * double(correct) / double(d.size())};
}

std::string join(const std::vector<double> &v) {
  std::ostringstream s;
  s << std::setprecision(9);
  for (size_t i = 0; i < v.size(); ++i)
    s << (i ? "," : "") << v[i];
  return s.str();
}

[[maybe_unused]] void exportOnnx(Net &net, const Split &split, int64_t batch, const std::string &path) {
  OnnxWriter w;
  std::vector<int64_t> shape{batch};
  for (int64_t d : net->inputShape())
    shape.push_back(d);
  w.input("input", shape);
  OnnxValue y{w.quantizeDequantize("input", net->inputFrac(), "input.q"), net->inputFrac()};
  for (size_t i = 0; i < net->blocks.size(); ++i)
    y = net->blocks[i]->exportOnnx(w, y, "b" + std::to_string(i));
  w.output(y.name, {batch, split.train.classes});
  w.metadata("shiftadd.input_mean", join(split.mean));
  w.metadata("shiftadd.input_std", join(split.std));
  w.save(path, net->name());
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void saveCheckpoint(const std::string &path, Net &net, torch::optim::Optimizer &opt, int64_t epoch,
                    const std::string &id, const std::string &history) {
  torch::serialize::OutputArchive archive, modelArchive, optArchive;
  net->save(modelArchive);
  opt.save(optArchive);
  archive.write("model", modelArchive);
  archive.write("optimizer", optArchive);
  archive.write("epoch", c10::IValue(epoch));
  archive.write("identity", c10::IValue(id));
  archive.write("history", c10::IValue(history));
  std::ostringstream bytes;
  archive.save_to(bytes);
  writeFileAtomically(path, bytes.str());
}

/// Progress of one epoch: a bar with ETA on a terminal, nothing otherwise.
class Progress {
public:
  Progress(int64_t epoch, int64_t epochs, int64_t steps, bool enabled)
      : epoch(epoch), epochs(epochs), steps(steps), enabled_(enabled && ::isatty(2)) {}
  bool enabled() const { return enabled_; }
  void update(int64_t step, double loss, double accuracy, double imagesPerSecond, double elapsed) {
    const int width = 24;
    int filled = int(width * step / std::max<int64_t>(1, steps));
    double eta = step > 0 ? elapsed * double(steps - step) / double(step) : 0;
    std::fprintf(stderr, "\repoch %lld/%lld [%s%s] %lld/%lld loss %.4f acc %.2f%% %.0f img/s ETA %s ",
                 (long long)epoch, (long long)epochs, std::string(size_t(filled), '=').c_str(),
                 std::string(size_t(width - filled), ' ').c_str(), (long long)step, (long long)steps, loss,
                 accuracy, imagesPerSecond, formatDuration(eta).c_str());
  }
  void done() {
    if (enabled_)
      std::fprintf(stderr, "\r%*s\r", 110, "");
  }

private:
  int64_t epoch, epochs, steps;
  bool enabled_;
};

/// Precise BatchNorm: the target's statistics as the plain average over
/// `bnBatches` training batches under the current weights (activation formats
/// frozen). Moving averages lag behind weights that keep changing, which adder
/// layers' fast-moving outputs show, and augmented passes would pollute them.
void reestimateBatchNorm(Net &net, const Split &split, const TrainOptions &o, torch::Device device) {
  torch::NoGradGuard noGrad;
  net->setCompute(Compute::Target);
  net->train();
  std::vector<Chain> chains = net->chains();
  for (Chain &c : chains)
    c->resetBatchNorm();
  for (const auto &m : net->modules(false))
    if (std::dynamic_pointer_cast<QuantizerImpl>(m))
      m->eval();
  torch::Generator gen = at::detail::createCPUGenerator(o.seed * 1000003 + 999983);
  torch::Tensor order = torch::randperm(split.train.size(), gen, torch::kLong);
  int64_t batches = std::min(o.bnBatches, split.train.size() / o.batch);
  for (int64_t k = 0; k < batches; ++k) {
    for (Chain &c : chains)
      c->setBatchNormMomentum(1.0 / double(k + 1)); // cumulative average
    torch::Tensor idx = order.slice(0, k * o.batch, (k + 1) * o.batch);
    net->forward(makeBatch(split, split.train, idx, /*augment=*/false, gen, device));
  }
  for (Chain &c : chains)
    c->setBatchNormMomentum(std::nullopt);
  net->eval();
}

} // namespace

void train(const TrainOptions &o) {
  if (o.epochs < 1 || o.batch < 1 || o.exportBatch < 1 || !(o.lr > 0))
    throw std::runtime_error("--epochs, --batch and --export-batch must be at least 1 and --lr positive");
  if (o.schedule != "cosine" && o.schedule != "step" && o.schedule != "constant")
    throw std::runtime_error("unknown --schedule '" + o.schedule + "' (cosine, step, constant)");
  if (o.device != "cpu" && o.device != "cuda")
    throw std::runtime_error("unknown --device '" + o.device + "' (cpu, cuda)");
  if (o.device == "cuda" && !torch::cuda::is_available())
    throw std::runtime_error("--device cuda: this LibTorch build or machine has no CUDA device");
  // Like mkdir -p: users name run directories such as runs/cifar/shift-1,
  // and share a decoded-data cache between them.
  for (const std::string &dir : {o.out, o.cacheDir}) {
    std::error_code ec;
    if (!dir.empty() && !isDirectory(dir) && !std::filesystem::create_directories(dir, ec))
      throw std::runtime_error(dir + ": cannot create the directory: " + ec.message());
  }
  if (::access(o.out.c_str(), W_OK) != 0)
    throw std::runtime_error(o.out + ": output directory is not writable");
  if (o.threads > 0)
    torch::set_num_threads(o.threads);
  torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);

  Split split = loadDataset(o.data, o.dataPath, o.cacheDir.empty() ? o.out : o.cacheDir);
  if (o.testLimit > 0 && o.testLimit < split.test.size())
    split.test = {split.test.images.slice(0, 0, o.testLimit), split.test.labels.slice(0, 0, o.testLimit),
                  split.test.classes};
  moveToDevice(split, device);
  ModelOptions mo = o.model;
  mo.inputShape = {split.train.images.size(1), split.train.images.size(2), split.train.images.size(3)};
  mo.classes = split.train.classes;
  if (o.augment.enabled) {
    mo.augmentMax = *std::max_element(o.augment.factors.begin(), o.augment.factors.end());
    mo.widthMax = *std::max_element(o.augment.widths.begin(), o.augment.widths.end());
  }
  torch::manual_seed(o.seed);
  Net net = makeModel(mo);
  if (o.augment.enabled && net->augmentable.empty())
    throw std::runtime_error("--augment: model '" + mo.name +
                             "' has no inverted residual blocks to augment (mobilenetv2-tiny, mcunet)");
  if (o.augment.enabled)
    for (Chain &c : net->chains())
      c->enableRemap(o.augment.sharing);
  net->to(device);
  auto opt = makeOptimizer(o, net);

  const std::string checkpoint = o.out + "/checkpoint.pt", id = identity(o);
  int64_t startEpoch = 0;
  std::string history;
  if (o.resume) {
    if (::access(checkpoint.c_str(), R_OK) != 0)
      throw std::runtime_error(checkpoint + ": --resume, but there is no checkpoint");
    torch::serialize::InputArchive archive, modelArchive, optArchive;
    c10::IValue v;
    try {
      archive.load_from(checkpoint, device);
      archive.read("identity", v);
    } catch (const c10::Error &e) {
      throw std::runtime_error(checkpoint + ": not a checkpoint of shiftadd-train (" +
                               e.what_without_backtrace() + ")");
    }
    if (v.toStringRef() != id)
      throw std::runtime_error(checkpoint + ": was written by a different run (" + v.toStringRef() +
                               "); this one is " + id);
    archive.read("model", modelArchive);
    archive.read("optimizer", optArchive);
    net->load(modelArchive);
    net->refreshFormats(); // as the killed run had them after its last step
    opt->load(optArchive);
    archive.read("epoch", v);
    startEpoch = v.toInt();
    archive.read("history", v);
    history = v.toStringRef();
    if (!o.quiet)
      std::fprintf(stderr, "resuming %s after epoch %lld\n", checkpoint.c_str(), (long long)startEpoch);
  }

  const Dataset &train = split.train;
  int64_t stepsPerEpoch = (train.size() + o.batch - 1) / o.batch;
  if (o.maxSteps > 0)
    stepsPerEpoch = std::min(stepsPerEpoch, o.maxSteps);
  std::vector<Chain> chains = net->chains(), adders;
  for (Chain &c : chains)
    if (c->adderWeight().defined())
      adders.push_back(c);

  for (int64_t epoch = startEpoch; epoch < o.epochs; ++epoch) {
    // Everything random in an epoch derives from (seed, epoch): a resumed run
    // repeats exactly what the killed one would have done.
    torch::Generator gen = at::detail::createCPUGenerator(o.seed * 1000003 + uint64_t(epoch));
    torch::Tensor order = torch::randperm(train.size(), gen, torch::kLong);
    net->train();
    Progress progress(epoch + 1, o.epochs, stepsPerEpoch, !o.quiet);
    auto start = Clock::now();
    // Sums stay on the device: reading them each step would stall it.
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
    torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(device));
    double lr = 0;
    int64_t seen = 0;
    for (int64_t step = 0; step < stepsPerEpoch; ++step) {
      int64_t from = step * o.batch, len = std::min(o.batch, train.size() - from);
      torch::Tensor idx = toDevice(order.slice(0, from, from + len), device);
      torch::Tensor x = makeBatch(split, train, idx, /*augment=*/true, gen, device);
      torch::Tensor y = train.labels.index_select(0, idx);
      lr = learningRate(o, double(epoch) + double(step) / double(stepsPerEpoch));
      for (auto &g : opt->param_groups())
        g.options().set_lr(lr);
      opt->zero_grad();
      auto lossOf = [&](const torch::Tensor &out) {
        return torch::nn::functional::cross_entropy(
            out, y, torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(o.labelSmoothing));
      };
      torch::Tensor logits = net->forward(x);
      torch::Tensor loss = lossOf(logits);
      torch::Tensor penalty = mapPenalty(chains);
      (penalty.defined() ? loss + o.augment.klWeight * penalty : loss).backward();
      if (o.augment.enabled) {
        // One augmented configuration per step (width augmentation in the
        // first half of training only, as NetAug); its gradients add to the
        // target's in the shared weights.
        net->setCompute(o.augment.compute, sampleAugmentConfig(net, o.augment, 2 * epoch < o.epochs, gen));
        (o.augment.alpha * lossOf(net->forward(x))).backward();
        net->setCompute(Compute::Target);
      }
      if (o.adderEta > 0)
        for (Chain &c : adders) {
          torch::Tensor w = c->adderWeight();
          scaleAdderGradient(w, o.adderEta);
        }
      opt->step();
      for (Chain &c : chains)
        c->constrain();
      net->refreshFormats();
      lossSum += loss.detach().to(torch::kDouble) * double(len);
      correct += logits.argmax(1).eq(y).sum();
      seen += len;
      if (progress.enabled()) {
        double elapsed = seconds(start);
        progress.update(step + 1, lossSum.item<double>() / double(seen),
                        100.0 * double(correct.item<int64_t>()) / double(seen), double(seen) / elapsed, elapsed);
      }
    }
    progress.done();
    double trainSeconds = seconds(start);
    double meanLoss = lossSum.item<double>() / double(seen);
    double trainAccuracy = 100.0 * double(correct.item<int64_t>()) / double(seen);
    if (!std::isfinite(meanLoss))
      throw std::runtime_error("training diverged in epoch " + std::to_string(epoch + 1) +
                               " (loss not finite); lower --lr (the last checkpoint is intact)");
    // Every epoch's test figures are those of the network as it would be
    // exported now, not of moving averages over weights that kept changing.
    // The re-estimation draws its own batches: training does not see it.
    if (o.bnBatches > 0)
      reestimateBatchNorm(net, split, o, device);
    Evaluation test = evaluate(net, split, 256);
    // NetAug sorts between epochs (not after the last: the target would
    // change without training).
    if (o.augment.enabled && o.augment.sortChannels && epoch + 1 < o.epochs)
      sortExpandedChannels(net, *opt);
    std::ostringstream line;
    line << std::setprecision(6) << "{\"epoch\": " << epoch + 1 << ", \"lr\": " << lr
         << ", \"train_loss\": " << meanLoss << ", \"train_accuracy\": " << trainAccuracy
         << ", \"test_loss\": " << test.loss << ", \"test_accuracy\": " << test.accuracy
         << ", \"seconds\": " << trainSeconds << ", \"images_per_second\": " << double(seen) / trainSeconds
         << "}\n";
    history += line.str();
    saveCheckpoint(checkpoint, net, *opt, epoch + 1, id, history);
    writeFileAtomically(o.out + "/metrics.jsonl", history);
    if (!o.quiet)
      std::fprintf(stderr, "epoch %lld/%lld  loss %.4f  train %.2f%%  test %.2f%%  %.1f s  %.0f img/s\n",
                   (long long)epoch + 1, (long long)o.epochs, meanLoss, trainAccuracy, test.accuracy, trainSeconds,
                   double(seen) / trainSeconds);
  }

  // The deployed network: the float and the integer network on the whole test
  // set in one pass, keeping the integer logits of the first `samples` images.
  net->eval();
  const Dataset &test = split.test;
  int64_t samples = std::min(test.size(), o.samples > 0 ? o.samples : o.exportBatch);
  int64_t floatCorrect = 0, correct = 0, agree = 0;
  std::vector<torch::Tensor> sampleLogits;
  {
    torch::NoGradGuard noGrad;
    for (int64_t start = 0; start < test.size(); start += 256) {
      int64_t len = std::min<int64_t>(256, test.size() - start);
      torch::Tensor x = normalise(split, test.images.slice(0, start, start + len));
      torch::Tensor labels = test.labels.slice(0, start, start + len);
      torch::Tensor logits = net->forwardInt(x).x;
      torch::Tensor predicted = logits.argmax(1), floatPredicted = net->forward(x).argmax(1);
      correct += predicted.eq(labels).sum().item<int64_t>();
      floatCorrect += floatPredicted.eq(labels).sum().item<int64_t>();
      agree += predicted.eq(floatPredicted).sum().item<int64_t>();
      if (start < samples)
        sampleLogits.push_back(logits.narrow(0, 0, std::min(len, samples - start)));
    }
    torch::Tensor x = normalise(split, test.images.slice(0, 0, samples));
    writeNpyInt8(o.out + "/samples-input.npy", quantizeInput(x, net->inputFrac()));
    writeNpyInt8(o.out + "/samples-logits.npy", torch::cat(sampleLogits));
    writeNpyInt8(o.out + "/samples-labels.npy", test.labels.slice(0, 0, samples));
  }
  double floatAccuracy = 100.0 * double(floatCorrect) / double(test.size());
  double intAccuracy = 100.0 * double(correct) / double(test.size());
#ifdef SHIFTADD_HAVE_ONNX
  exportOnnx(net, split, o.exportBatch, o.out + "/model.onnx");
#else
  std::fprintf(stderr, "note: built without libonnx: no model.onnx (export from checkpoint.pt elsewhere)\n");
#endif
  std::ostringstream final;
  final << std::setprecision(6) << "{\"model\": \"" << mo.name << "\", \"data\": \"" << o.data
        << "\", \"epochs\": " << o.epochs << ", \"seed\": " << o.seed
        << ", \"float_test_accuracy\": " << floatAccuracy
        << ", \"integer_test_accuracy\": " << intAccuracy << ", \"test_images\": " << test.size()
        << ", \"float_integer_agreement\": " << 100.0 * double(agree) / double(test.size())
        << ", \"parameters\": " << [&] {
             int64_t n = 0;
             for (const auto &p : net->parameters())
               n += p.numel();
             return n;
           }()
        << "}\n";
  writeFileAtomically(o.out + "/final.json", final.str());
  writeFileAtomically(o.out + "/weights.json", weightDistributionsJson(net));
  if (!o.quiet)
    std::fprintf(stderr, "test accuracy: float %.2f%%, exported integer network %.2f%%; wrote %s/model.onnx\n",
                 floatAccuracy, intAccuracy, o.out.c_str());
}

void writeNpyInt8(const std::string &path, const torch::Tensor &values) {
  torch::Tensor v = values.to(torch::kCPU).to(torch::kChar).contiguous();
  std::ostringstream shape;
  shape << "(";
  for (int64_t d : v.sizes())
    shape << d << ", ";
  shape << ")";
  std::string header = "{'descr': '|i1', 'fortran_order': False, 'shape': " + shape.str() + ", }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes.push_back(char(header.size() & 0xff));
  bytes.push_back(char(header.size() >> 8));
  bytes += header;
  bytes.append(reinterpret_cast<const char *>(v.data_ptr<int8_t>()), size_t(v.numel()));
  writeFileAtomically(path, bytes);
}

} // namespace shiftadd::train
