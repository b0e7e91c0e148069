//===- OnnxImporter.cpp - ONNX graphs to the shiftadd dialect -------------===//
//
// Walks the (topologically sorted) ONNX graph once. Every tensor is either
// quantized (an i8 shiftadd value with a format), a pending layer chain (a
// weighted op, folded BatchNorm and clamps, waiting for the QDQ pair that
// fixes its output format), or a constant. docs/onnx-format.md is the
// contract this file implements.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Frontend/OnnxImporter.h"
#include "shiftadd/IR/ShiftAdd.h"
#include "shiftadd/Support/ShiftCode.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <limits>
#include <variant>

using namespace mlir;

namespace shiftadd::onnx_import {

bool parseCalibration(const std::string &text,
                      std::map<std::string, std::pair<double, double>> &ranges,
                      std::string &error) {
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json) {
    error = "calibration file is not JSON: " + llvm::toString(json.takeError());
    return false;
  }
  const llvm::json::Object *object = json->getAsObject();
  if (!object) {
    error = "calibration file must be a JSON object of \"tensor\": [min, max]";
    return false;
  }
  for (const auto &[key, value] : *object) {
    const llvm::json::Array *pair = value.getAsArray();
    std::optional<double> lo = pair && pair->size() == 2 ? (*pair)[0].getAsNumber() : std::nullopt;
    std::optional<double> hi = pair && pair->size() == 2 ? (*pair)[1].getAsNumber() : std::nullopt;
    if (!lo || !hi || !std::isfinite(*lo) || !std::isfinite(*hi) || *lo > *hi) {
      error = "calibration entry '" + key.str() + "' must be [min, max] with min <= max";
      return false;
    }
    ranges[key.str()] = {*lo, *hi};
  }
  return true;
}

namespace {

/// An i8 tensor with `frac` fractional bits.
struct Quantized {
  Value value;
  int64_t frac;
};

/// A layer chain awaiting its output format: real output of channel c is
/// scale[c] * (acc * 2^-accFrac) + offset[c], clamped to [lo, hi].
struct PendingLayer {
  Value acc;
  int64_t accFrac;
  std::vector<double> scale, offset;
  double lo = -INFINITY, hi = INFINITY;
  std::string node;
};

/// Add of two quantized tensors awaiting its output format.
struct PendingAdd {
  Quantized lhs, rhs;
  double lo = -INFINITY, hi = INFINITY;
  std::string node;
};

/// An int8 weight tensor given by DequantizeLinear of a constant.
struct Int8Weights {
  std::vector<int64_t> shape;
  std::vector<int64_t> values;
  int64_t frac;
};

using State = std::variant<Quantized, PendingLayer, PendingAdd, Int8Weights>;

/// Thrown inside the importer only, caught in importGraph: a one-line error.
struct ImportError {
  std::string message;
};

[[noreturn]] void fail(const std::string &message) { throw ImportError{message}; }

/// Input `i` of `node`, which must be present.
const std::string &inputName(const Node &node, size_t i) {
  if (i >= node.inputs.size() || node.inputs[i].empty())
    fail(node.describe() + ": input " + std::to_string(i) + " is missing");
  return node.inputs[i];
}

/// The single value of a scalar constant.
double scalarOf(const Constant &c, const Node &node) {
  if (c.values.size() != 1)
    fail(node.describe() + ": expected a scalar constant, got " + std::to_string(c.values.size()) + " values");
  return c.values[0];
}

/// The exponent f of a scale that must be exactly 2^-f.
int64_t fracOfScale(double scale, const std::string &where) {
  int exponent = 0;
  double mantissa = std::frexp(scale, &exponent);
  if (!(scale > 0) || mantissa != 0.5 || exponent - 1 < -32 || exponent - 1 > 32)
    fail(where + ": scale " + std::to_string(scale) + " is not a power of two 2^-f with f in [-32, 32]");
  return -(exponent - 1);
}

/// Most fractional bits whose int8 range covers |x| <= bound.
int64_t fracOfRange(double bound) {
  if (bound <= 0)
    return 7;
  return int64_t(std::floor(std::log2(127.0 / bound)));
}

class Importer {
public:
  Importer(const Graph &graph, const ImportOptions &options, MLIRContext *context,
           std::vector<std::string> &report)
      : graph(graph), options(options), context(context), b(context), report(report) {}

  OwningOpRef<ModuleOp> run();

private:
  const Graph &graph;
  const ImportOptions &options;
  MLIRContext *context;
  OpBuilder b;
  std::vector<std::string> &report;
  std::map<std::string, State> states;
  Location loc = UnknownLoc::get(context);

  const std::vector<int64_t> &shapeOf(const std::string &name, const Node &node) {
    auto it = graph.shapes.find(name);
    if (it == graph.shapes.end())
      fail(node.describe() + ": tensor '" + name + "' has no static shape");
    return it->second;
  }
  const Constant &constantOf(const std::string &name, const Node &node) {
    auto it = graph.constants.find(name);
    if (it == graph.constants.end())
      fail(node.describe() + ": input '" + name + "' must be a constant");
    for (double v : it->second.values)
      if (!std::isfinite(v))
        fail(node.describe() + ": constant '" + name + "' has a non-finite value");
    return it->second;
  }
  /// Runs the op's verifier; its message becomes the import error.
  void verifyOrFail(Operation *op, const Node &node) {
    std::string message;
    {
      ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
        if (message.empty())
          message = diag.str();
        return success();
      });
      if (succeeded(verify(op)))
        return;
    }
    fail(node.describe() + ": " + message);
  }
  RankedTensorType fixedTensor(ArrayRef<int64_t> shape, unsigned width, int64_t frac) {
    return RankedTensorType::get(shape, FixedType::get(context, b.getIntegerType(width), frac));
  }

  Quantized quantized(const std::string &name, const Node &node);
  Quantized finalize(const std::string &name, int64_t frac, const Node &node);
  void visit(const Node &node);
  void quantizeLinear(const Node &node);
  void weighted(const Node &node);
  Value shiftOrMulLayer(const Node &node, Quantized x, ArrayRef<int64_t> wShape,
                        const std::vector<double> &w, const Int8Weights *int8,
                        std::vector<double> &channelScale, int64_t &accFrac,
                        function_ref<Value(NamedAttrList)> build);
};

/// The quantized tensor called `name`: finalizing a pending chain with its
/// calibration range when it has no QDQ pair of its own.
Quantized Importer::quantized(const std::string &name, const Node &node) {
  auto it = states.find(name);
  if (it != states.end()) {
    if (auto *q = std::get_if<Quantized>(&it->second))
      return *q;
  }
  auto cal = options.calibration.find(name);
  if (it != states.end() && !std::holds_alternative<Int8Weights>(it->second) &&
      cal != options.calibration.end())
    return finalize(name, fracOfRange(std::max(std::fabs(cal->second.first),
                                               std::fabs(cal->second.second))),
                    node);
  fail(node.describe() + ": input '" + name +
       "' has no fixed-point format (follow its producer with QuantizeLinear/DequantizeLinear of a "
       "power-of-two scale, or give a --calibration range)");
}

/// Ends the pending chain called `name` with output format `frac`.
Quantized Importer::finalize(const std::string &name, int64_t frac, const Node &node) {
  State &state = states.at(name);
  if (auto *q = std::get_if<Quantized>(&state)) {
    if (q->frac != frac)
      fail(node.describe() + ": changes the format of '" + name + "' from 2^-" +
           std::to_string(q->frac) + " to 2^-" + std::to_string(frac) +
           " without a layer (rescaling is done by requantizing layers only)");
    return *q;
  }
  auto clampRange = [&](double lo, double hi) {
    double scale = std::ldexp(1.0, int(frac));
    int64_t a = std::isfinite(lo) ? int64_t(std::ceil(lo * scale)) : -128;
    int64_t z = std::isfinite(hi) ? int64_t(std::floor(hi * scale)) : 127;
    return std::make_pair(std::max<int64_t>(a, -128), std::min<int64_t>(z, 127));
  };
  if (auto *add = std::get_if<PendingAdd>(&state)) {
    auto type = fixedTensor(cast<RankedTensorType>(add->lhs.value.getType()).getShape(), 8, frac);
    auto [lo, hi] = clampRange(add->lo, add->hi);
    auto op = AddOp::create(b, loc, type, add->lhs.value, add->rhs.value,
                            lo > -128 || hi < 127 ? b.getDenseI64ArrayAttr({lo, hi}) : DenseI64ArrayAttr());
    state = Quantized{op.getOutput(), frac};
    return std::get<Quantized>(state);
  }
  auto &chain = std::get<PendingLayer>(state);
  int64_t channels = int64_t(chain.scale.size());
  SmallVector<int64_t> bias, shift, multiplier;
  bool needMultiplier = false;
  // The requantization of the chain with its accumulator at `accFrac`, or the
  // reason it has none.
  auto fold = [&](int64_t accFrac) -> std::string {
    bias.clear(), shift.clear(), multiplier.clear();
    needMultiplier = false;
    for (int64_t c = 0; c < channels; ++c) {
      double a = chain.scale[c];
      if (!(a > 0) || !std::isfinite(a))
        return "folded scale of channel " + std::to_string(c) + " is " + std::to_string(a) + " (must be positive)";
      double bInt = std::round(chain.offset[c] / a * std::ldexp(1.0, int(accFrac)));
      if (std::fabs(bInt) >= 2147483648.0)
        return "bias of channel " + std::to_string(c) + " does not fit 32 bits";
      bias.push_back(int64_t(bInt));
      int e = 0;
      double mantissa = std::frexp(a, &e);
      if (mantissa == 0.5) { // a = 2^(e-1)
        shift.push_back(accFrac - frac - (e - 1));
        multiplier.push_back(0);
        continue;
      }
      needMultiplier = true;
      // m = a * 2^(frac - accFrac + 31 + s) in [2^30, 2^31).
      double t = std::ldexp(a, int(frac - accFrac + 31));
      int s = 30 - int(std::floor(std::log2(t)));
      double m = std::round(std::ldexp(t, s));
      if (m >= 2147483648.0)
        m = std::round(std::ldexp(t, --s));
      shift.push_back(s);
      multiplier.push_back(int64_t(m));
    }
    if (needMultiplier) // every channel in multiplier mode: powers of two too
      for (int64_t c = 0; c < channels; ++c)
        if (multiplier[c] == 0) {
          multiplier[c] = int64_t(1) << 30;
          shift[c] -= 1;
        }
    int64_t shiftLimit = needMultiplier ? -30 : -31;
    for (int64_t s : shift)
      if (s < shiftLimit || s > 31)
        return "output scale 2^-" + std::to_string(frac) + " is too far from the accumulator's (shift " +
               std::to_string(s) + ")";
    return "";
  };
  // An adder accumulator is at the input's format, too coarse for a folded
  // bias: shift it left by as many bits as the fold and i32 allow (spec
  // section 4, onnx-format.md).
  int64_t accShift = 0;
  if (auto adder = chain.acc.getDefiningOp<AdderConv2dOp>()) {
    SmallVector<uint64_t> bounds = accumulatorBounds(adder);
    for (accShift = 31; accShift > 0; --accShift) {
      if (!fold(chain.accFrac + accShift).empty())
        continue;
      bool fits = true;
      for (int64_t c = 0; c < channels && fits; ++c)
        fits = std::ldexp(double(bounds[c]), int(accShift)) + std::fabs(double(bias[c])) < 2147483648.0;
      if (fits)
        break;
    }
    // No more bits than the biases need (at accShift > 0 `bias` holds its
    // fold): with every bias a multiple of 2^k, the fold at accShift - k is
    // the same.
    int64_t spare = accShift;
    for (int64_t v : bias)
      if (v != 0)
        spare = std::min<int64_t>(spare, llvm::countr_zero(uint64_t(v)));
    accShift -= spare;
    if (accShift > 0) {
      adder.setAccShift(accShift);
      chain.acc.setType(fixedTensor(cast<RankedTensorType>(chain.acc.getType()).getShape(), 32,
                                    chain.accFrac + accShift));
    }
  }
  if (std::string error = fold(chain.accFrac + accShift); !error.empty())
    fail(chain.node + ": " + error);
  auto accType = cast<RankedTensorType>(chain.acc.getType());
  auto [lo, hi] = clampRange(chain.lo, chain.hi);
  auto allEqual = [](ArrayRef<int64_t> v) { return llvm::all_equal(v); };
  auto compact = [&](ArrayRef<int64_t> v) {
    return b.getDenseI64ArrayAttr(allEqual(v) ? v.take_front() : v);
  };
  bool anyBias = llvm::any_of(bias, [](int64_t x) { return x != 0; });
  auto op = RequantizeOp::create(
      b, loc, fixedTensor(accType.getShape(), 8, frac), chain.acc, compact(shift),
      anyBias ? compact(bias) : DenseI64ArrayAttr(),
      needMultiplier ? compact(multiplier) : DenseI64ArrayAttr(),
      lo > -128 || hi < 127 ? b.getDenseI64ArrayAttr({lo, hi}) : DenseI64ArrayAttr());
  state = Quantized{op.getOutput(), frac};
  return std::get<Quantized>(state);
}

void Importer::quantizeLinear(const Node &node) {
  const Constant &scale = constantOf(inputName(node, 1), node);
  if (scale.values.size() != 1)
    fail(node.describe() + ": per-axis scales are not supported (one power-of-two scale per tensor)");
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    const Constant &zero = constantOf(node.inputs[2], node);
    if (zero.values.size() != 1 || zero.values[0] != 0 || !zero.isInt8)
      fail(node.describe() + ": zero point must be an int8 0");
  }
  int64_t frac = fracOfScale(scale.values[0], node.describe());
  const std::string &x = node.inputs[0];
  if (node.opType == "DequantizeLinear") {
    auto c = graph.constants.find(x);
    if (c != graph.constants.end()) { // int8 weights of a multiplicative layer
      if (!c->second.isInt8)
        fail(node.describe() + ": dequantized constants must be int8");
      Int8Weights w{c->second.shape, {}, frac};
      for (double v : c->second.values)
        w.values.push_back(int64_t(v));
      states[node.outputs[0]] = w;
      return;
    }
    auto it = states.find(x);
    if (it == states.end())
      fail(node.describe() + ": input '" + x + "' is not a QuantizeLinear result");
    Quantized q = std::get<Quantized>(it->second);
    if (q.frac != frac)
      fail(node.describe() + ": scale differs from its QuantizeLinear's");
    states[node.outputs[0]] = q;
    return;
  }
  // QuantizeLinear: of a graph input (already an argument), or ending a chain.
  states[node.outputs[0]] = finalize(x, frac, node);
}

/// Real weights -> levels of a shift code, or int8 weights: builds the op.
/// `channelScale` receives the per-output-channel factor the weights carry
/// (powers of two times one mantissa per channel, as BatchNorm folding makes).
Value Importer::shiftOrMulLayer(const Node &node, Quantized x, ArrayRef<int64_t> wShape,
                                const std::vector<double> &w, const Int8Weights *int8,
                                std::vector<double> &channelScale, int64_t &accFrac,
                                function_ref<Value(NamedAttrList)> build) {
  int64_t out = wShape[0], perChannel = int64_t(w.size()) / std::max<int64_t>(out, 1);
  auto weightType = RankedTensorType::get(wShape, b.getI8Type());
  NamedAttrList attrs;
  channelScale.assign(out, 1.0);
  if (int8) {
    accFrac = x.frac + int8->frac;
    SmallVector<int8_t> values(int8->values.begin(), int8->values.end());
    attrs.append("weights", DenseElementsAttr::get(weightType, ArrayRef<int8_t>(values)));
    attrs.append("weight_frac", b.getI64IntegerAttr(int8->frac));
    return build(attrs);
  }
  // Shift layer: per channel, weights must be +-m_c * 2^k with one mantissa m_c.
  std::vector<double> unit(w.size());
  double worstDistance = 0;
  size_t worstIndex = 0;
  for (int64_t o = 0; o < out; ++o) {
    double mantissa = 0;
    for (int64_t i = 0; i < perChannel; ++i) {
      double v = w[o * perChannel + i];
      if (v == 0)
        continue;
      int e;
      double m = std::frexp(std::fabs(v), &e);
      if (mantissa == 0)
        mantissa = m;
      if (m != mantissa) {
        double distance = std::fabs(std::log2(std::fabs(v) / (2 * mantissa)) -
                                    std::round(std::log2(std::fabs(v) / (2 * mantissa))));
        if (distance >= worstDistance)
          worstDistance = distance, worstIndex = size_t(o * perChannel + i);
      }
    }
    channelScale[o] = mantissa == 0 ? 1.0 : 2 * mantissa;
    for (int64_t i = 0; i < perChannel; ++i)
      unit[o * perChannel + i] = w[o * perChannel + i] / channelScale[o];
  }
  bool quantize = worstDistance > 0;
  if (quantize && !options.quantizeWeights)
    fail(node.describe() + ": weights are not powers of two (up to one scale per output channel): "
         "weight " + std::to_string(worstIndex) + " = " + std::to_string(w[worstIndex]) +
         " is 2^" + std::to_string(worstDistance) + " away from one; use --quantize-weights=pow2");
  if (quantize)
    std::fill(channelScale.begin(), channelScale.end(), 1.0), unit = w;
  int64_t bits = 5;
  for (const std::string &key : {std::string("shiftadd.code_bits"), "shiftadd.code_bits." + node.name}) {
    auto it = graph.metadata.find(key);
    if (it != graph.metadata.end())
      bits = std::atoll(it->second.c_str());
  }
  if (bits < 2 || bits > 8)
    fail(node.describe() + ": shiftadd.code_bits must be in [2, 8]");
  int maxExp = -32;
  for (double v : unit)
    if (v != 0)
      maxExp = std::max(maxExp, int(std::round(std::log2(std::fabs(v)))));
  maxExp = std::clamp(maxExp, -32, 32);
  ShiftCode code{int(bits), maxExp};
  SmallVector<int8_t> levels;
  int64_t flushed = 0;
  double worstError = 0;
  for (double v : unit) {
    int level = code.encode(float(v));
    if (v != 0 && level == 0)
      ++flushed;
    if (v != 0)
      worstError = std::max(worstError, std::fabs(code.value(level) - v) / std::fabs(v));
    levels.push_back(int8_t(level));
  }
  if (flushed && !options.quantizeWeights)
    fail(node.describe() + ": " + std::to_string(flushed) + " weights are below 2^" +
         std::to_string(code.minExp()) + ", the smallest of a " + std::to_string(bits) +
         "-bit code (raise shiftadd.code_bits or use --quantize-weights=pow2)");
  if (quantize || flushed)
    report.push_back(node.describe() + ": " + std::to_string(flushed) + " weights flushed to 0, worst relative rounding error " +
                     std::to_string(worstError));
  accFrac = x.frac - code.minExp();
  attrs.append("weights", DenseElementsAttr::get(weightType, ArrayRef<int8_t>(levels)));
  attrs.append("code", ShiftCodeAttr::get(context, bits, maxExp));
  return build(attrs);
}

void Importer::weighted(const Node &node) {
  bool adder = node.opType == "AdderConv";
  bool conv = node.opType == "Conv" || adder;
  Quantized x = quantized(inputName(node, 0), node);
  auto xShape = cast<RankedTensorType>(x.value.getType()).getShape();
  // Weights: a float constant, or DequantizeLinear of an int8 constant.
  const std::string &wName = inputName(node, 1);
  const Int8Weights *int8 = nullptr;
  std::vector<double> w;
  std::vector<int64_t> wShape;
  if (auto it = states.find(wName); it != states.end() && std::holds_alternative<Int8Weights>(it->second)) {
    int8 = &std::get<Int8Weights>(it->second);
    wShape = int8->shape;
  } else {
    const Constant &c = constantOf(wName, node);
    if (!c.isFloat)
      fail(node.describe() + ": weights must be float32 or DequantizeLinear of int8");
    w = c.values, wShape = c.shape;
  }
  if (node.opType == "MatMul" || (node.opType == "Gemm" && node.intAttr("transB", 0) == 0)) {
    // (I, O) -> (O, I)
    if (wShape.size() != 2)
      fail(node.describe() + ": weights must be 2-D");
    auto transpose = [&](auto &values) {
      auto copy = values;
      for (int64_t i = 0; i < wShape[0]; ++i)
        for (int64_t o = 0; o < wShape[1]; ++o)
          values[o * wShape[0] + i] = copy[i * wShape[1] + o];
    };
    if (int8) {
      Int8Weights t = *int8;
      transpose(t.values);
      std::swap(t.shape[0], t.shape[1]);
      states[wName + "#transposed"] = t;
      int8 = &std::get<Int8Weights>(states[wName + "#transposed"]);
    } else {
      transpose(w);
    }
    std::swap(wShape[0], wShape[1]);
  }
  if (node.opType == "Gemm" && (node.floatAttr("alpha", 1) != 1 || node.floatAttr("beta", 1) != 1 ||
                                node.intAttr("transA", 0) != 0))
    fail(node.describe() + ": only alpha = beta = 1 and transA = 0 are supported");
  int64_t outChannels = wShape.empty() ? 0 : wShape[0];
  // Geometry checks with the node's name (before the verifier would).
  SmallVector<int64_t> strides(2, 1), pads(4, 0);
  int64_t groups = 1;
  SmallVector<int64_t> outShape;
  if (conv) {
    if (xShape.size() != 4 || wShape.size() != 4)
      fail(node.describe() + ": input and weights must be 4-D");
    auto s = node.intsAttr("strides", {1, 1}), p = node.intsAttr("pads", {0, 0, 0, 0});
    auto d = node.intsAttr("dilations", {1, 1});
    if (s.size() != 2 || p.size() != 4 || d != std::vector<int64_t>{1, 1})
      fail(node.describe() + ": needs 2-D strides, 4 pads and dilations 1");
    if (node.has("auto_pad") && node.attributes.at("auto_pad").s != "NOTSET")
      fail(node.describe() + ": auto_pad is not supported (give explicit pads)");
    strides.assign(s.begin(), s.end());
    pads.assign(p.begin(), p.end());
    groups = node.intAttr("group", 1);
    if (groups < 1 || xShape[1] % groups || wShape[1] * groups != xShape[1])
      fail(node.describe() + ": weights of shape [" + std::to_string(wShape[0]) + ", " +
           std::to_string(wShape[1]) + ", ...] do not fit " + std::to_string(xShape[1]) +
           " input channels in " + std::to_string(groups) + " groups");
    if (llvm::any_of(strides, [](int64_t v) { return v < 1; }) ||
        llvm::any_of(pads, [](int64_t v) { return v < 0; }))
      fail(node.describe() + ": strides must be positive and pads non-negative");
    int64_t spanH = xShape[2] + pads[0] + pads[2] - wShape[2];
    int64_t spanW = xShape[3] + pads[1] + pads[3] - wShape[3];
    if (spanH < 0 || spanW < 0)
      fail(node.describe() + ": the kernel does not fit the padded input");
    outShape = {xShape[0], outChannels, spanH / strides[0] + 1, spanW / strides[1] + 1};
  } else {
    if (xShape.size() != 2 || wShape.size() != 2 || wShape[1] != xShape[1])
      fail(node.describe() + ": weights do not fit the input (rank-2 input and (O, I) weights expected)");
    outShape = {xShape[0], outChannels};
  }
  std::vector<double> channelScale(outChannels, 1.0);
  int64_t accFrac = x.frac;
  Value acc;
  auto geometry = [&](NamedAttrList &attrs) {
    if (!conv)
      return;
    attrs.append("strides", b.getDenseI64ArrayAttr(strides));
    attrs.append("pads", b.getDenseI64ArrayAttr(pads));
    attrs.append("groups", b.getI64IntegerAttr(groups));
  };
  if (adder) {
    // int8 weights at the input's scale.
    SmallVector<int8_t> values;
    if (int8) {
      if (int8->frac != x.frac)
        fail(node.describe() + ": adder weights must have the input's scale");
      values.assign(int8->values.begin(), int8->values.end());
    } else {
      for (double v : w) {
        double q = std::ldexp(v, int(x.frac));
        if (q != std::round(q) || q < -128 || q > 127)
          fail(node.describe() + ": adder weight " + std::to_string(v) +
               " is not an int8 at the input's scale 2^-" + std::to_string(x.frac));
        values.push_back(int8_t(q));
      }
    }
    NamedAttrList attrs;
    attrs.append("weights", DenseElementsAttr::get(RankedTensorType::get(wShape, b.getI8Type()),
                                                   ArrayRef<int8_t>(values)));
    geometry(attrs);
    acc = AdderConv2dOp::create(b, loc, TypeRange{fixedTensor(outShape, 32, x.frac)},
                                ValueRange{x.value}, attrs.getAttrs())
              .getOutput();
  } else {
    acc = shiftOrMulLayer(node, x, wShape, w, int8, channelScale, accFrac,
                          [&](NamedAttrList attrs) -> Value {
                            geometry(attrs);
                            bool shift = !int8;
                            int64_t frac = shift ? x.frac - cast<ShiftCodeAttr>(attrs.get("code")).getMinExp()
                                                 : x.frac + int8->frac;
                            auto type = fixedTensor(outShape, 32, frac);
                            OperationState state(loc, conv ? (shift ? ShiftConv2dOp::getOperationName()
                                                                    : MulConv2dOp::getOperationName())
                                                           : (shift ? ShiftLinearOp::getOperationName()
                                                                    : MulLinearOp::getOperationName()));
                            state.addOperands(x.value);
                            state.addTypes(type);
                            state.addAttributes(attrs.getAttrs());
                            return b.create(state)->getResult(0);
                          });
  }
  verifyOrFail(acc.getDefiningOp(), node);
  PendingLayer chain{acc, accFrac, channelScale, std::vector<double>(outChannels, 0.0),
                     -INFINITY, INFINITY, node.describe()};
  // Conv bias, Gemm C: real offsets of each channel, scaled with the chain.
  const size_t biasInput = 2; // Conv's B, Gemm's C, AdderConv's B
  if (node.inputs.size() > biasInput && !node.inputs[biasInput].empty()) {
    const Constant &bias = constantOf(node.inputs[biasInput], node);
    if (int64_t(bias.values.size()) != outChannels)
      fail(node.describe() + ": bias has " + std::to_string(bias.values.size()) + " values for " +
           std::to_string(outChannels) + " output channels");
    for (int64_t c = 0; c < outChannels; ++c)
      chain.offset[c] = bias.values[c];
  }
  states[node.outputs[0]] = chain;
}

void Importer::visit(const Node &node) {
  const std::string &op = node.opType;
  if (!node.domain.empty() && !(node.domain == "ai.shiftadd" && op == "AdderConv"))
    fail(node.describe() + ": unsupported domain '" + node.domain + "'");
  if (op == "QuantizeLinear" || op == "DequantizeLinear")
    return quantizeLinear(node);
  if (op == "Conv" || op == "Gemm" || op == "MatMul" || op == "AdderConv")
    return weighted(node);
  const std::string &x = inputName(node, 0);
  auto it = states.find(x);
  if (op == "BatchNormalization") {
    auto *chain = it == states.end() ? nullptr : std::get_if<PendingLayer>(&it->second);
    if (!chain || std::isfinite(chain->lo) || std::isfinite(chain->hi))
      fail(node.describe() + ": BatchNormalization must directly follow a Conv, Gemm or AdderConv");
    const Constant &gamma = constantOf(inputName(node, 1), node), &beta = constantOf(inputName(node, 2), node);
    const Constant &mean = constantOf(inputName(node, 3), node), &var = constantOf(inputName(node, 4), node);
    double epsilon = node.floatAttr("epsilon", 1e-5f);
    size_t channels = chain->scale.size();
    if (gamma.values.size() != channels || beta.values.size() != channels ||
        mean.values.size() != channels || var.values.size() != channels)
      fail(node.describe() + ": parameters do not have one value per channel");
    PendingLayer folded = *chain;
    for (size_t c = 0; c < channels; ++c) {
      double g = gamma.values[c] / std::sqrt(var.values[c] + epsilon);
      folded.scale[c] *= g;
      folded.offset[c] = g * (folded.offset[c] - mean.values[c]) + beta.values[c];
    }
    states[node.outputs[0]] = folded;
    return;
  }
  if (op == "Relu" || op == "Clip") {
    double lo = 0, hi = INFINITY;
    if (op == "Clip") {
      lo = node.inputs.size() > 1 && !node.inputs[1].empty() ? scalarOf(constantOf(node.inputs[1], node), node) : -INFINITY;
      hi = node.inputs.size() > 2 && !node.inputs[2].empty() ? scalarOf(constantOf(node.inputs[2], node), node) : INFINITY;
    }
    if (it != states.end()) {
      if (auto *chain = std::get_if<PendingLayer>(&it->second)) {
        PendingLayer next = *chain;
        next.lo = std::max(next.lo, lo), next.hi = std::min(next.hi, hi);
        states[node.outputs[0]] = next;
        return;
      }
      if (auto *add = std::get_if<PendingAdd>(&it->second)) {
        PendingAdd next = *add;
        next.lo = std::max(next.lo, lo), next.hi = std::min(next.hi, hi);
        states[node.outputs[0]] = next;
        return;
      }
    }
    Quantized q = quantized(x, node);
    double scale = std::ldexp(1.0, int(q.frac));
    int64_t a = std::isfinite(lo) ? std::max<int64_t>(-128, int64_t(std::ceil(lo * scale))) : -128;
    int64_t z = std::isfinite(hi) ? std::min<int64_t>(127, int64_t(std::floor(hi * scale))) : 127;
    auto clamp = ClampOp::create(b, loc, q.value.getType(), q.value, b.getI64IntegerAttr(a), b.getI64IntegerAttr(z));
    states[node.outputs[0]] = Quantized{clamp.getOutput(), q.frac};
    return;
  }
  if (op == "Concat") {
    SmallVector<Value> values;
    std::optional<int64_t> frac;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      Quantized q = quantized(inputName(node, i), node);
      if (frac && *frac != q.frac)
        fail(node.describe() + ": inputs have different formats (2^-" + std::to_string(*frac) +
             " and 2^-" + std::to_string(q.frac) + ")");
      frac = q.frac;
      values.push_back(q.value);
    }
    int64_t rank = cast<RankedTensorType>(values.front().getType()).getRank();
    int64_t axis = node.intAttr("axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      fail(node.describe() + ": axis out of range");
    auto concat = tensor::ConcatOp::create(b, loc, axis, values);
    verifyOrFail(concat, node);
    states[node.outputs.at(0)] = Quantized{concat.getResult(), *frac};
    return;
  }
  if (op == "Add") {
    Quantized lhs = quantized(inputName(node, 0), node), rhs = quantized(inputName(node, 1), node);
    if (cast<RankedTensorType>(lhs.value.getType()).getShape() !=
        cast<RankedTensorType>(rhs.value.getType()).getShape())
      fail(node.describe() + ": operands differ in shape (broadcasting is not supported)");
    states[node.outputs[0]] = PendingAdd{lhs, rhs, -INFINITY, INFINITY, node.describe()};
    return;
  }
  Quantized q = quantized(x, node);
  auto inType = cast<RankedTensorType>(q.value.getType());
  ArrayRef<int64_t> in = inType.getShape();
  if (node.outputs.empty())
    fail(node.describe() + ": has no output");
  const std::vector<int64_t> &outShape = shapeOf(node.outputs[0], node);
  auto outType = RankedTensorType::get(outShape, inType.getElementType());
  Value result;
  if (op == "MaxPool" || op == "AveragePool") {
    if (node.intAttr("ceil_mode", 0) != 0 || node.intsAttr("dilations", {1, 1}) != std::vector<int64_t>{1, 1} ||
        (node.has("auto_pad") && node.attributes.at("auto_pad").s != "NOTSET") ||
        node.intAttr("storage_order", 0) != 0)
      fail(node.describe() + ": ceil_mode, dilations, auto_pad and storage_order are not supported");
    NamedAttrList attrs;
    attrs.append("kernel", b.getDenseI64ArrayAttr(node.intsAttr("kernel_shape", {})));
    attrs.append("strides", b.getDenseI64ArrayAttr(node.intsAttr("strides", {1, 1})));
    attrs.append("pads", b.getDenseI64ArrayAttr(node.intsAttr("pads", {0, 0, 0, 0})));
    if (op == "MaxPool")
      result = MaxPool2dOp::create(b, loc, TypeRange{outType}, ValueRange{q.value}, attrs.getAttrs())
                   .getOutput();
    else {
      attrs.append("count_include_pad", b.getBoolAttr(node.intAttr("count_include_pad", 0) != 0));
      result = AvgPool2dOp::create(b, loc, TypeRange{outType}, ValueRange{q.value}, attrs.getAttrs())
                   .getOutput();
    }
  } else if (op == "GlobalAveragePool") {
    result = GlobalAvgPool2dOp::create(b, loc, outType, q.value).getOutput();
  } else if (op == "Flatten" || op == "Reshape") {
    // Row-major reshapes that group consecutive dimensions.
    bool collapse = outShape.size() <= in.size();
    ArrayRef<int64_t> big = collapse ? in : ArrayRef<int64_t>(outShape);
    ArrayRef<int64_t> small = collapse ? ArrayRef<int64_t>(outShape) : in;
    SmallVector<ReassociationIndices> groups;
    size_t d = 0;
    auto unsupported = [&] {
      fail(node.describe() + ": only reshapes that merge or split consecutive dimensions are supported");
    };
    for (int64_t size : small) {
      ReassociationIndices group;
      int64_t product = 1;
      do {
        if (d == big.size())
          unsupported();
        product *= big[d];
        group.push_back(int64_t(d++));
      } while (product < size);
      if (product != size)
        unsupported();
      groups.push_back(group);
    }
    for (; d < big.size(); ++d) { // trailing 1s join the last group
      if (big[d] != 1 || groups.empty())
        unsupported();
      groups.back().push_back(int64_t(d));
    }
    result = collapse ? tensor::CollapseShapeOp::create(b, loc, outType, q.value, groups).getResult()
                      : tensor::ExpandShapeOp::create(b, loc, outType, q.value, groups).getResult();
  } else {
    fail(node.describe() + ": unsupported operation");
  }
  verifyOrFail(result.getDefiningOp(), node);
  states[node.outputs[0]] = Quantized{result, q.frac};
}

OwningOpRef<ModuleOp> Importer::run() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  // Arguments: each graph input's format comes from its QuantizeLinear or the calibration.
  SmallVector<Type> argTypes;
  for (const std::string &name : graph.inputs) {
    auto shape = graph.shapes.find(name);
    if (shape == graph.shapes.end())
      fail("input '" + name + "' has no static shape (dynamic dimensions are not supported)");
    std::optional<int64_t> frac;
    for (const Node &node : graph.nodes)
      if (node.opType == "QuantizeLinear" && inputName(node, 0) == name)
        frac = fracOfScale(scalarOf(constantOf(inputName(node, 1), node), node), node.describe());
    if (auto cal = options.calibration.find(name); !frac && cal != options.calibration.end())
      frac = fracOfRange(std::max(std::fabs(cal->second.first), std::fabs(cal->second.second)));
    if (!frac)
      fail("input '" + name + "' has no fixed-point format: follow it with QuantizeLinear of a "
           "power-of-two scale or give a --calibration range");
    argTypes.push_back(fixedTensor(shape->second, 8, *frac));
  }
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, loc, options.functionName, b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  for (auto [index, name] : llvm::enumerate(graph.inputs))
    states[name] = Quantized{entry->getArgument(index),
                             cast<FixedType>(cast<RankedTensorType>(argTypes[index]).getElementType()).getFrac()};
  for (const Node &node : graph.nodes) {
    loc = NameLoc::get(b.getStringAttr(node.name));
    visit(node);
  }
  SmallVector<Value> results;
  for (const std::string &name : graph.outputs) {
    Node output{name, "output", "", {}, {}, {}};
    results.push_back(quantized(name, output).value);
  }
  func::ReturnOp::create(b, loc, results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  return module;
}

} // namespace

OwningOpRef<ModuleOp> importGraph(const Graph &graph, const ImportOptions &options,
                                  MLIRContext *context, std::string &error,
                                  std::vector<std::string> &report) {
  context->loadDialect<ShiftAddDialect, func::FuncDialect, tensor::TensorDialect>();
  try {
    return Importer(graph, options, context, report).run();
  } catch (const ImportError &e) {
    error = e.message;
    return nullptr;
  } catch (const std::exception &e) { // a malformed model the checks above missed
    error = std::string("malformed model: ") + e.what();
    return nullptr;
  }
}

} // namespace shiftadd::onnx_import
