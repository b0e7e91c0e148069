//===- ShiftAddOps.cpp - Verifiers and folders of shiftadd ops ------------===//
//
// Each verifier checks one rule of docs/spec.md and names it in its message;
// test/Dialect/ShiftAdd/invalid.mlir has a case for every message.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/IR/ShiftAdd.h"
#include "shiftadd/Support/ShiftCode.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace shiftadd;

#define GET_OP_CLASSES
#include "shiftadd/IR/ShiftAddOps.cpp.inc"

FixedType shiftadd::getFixedType(Value value) {
  return cast<FixedType>(cast<RankedTensorType>(value.getType()).getElementType());
}

std::pair<int64_t, int64_t> shiftadd::clampBounds(std::optional<ArrayRef<int64_t>> clamp,
                                                  FixedType type) {
  int64_t lo = type.getMinValue(), hi = type.getMaxValue();
  if (clamp)
    lo = std::max(lo, (*clamp)[0]), hi = std::min(hi, (*clamp)[1]);
  return {lo, hi};
}

static RankedTensorType tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Prints a shape as [a, b, c].
static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

static LogicalResult verifyStaticShapes(Operation *op) {
  for (Type type : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (!cast<RankedTensorType>(type).hasStaticShape())
      return op->emitOpError("requires static shapes, got ") << type;
  return success();
}

static LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = tensorType(op->getResult(0)).getShape();
  if (actual != expected)
    return op->emitOpError("result shape must be ")
           << shapeString(expected) << ", got " << shapeString(actual);
  return success();
}

/// strides: two positive integers; pads: four non-negative ones.
static LogicalResult verifyStridesAndPads(Operation *op, ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> pads) {
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t s) { return s < 1; }))
    return op->emitOpError("strides must be two positive integers, got ")
           << shapeString(strides);
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return op->emitOpError(
               "pads must be four non-negative integers [top, left, bottom, right], got ")
           << shapeString(pads);
  return success();
}

/// Output extent of a window sliding over `size` (spec section 5), or -1 if
/// the window does not fit the padded input.
static int64_t windowCount(int64_t size, int64_t before, int64_t after,
                           int64_t kernel, int64_t stride) {
  int64_t span = size + before + after - kernel;
  return span < 0 ? -1 : span / stride + 1;
}

/// Geometry of an NCHW convolution with OIHW weights (spec section 5).
static LogicalResult verifyConv2dShapes(Operation *op, ArrayRef<int64_t> weightShape,
                                        ArrayRef<int64_t> strides,
                                        ArrayRef<int64_t> pads, int64_t groups) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  ArrayRef<int64_t> in = tensorType(op->getOperand(0)).getShape();
  if (in.size() != 4)
    return op->emitOpError("input must be NCHW (rank 4), got rank ") << in.size();
  if (weightShape.size() != 4)
    return op->emitOpError("weights must be OIHW (rank 4), got rank ")
           << weightShape.size();
  if (failed(verifyStridesAndPads(op, strides, pads)))
    return failure();
  int64_t channels = in[1], outChannels = weightShape[0];
  if (groups < 1 || channels % groups != 0 || outChannels % groups != 0)
    return op->emitOpError("groups (") << groups << ") must divide the input channels ("
                                       << channels << ") and output channels ("
                                       << outChannels << ")";
  if (weightShape[1] * groups != channels)
    return op->emitOpError("weights have ")
           << weightShape[1] << " input channels per group, expected "
           << channels / groups;
  int64_t oh = windowCount(in[2], pads[0], pads[2], weightShape[2], strides[0]);
  int64_t ow = windowCount(in[3], pads[1], pads[3], weightShape[3], strides[1]);
  if (oh < 1 || ow < 1)
    return op->emitOpError("kernel ")
           << weightShape[2] << "x" << weightShape[3] << " does not fit the padded input";
  return verifyResultShape(op, {in[0], outChannels, oh, ow});
}

/// Geometry of a linear layer (N, I) x (O, I) -> (N, O).
static LogicalResult verifyLinearShapes(Operation *op, ArrayRef<int64_t> weightShape) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  ArrayRef<int64_t> in = tensorType(op->getOperand(0)).getShape();
  if (in.size() != 2)
    return op->emitOpError("input must be (N, I) (rank 2), got rank ") << in.size();
  if (weightShape.size() != 2)
    return op->emitOpError("weights must be (O, I) (rank 2), got rank ")
           << weightShape.size();
  if (weightShape[1] != in[1])
    return op->emitOpError("weights have ")
           << weightShape[1] << " inputs, expected " << in[1];
  return verifyResultShape(op, {in[0], weightShape[0]});
}

static LogicalResult verifyLevels(Operation *op, DenseIntElementsAttr weights,
                                  ShiftCodeAttr code) {
  int64_t levels = code.getLevels();
  for (const APInt &level : weights.getValues<APInt>()) {
    int64_t k = level.getSExtValue();
    if (k < -levels || k > levels)
      return op->emitOpError("weight level ")
             << k << " is outside [" << -levels << ", " << levels << "] of a "
             << code.getBits() << "-bit code";
  }
  return success();
}

static ShiftCode toShiftCode(ShiftCodeAttr code) {
  return ShiftCode{int(code.getBits()), int(code.getMaxExp())};
}

SmallVector<uint64_t> shiftadd::accumulatorBounds(Operation *layer) {
  double inputMax = std::ldexp(1.0, getFixedType(layer->getOperand(0)).getWidth() - 1);
  // |acc| <= sum over a channel's taps of termBound(weight) (spec section 6).
  auto bounds = [&](DenseIntElementsAttr weights, auto termBound) {
    int64_t outChannels = weights.getType().getShape()[0];
    int64_t taps = weights.getNumElements() / outChannels;
    SmallVector<uint64_t> result;
    auto values = weights.getValues<APInt>();
    auto it = values.begin();
    for (int64_t o = 0; o < outChannels; ++o) {
      double sum = 0; // exact below 2^53, and only compared against 2^31
      for (int64_t t = 0; t < taps; ++t, ++it)
        sum += termBound((*it).getSExtValue());
      result.push_back(sum >= 0x1p63 ? UINT64_MAX : uint64_t(sum));
    }
    return result;
  };
  auto shiftBounds = [&](DenseIntElementsAttr weights, ShiftCodeAttr attr) {
    ShiftCode code = toShiftCode(attr);
    return bounds(weights, [&](int64_t k) {
      return k == 0 ? 0.0 : inputMax * std::ldexp(1.0, code.exponent(int(k)) - code.minExp());
    });
  };
  auto mulBounds = [&](DenseIntElementsAttr weights) {
    return bounds(weights, [&](int64_t w) { return inputMax * double(std::abs(w)); });
  };
  return llvm::TypeSwitch<Operation *, SmallVector<uint64_t>>(layer)
      .Case([&](ShiftConv2dOp op) { return shiftBounds(op.getWeights(), op.getCode()); })
      .Case([&](ShiftLinearOp op) { return shiftBounds(op.getWeights(), op.getCode()); })
      .Case([&](MulConv2dOp op) { return mulBounds(op.getWeights()); })
      .Case([&](MulLinearOp op) { return mulBounds(op.getWeights()); })
      .Case([&](AdderConv2dOp op) {
        double scale = std::ldexp(1.0, int(op.getAccShift()));
        return bounds(op.getWeights(),
                      [&](int64_t w) { return (inputMax + double(std::abs(w))) * scale; });
      })
      .Default([](Operation *) { return SmallVector<uint64_t>(); });
}

/// Input is an activation (i8/i16), the result an i32 accumulator at
/// `accFrac` fractional bits, and no channel can overflow it (spec section 6).
static LogicalResult verifyAccumulator(Operation *op, int64_t accFrac) {
  FixedType in = getFixedType(op->getOperand(0));
  FixedType out = getFixedType(op->getResult(0));
  if (in.getWidth() > 16)
    return op->emitOpError("input must be an i8 or i16 activation, got ") << in;
  if (out.getWidth() != 32 || out.getFrac() != accFrac)
    return op->emitOpError("result must be the accumulator !shiftadd.fixed<i32, ")
           << accFrac << ">, got " << out;
  for (auto [channel, bound] : llvm::enumerate(accumulatorBounds(op)))
    if (bound > uint64_t(INT32_MAX))
      return op->emitOpError("accumulator of output channel ")
             << channel << " may reach 2^"
             << llvm::formatv("{0:f1}", std::log2(double(bound))).str()
             << ", beyond i32: use fewer levels, a smaller max_exp or narrower inputs";
  return success();
}

/// Folds a layer whose weights are all zero to a zero accumulator.
static OpFoldResult foldZeroWeights(Operation *op, DenseIntElementsAttr weights) {
  if (!llvm::all_of(weights.getValues<APInt>(), [](const APInt &w) { return w.isZero(); }))
    return {};
  auto type = tensorType(op->getResult(0));
  auto i32 = IntegerType::get(op->getContext(), 32);
  return DenseElementsAttr::get(RankedTensorType::get(type.getShape(), i32),
                                IntegerAttr::get(i32, 0));
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  auto resultType = tensorType(getOutput());
  if (valueType.getShape() != resultType.getShape())
    return emitOpError("value shape ")
           << shapeString(valueType.getShape()) << " differs from result shape "
           << shapeString(resultType.getShape());
  FixedType fixed = getFixedType(getOutput());
  if (valueType.getElementTypeBitWidth() != fixed.getWidth())
    return emitOpError("value elements are i")
           << valueType.getElementTypeBitWidth() << ", expected the storage type "
           << fixed.getStorageType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

LogicalResult ShiftConv2dOp::verify() {
  if (failed(verifyConv2dShapes(*this, getWeights().getType().getShape(), getStrides(),
                                getPads(), getGroups())) ||
      failed(verifyLevels(*this, getWeights(), getCode())))
    return failure();
  return verifyAccumulator(*this, getFixedType(getInput()).getFrac() - getCode().getMinExp());
}

OpFoldResult ShiftConv2dOp::fold(FoldAdaptor) { return foldZeroWeights(*this, getWeights()); }

LogicalResult ShiftLinearOp::verify() {
  if (failed(verifyLinearShapes(*this, getWeights().getType().getShape())) ||
      failed(verifyLevels(*this, getWeights(), getCode())))
    return failure();
  return verifyAccumulator(*this, getFixedType(getInput()).getFrac() - getCode().getMinExp());
}

OpFoldResult ShiftLinearOp::fold(FoldAdaptor) { return foldZeroWeights(*this, getWeights()); }

LogicalResult AdderConv2dOp::verify() {
  if (failed(verifyConv2dShapes(*this, getWeights().getType().getShape(), getStrides(),
                                getPads(), getGroups())))
    return failure();
  if (getAccShift() < 0 || getAccShift() > 31)
    return emitOpError("acc_shift must be in [0, 31], got ") << getAccShift();
  return verifyAccumulator(*this, getFixedType(getInput()).getFrac() + getAccShift());
}

LogicalResult MulConv2dOp::verify() {
  if (failed(verifyConv2dShapes(*this, getWeights().getType().getShape(), getStrides(),
                                getPads(), getGroups())))
    return failure();
  return verifyAccumulator(*this, getFixedType(getInput()).getFrac() + getWeightFrac());
}

OpFoldResult MulConv2dOp::fold(FoldAdaptor) { return foldZeroWeights(*this, getWeights()); }

LogicalResult MulLinearOp::verify() {
  if (failed(verifyLinearShapes(*this, getWeights().getType().getShape())))
    return failure();
  return verifyAccumulator(*this, getFixedType(getInput()).getFrac() + getWeightFrac());
}

OpFoldResult MulLinearOp::fold(FoldAdaptor) { return foldZeroWeights(*this, getWeights()); }

//===----------------------------------------------------------------------===//
// RequantizeOp, AddOp, ClampOp
//===----------------------------------------------------------------------===//

/// An optional [lo, hi] clamp: two integers, ordered, inside the result type.
static LogicalResult verifyClampRange(Operation *op, std::optional<ArrayRef<int64_t>> clamp) {
  if (!clamp)
    return success();
  FixedType out = getFixedType(op->getResult(0));
  if (clamp->size() != 2)
    return op->emitOpError("clamp must be [lo, hi], got ") << shapeString(*clamp);
  int64_t lo = (*clamp)[0], hi = (*clamp)[1];
  if (lo > hi || lo < out.getMinValue() || hi > out.getMaxValue())
    return op->emitOpError("clamp [")
           << lo << ", " << hi << "] must be ordered and inside [" << out.getMinValue()
           << ", " << out.getMaxValue() << "] of " << out;
  return success();
}

int64_t RequantizeOp::getNumChannels() {
  ArrayRef<int64_t> shape = tensorType(getInput()).getShape();
  return shape.size() >= 2 ? shape[1] : 1;
}

LogicalResult RequantizeOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  if (getFixedType(getInput()).getWidth() != 32)
    return emitOpError("input must be an i32 accumulator, got ") << getFixedType(getInput());
  if (tensorType(getInput()).getShape() != tensorType(getOutput()).getShape())
    return emitOpError("result shape must equal the input shape");
  int64_t channels = getNumChannels();
  auto checkArray = [&](StringRef name, ArrayRef<int64_t> values, int64_t lo,
                        int64_t hi) -> LogicalResult {
    if (values.size() != 1 && int64_t(values.size()) != channels)
      return emitOpError() << name << " must have 1 or " << channels
                           << " (channel) elements, got " << values.size();
    for (int64_t v : values)
      if (v < lo || v > hi)
        return emitOpError() << name << " value " << v << " is outside [" << lo << ", "
                             << hi << "]";
    return success();
  };
  // Multiplier mode shifts the 64-bit product right by shift + 31 in [1, 62].
  bool multiplierMode = getMultiplier().has_value();
  if (failed(checkArray("shift", getShift(), multiplierMode ? -30 : -31, 31)))
    return failure();
  if (getBias() && failed(checkArray("bias", *getBias(), INT32_MIN, INT32_MAX)))
    return failure();
  if (multiplierMode && failed(checkArray("multiplier", *getMultiplier(), 1, INT32_MAX)))
    return failure();
  return verifyClampRange(*this, getClamp());
}

/// Whether a clamp leaves every value of `type` unchanged.
static bool coversType(FixedType type, int64_t lo, int64_t hi) {
  return lo <= type.getMinValue() && hi >= type.getMaxValue();
}

OpFoldResult RequantizeOp::fold(FoldAdaptor) {
  auto isZero = [](int64_t v) { return v == 0; };
  bool identity = getInput().getType() == getOutput().getType() &&
                  llvm::all_of(getShift(), isZero) && !getMultiplier() &&
                  (!getBias() || llvm::all_of(*getBias(), isZero)) &&
                  (!getClamp() || coversType(getFixedType(getOutput()), (*getClamp())[0],
                                             (*getClamp())[1]));
  return identity ? getInput() : OpFoldResult();
}

LogicalResult AddOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> shape = tensorType(getOutput()).getShape();
  if (tensorType(getLhs()).getShape() != shape || tensorType(getRhs()).getShape() != shape)
    return emitOpError("operands and result must have the same shape (no broadcasting)");
  return verifyClampRange(*this, getClamp());
}

LogicalResult ClampOp::verify() {
  FixedType type = getFixedType(getOutput());
  if (getMin() > getMax() || getMin() < type.getMinValue() || getMax() > type.getMaxValue())
    return emitOpError("bounds [")
           << getMin() << ", " << getMax() << "] must be ordered and inside ["
           << type.getMinValue() << ", " << type.getMaxValue() << "] of " << type;
  return success();
}

OpFoldResult ClampOp::fold(FoldAdaptor) {
  return coversType(getFixedType(getOutput()), getMin(), getMax()) ? getInput()
                                                                  : OpFoldResult();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Windows of `kernel` with pads smaller than the kernel along their axis, so
/// that every window holds an image element (spec section 9).
static LogicalResult verifyPool(Operation *op, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> strides, ArrayRef<int64_t> pads) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  ArrayRef<int64_t> in = tensorType(op->getOperand(0)).getShape();
  if (in.size() != 4)
    return op->emitOpError("input must be NCHW (rank 4), got rank ") << in.size();
  if (getFixedType(op->getOperand(0)) != getFixedType(op->getResult(0)))
    return op->emitOpError("result element type must equal the input's");
  if (kernel.size() != 2 || llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return op->emitOpError("kernel must be two positive integers, got ")
           << shapeString(kernel);
  if (failed(verifyStridesAndPads(op, strides, pads)))
    return failure();
  if (pads[0] >= kernel[0] || pads[2] >= kernel[0] || pads[1] >= kernel[1] ||
      pads[3] >= kernel[1])
    return op->emitOpError("pads ") << shapeString(pads)
                                    << " must be smaller than the kernel "
                                    << shapeString(kernel);
  int64_t oh = windowCount(in[2], pads[0], pads[2], kernel[0], strides[0]);
  int64_t ow = windowCount(in[3], pads[1], pads[3], kernel[1], strides[1]);
  if (oh < 1 || ow < 1)
    return op->emitOpError("kernel ") << shapeString(kernel)
                                      << " does not fit the padded input";
  return verifyResultShape(op, {in[0], in[1], oh, ow});
}

LogicalResult MaxPool2dOp::verify() {
  return verifyPool(*this, getKernel(), getStrides(), getPads());
}

LogicalResult AvgPool2dOp::verify() {
  return verifyPool(*this, getKernel(), getStrides(), getPads());
}

LogicalResult GlobalAvgPool2dOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = tensorType(getInput()).getShape();
  if (in.size() != 4)
    return emitOpError("input must be NCHW (rank 4), got rank ") << in.size();
  if (getFixedType(getInput()) != getFixedType(getOutput()))
    return emitOpError("result element type must equal the input's");
  return verifyResultShape(*this, {in[0], in[1], 1, 1});
}
