// Training cost of the AdderNet convolution, layer by layer: the adder layers
// of a model (MobileNetV2-tiny by default) at a batch of 32x32 images, forward
// plus backward, in the trainer's two forms (adderConv2d: plane loops on the
// CPU; adderConv2dUnfolded: the GPU's unfolded windows) and, for scale, an
// ordinary convolution of the same shape, all in one run.
//   adder-layers-bench [MODEL] [BATCH] [THREADS] [REPEATS]
// Prints a markdown table: milliseconds per layer (median of REPEATS), one row
// per distinct shape with its count in the model, and the model's total.
#include "shiftadd/train/Models.h"
#include "shiftadd/train/Operators.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <tuple>

using namespace shiftadd::train;
namespace F = torch::nn::functional;

namespace {

struct Shape {
  int64_t in, out, size;
  ConvGeometry g;
  auto key() const { return std::tuple(in, out, size, g.kernel, g.stride, g.groups); }
  bool operator<(const Shape &o) const { return key() < o.key(); }
};

/// Median milliseconds of one forward + backward of `layer` on x and w.
template <typename Layer> double time(Layer layer, const Shape &s, int64_t batch, int64_t repeats) {
  torch::Tensor x = torch::randn({batch, s.in, s.size, s.size}, torch::requires_grad());
  torch::Tensor w = torch::randn({s.out, s.in / s.g.groups, s.g.kernel, s.g.kernel}, torch::requires_grad());
  std::vector<double> ms;
  for (int64_t r = 0; r <= repeats; ++r) { // the first run warms up
    auto start = std::chrono::steady_clock::now();
    torch::Tensor y = layer(x, w, s.g);
    y.backward(torch::ones_like(y));
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    x.mutable_grad().reset(), w.mutable_grad().reset();
  }
  std::sort(ms.begin() + 1, ms.end());
  return ms[1 + repeats / 2];
}

torch::Tensor conv(const torch::Tensor &x, const torch::Tensor &w, ConvGeometry g) {
  return F::conv2d(x, w, F::Conv2dFuncOptions().stride(g.stride).padding(g.pad).groups(g.groups));
}

/// argv[i] as a positive count, or `fallback` when absent.
int64_t count(int argc, char **argv, int i, int64_t fallback) {
  if (argc <= i)
    return fallback;
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(argv[i], &used);
  } catch (const std::exception &) {
  }
  if (used != std::strlen(argv[i]) || v < 1)
    throw std::invalid_argument(std::string("'") + argv[i] + "' is not a positive count");
  return v;
}

} // namespace

int main(int argc, char **argv) {
  std::string model = argc > 1 ? argv[1] : "mobilenetv2-tiny";
  int64_t batch = 0, threads = 0, repeats = 0;
  Net net = nullptr;
  try {
    batch = count(argc, argv, 2, 128), threads = count(argc, argv, 3, 2), repeats = count(argc, argv, 4, 3);
    ModelOptions options;
    options.name = model;
    options.op.op = OpKind::Add;
    options.inputShape = {3, 32, 32};
    net = makeModel(options);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "adder-layers-bench: error: %s (usage: adder-layers-bench [MODEL] [BATCH] [THREADS] "
                         "[REPEATS])\n", e.what());
    return 1;
  }
  torch::set_num_threads(int(threads));
  torch::manual_seed(1);
  // The adder layers with the image size they see: chains are in network
  // order and the residual shortcuts are identities, so strides multiply up.
  std::map<Shape, int> shapes;
  int64_t size = 32;
  for (const Chain &chain : net->chains()) {
    const ChainSpec &spec = chain->spec();
    if (spec.linear)
      continue;
    if (spec.op.op == OpKind::Add)
      ++shapes[{spec.in, spec.out, size, spec.geometry}];
    size = (size + 2 * spec.geometry.pad - spec.geometry.kernel) / spec.geometry.stride + 1;
  }

  std::printf("| in -> out | kernel / stride / groups | image | layers | plane loops ms | unfolded ms | "
              "unfolded / plane | conv2d (mult) ms |\n|---|---|---|---|---|---|---|---|\n");
  double total[3] = {0, 0, 0};
  for (const auto &[s, count] : shapes) {
    double plane = time(adderConv2d, s, batch, repeats);
    double unfolded = time(adderConv2dUnfolded, s, batch, repeats);
    double mult = time(conv, s, batch, repeats);
    total[0] += count * plane, total[1] += count * unfolded, total[2] += count * mult;
    std::printf("| %lld -> %lld | %lld / %lld / %lld | %lldx%lld | %d | %.1f | %.1f | %.2f | %.1f |\n",
                (long long)s.in, (long long)s.out, (long long)s.g.kernel, (long long)s.g.stride,
                (long long)s.g.groups, (long long)s.size, (long long)s.size, count, plane, unfolded,
                unfolded / plane, mult);
  }
  std::printf("| all adder layers of %s | | | | %.0f | %.0f | %.2f | %.0f |\n", model.c_str(), total[0], total[1],
              total[1] / total[0], total[2]);
  return 0;
}
