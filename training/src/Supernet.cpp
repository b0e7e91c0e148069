// Training-time operations on an augmented network (see Supernet.h).
#include "shiftadd/train/Supernet.h"

#include <iomanip>
#include <sstream>
#include <type_traits>

namespace shiftadd::train {

namespace {
double pick(const std::vector<double> &factors, torch::Generator &gen) {
  return factors[size_t(torch::randint(0, int64_t(factors.size()), {1}, gen, torch::kLong).item<int64_t>())];
}

/// The optimizer's state key of a parameter: its TensorImpl, printed to a
/// string in the LibTorch versions that key state by string.
template <typename Key> Key stateKey(const torch::Tensor &param) {
  if constexpr (std::is_same_v<Key, std::string>)
    return c10::guts::to_string(param.unsafeGetTensorImpl());
  else
    return param.unsafeGetTensorImpl();
}

/// Optimizer state tensors of `param` (momentum, Adam's moments).
std::vector<torch::Tensor> optimizerState(torch::optim::Optimizer &optimizer, const torch::Tensor &param) {
  auto &state = optimizer.state();
  auto it = state.find(stateKey<typename std::decay_t<decltype(state)>::key_type>(param));
  if (it == state.end())
    return {};
  std::vector<torch::Tensor> out;
  if (auto *sgd = dynamic_cast<torch::optim::SGDParamState *>(it->second.get()))
    out = {sgd->momentum_buffer()};
  else if (auto *adam = dynamic_cast<torch::optim::AdamParamState *>(it->second.get()))
    out = {adam->exp_avg(), adam->exp_avg_sq(), adam->max_exp_avg_sq()};
  else if (auto *adamw = dynamic_cast<torch::optim::AdamWParamState *>(it->second.get()))
    out = {adamw->exp_avg(), adamw->exp_avg_sq(), adamw->max_exp_avg_sq()};
  std::vector<torch::Tensor> defined;
  for (auto &t : out)
    if (t.defined() && t.sizes() == param.sizes())
      defined.push_back(t);
  return defined;
}

void permute(torch::Tensor t, const torch::Tensor &order, int64_t dim) {
  t.detach().copy_(t.detach().index_select(dim, order.to(t.device())));
}

void permuteWithState(torch::optim::Optimizer &optimizer, const torch::Tensor &t, const torch::Tensor &order,
                      int64_t dim) {
  permute(t, order, dim);
  for (torch::Tensor &s : optimizerState(optimizer, t))
    permute(s, order, dim);
}

double kurtosis(const torch::Tensor &t) {
  torch::Tensor c = t - t.mean();
  double var = c.pow(2).mean().item<double>();
  return var > 0 ? c.pow(4).mean().item<double>() / (var * var) : 0.0;
}
} // namespace

AugmentConfig sampleAugmentConfig(const Net &net, const AugmentOptions &options, bool widen,
                                  torch::Generator &gen) {
  const std::vector<double> none{1.0};
  const std::vector<double> &widths = widen ? options.widths : none;
  AugmentConfig c;
  for (size_t b = 0; b < net->augmentable.size(); ++b) {
    c.expand.push_back(pick(options.factors, gen));
    c.width.push_back(pick(widths, gen));
  }
  c.stemWidth = pick(widths, gen);
  c.headWidth = pick(widths, gen);
  return c;
}

void sortExpandedChannels(Net &net, torch::optim::Optimizer &optimizer) {
  torch::NoGradGuard noGrad;
  for (AugmentableBlock &b : net->augmentable) {
    if (!b.expand || !b.project->sharedWeight().defined() || !b.expand->sharedWeight().defined() ||
        !b.depthwise->sharedWeight().defined())
      continue; // DeepShift-PS layers hold no shared weight to sort
    const torch::Tensor &proj = b.project->sharedWeight(); // (out, hidden, 1, 1)
    torch::Tensor importance = proj.abs().sum({0, 2, 3});
    // A stable sort keeps equal channels in place (and the order reproducible).
    torch::Tensor order = std::get<1>(importance.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
    for (const Chain &c : {b.expand, b.depthwise})
      for (const torch::Tensor &t : c->outputChannelTensors())
        permuteWithState(optimizer, t, order, 0);
    permuteWithState(optimizer, proj, order, 1);
  }
}

torch::Tensor mapPenalty(const std::vector<Chain> &chains) {
  torch::Tensor sum;
  for (const Chain &c : chains) {
    torch::Tensor p = c->mapPenalty();
    if (p.defined())
      sum = sum.defined() ? sum + p : p;
  }
  return sum;
}

std::string weightDistributionsJson(const Net &net, int64_t bins) {
  std::ostringstream o;
  o << std::setprecision(6) << "{\"bins\": " << bins << ", \"layers\": [";
  const char *sep = "";
  for (const auto &item : net->named_modules()) {
    auto chain = std::dynamic_pointer_cast<ChainImpl>(item.value());
    if (!chain || chain->spec().op.op == OpKind::Mult)
      continue;
    ChainImpl::WeightViews v = chain->weightViews();
    if (!v.shared.defined())
      continue;
    std::vector<std::pair<const char *, torch::Tensor>> views{{"shared", v.shared}, {"quantized", v.quantized}};
    if (v.remapped.defined())
      views.insert(views.begin() + 1, {"remapped", v.remapped});
    double hi = 0;
    for (auto &[name, t] : views) {
      t = t.detach().to(torch::kCPU, torch::kDouble).flatten();
      hi = std::max(hi, t.abs().max().item<double>());
    }
    hi = hi > 0 ? hi : 1.0;
    o << sep << "\n  {\"name\": \"" << item.key() << "\", \"op\": \""
      << (chain->spec().op.op == OpKind::Add ? "add" : "shift") << "\", \"range\": [" << -hi << ", " << hi << "]";
    for (auto &[name, t] : views) {
      torch::Tensor counts = torch::histc(t, bins, -hi, hi).to(torch::kLong);
      o << ", \"" << name << "\": {\"std\": " << t.std().item<double>() << ", \"kurtosis\": " << kurtosis(t)
        << ", \"counts\": [";
      for (int64_t i = 0; i < bins; ++i)
        o << (i ? ", " : "") << counts[i].item<int64_t>();
      o << "]}";
    }
    o << "}";
    sep = ",";
  }
  o << "\n]}\n";
  return o.str();
}

} // namespace shiftadd::train
