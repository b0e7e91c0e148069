//===- Interpreter.cpp - Reference interpreter of shiftadd ----------------===//
//
// Every kernel is the formula of docs/spec.md written out with plain loops on
// 128-bit integers, so that no intermediate can overflow and nothing depends
// on how the compiled code is organised.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Interpreter/Interpreter.h"
#include "shiftadd/IR/ShiftAdd.h"
#include "shiftadd/Support/ShiftCode.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace shiftadd;

namespace {

using Int = __int128;

//===----------------------------------------------------------------------===//
// Scalar rules (spec section 1)
//===----------------------------------------------------------------------===//

/// floor(a / b) for b > 0.
Int floorDiv(Int a, Int b) {
  Int q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// R(v, s): v / 2^s rounded half up, or v * 2^-s for s <= 0.
Int roundShift(Int v, int64_t s) {
  if (s <= 0)
    return v * (Int(1) << -s);
  return floorDiv(v + (Int(1) << (s - 1)), Int(1) << s);
}

/// D(S, n): S / n rounded half up.
Int roundDiv(Int sum, Int n) { return floorDiv(2 * sum + n, 2 * n); }

Int clampTo(Int v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

int64_t numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Tensor makeTensor(Value value) {
  Tensor t;
  t.shape = llvm::to_vector(cast<RankedTensorType>(value.getType()).getShape());
  t.data.assign(numElements(t.shape), 0);
  return t;
}

/// Element (n, c, h, w) of an NCHW tensor.
int64_t at4(const Tensor &t, int64_t n, int64_t c, int64_t h, int64_t w) {
  return t.data[((n * t.shape[1] + c) * t.shape[2] + h) * t.shape[3] + w];
}

/// Index of the channel (axis 1) of flat element `i`.
int64_t channelOf(ArrayRef<int64_t> shape, int64_t i) {
  if (shape.size() < 2)
    return 0;
  int64_t inner = numElements(shape.drop_front(2));
  return (i / inner) % shape[1];
}

/// Stores an exact result, failing if it does not fit the result's storage
/// type: a verified op never does, so this guards the verifiers themselves.
LogicalResult store(Operation *op, Tensor &t, int64_t i, Int v) {
  FixedType type = getFixedType(op->getResult(0));
  if (v < type.getMinValue() || v > type.getMaxValue())
    return op->emitError("interpreter: result ")
           << int64_t(v) << " at element " << i << " does not fit " << type;
  t.data[i] = int64_t(v);
  return success();
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

/// Convolution geometry of spec section 5 with a per-tap term(x, w); linear
/// layers are the 1x1 case.
struct Conv {
  SmallVector<int64_t, 4> weightShape; // O x C/g x KH x KW
  SmallVector<int64_t, 2> strides = {1, 1};
  SmallVector<int64_t, 4> pads = {0, 0, 0, 0};
  int64_t groups = 1;
};

template <typename Term>
FailureOr<Tensor> convolve(Operation *op, const Tensor &x, const Conv &conv,
                           DenseIntElementsAttr weightAttr, Term term) {
  SmallVector<int64_t> w = llvm::map_to_vector(
      weightAttr.getValues<APInt>(), [](const APInt &v) { return v.getSExtValue(); });
  Tensor y = makeTensor(op->getResult(0));
  y.shape.resize(4, 1); // linear layers: (N, O) as (N, O, 1, 1)
  int64_t kh = conv.weightShape[2], kw = conv.weightShape[3];
  int64_t cPerGroup = conv.weightShape[1], oPerGroup = conv.weightShape[0] / conv.groups;
  int64_t height = x.shape[2], width = x.shape[3];
  int64_t i = 0;
  for (int64_t n = 0; n < y.shape[0]; ++n)
    for (int64_t o = 0; o < y.shape[1]; ++o)
      for (int64_t oh = 0; oh < y.shape[2]; ++oh)
        for (int64_t ow = 0; ow < y.shape[3]; ++ow, ++i) {
          Int acc = 0;
          int64_t group = o / oPerGroup;
          for (int64_t c = 0; c < cPerGroup; ++c)
            for (int64_t r = 0; r < kh; ++r)
              for (int64_t s = 0; s < kw; ++s) {
                int64_t ih = oh * conv.strides[0] + r - conv.pads[0];
                int64_t iw = ow * conv.strides[1] + s - conv.pads[1];
                bool inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
                int64_t xv = inside ? at4(x, n, group * cPerGroup + c, ih, iw) : 0;
                acc += term(xv, w[((o * cPerGroup + c) * kh + r) * kw + s]);
              }
          if (failed(store(op, y, i, acc)))
            return failure();
        }
  return y;
}

/// Linear layers as 1x1 convolutions of (N, I, 1, 1).
template <typename Term>
FailureOr<Tensor> linear(Operation *op, const Tensor &x, DenseIntElementsAttr weights,
                         Term term) {
  Tensor x4 = x;
  x4.shape = {x.shape[0], x.shape[1], 1, 1};
  ArrayRef<int64_t> ws = weights.getType().getShape();
  Conv conv;
  conv.weightShape = {ws[0], ws[1], 1, 1};
  FailureOr<Tensor> y = convolve(op, x4, conv, weights, term);
  if (succeeded(y))
    y->shape = llvm::to_vector(cast<RankedTensorType>(op->getResult(0).getType()).getShape());
  return y;
}

auto shiftTerm(ShiftCodeAttr attr) {
  ShiftCode code{int(attr.getBits()), int(attr.getMaxExp())};
  return [code](int64_t x, int64_t level) { return Int(x) * code.integerWeight(int(level)); };
}

Int mulTerm(int64_t x, int64_t w) { return Int(x) * w; }

Int adderTerm(int64_t x, int64_t w) { return x > w ? -(Int(x) - w) : -(Int(w) - x); }

Conv convOf(ShapedType weightType, ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
            int64_t groups) {
  Conv conv;
  conv.weightShape.assign(weightType.getShape().begin(), weightType.getShape().end());
  conv.strides.assign(strides.begin(), strides.end());
  conv.pads.assign(pads.begin(), pads.end());
  conv.groups = groups;
  return conv;
}

FailureOr<Tensor> requantize(RequantizeOp op, const Tensor &x) {
  Tensor y = makeTensor(op.getOutput());
  FixedType out = getFixedType(op.getOutput());
  auto [lo, hi] = clampBounds(op.getClamp(), out);
  for (int64_t i = 0, e = int64_t(x.data.size()); i < e; ++i) {
    int64_t c = channelOf(x.shape, i);
    Int v = Int(x.data[i]) + (op.getBias() ? channelValue(*op.getBias(), c) : 0);
    int64_t shift = channelValue(op.getShift(), c);
    Int r = op.getMultiplier()
                ? roundShift(v * channelValue(*op.getMultiplier(), c), shift + 31)
                : roundShift(v, shift);
    if (failed(store(op, y, i, clampTo(r, lo, hi))))
      return failure();
  }
  return y;
}

FailureOr<Tensor> add(AddOp op, const Tensor &x, const Tensor &y) {
  Tensor z = makeTensor(op.getOutput());
  int64_t fx = getFixedType(op.getLhs()).getFrac(), fy = getFixedType(op.getRhs()).getFrac();
  FixedType out = getFixedType(op.getOutput());
  int64_t common = std::max(fx, fy);
  auto [lo, hi] = clampBounds(op.getClamp(), out);
  for (size_t i = 0; i < z.data.size(); ++i) {
    Int sum = roundShift(x.data[i], fx - common) + roundShift(y.data[i], fy - common);
    Int r = roundShift(sum, common - out.getFrac());
    if (failed(store(op, z, i, clampTo(r, lo, hi))))
      return failure();
  }
  return z;
}

/// Visits the image elements of every window (spec section 9), calling
/// reduce(window values, window size including padding) for each output.
template <typename Reduce>
FailureOr<Tensor> pool(Operation *op, const Tensor &x, ArrayRef<int64_t> kernel,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> pads, Reduce reduce) {
  Tensor y = makeTensor(op->getResult(0));
  int64_t i = 0;
  for (int64_t n = 0; n < y.shape[0]; ++n)
    for (int64_t c = 0; c < y.shape[1]; ++c)
      for (int64_t oh = 0; oh < y.shape[2]; ++oh)
        for (int64_t ow = 0; ow < y.shape[3]; ++ow, ++i) {
          SmallVector<int64_t> window;
          for (int64_t r = 0; r < kernel[0]; ++r)
            for (int64_t s = 0; s < kernel[1]; ++s) {
              int64_t ih = oh * strides[0] + r - pads[0];
              int64_t iw = ow * strides[1] + s - pads[1];
              if (ih >= 0 && ih < x.shape[2] && iw >= 0 && iw < x.shape[3])
                window.push_back(at4(x, n, c, ih, iw));
            }
          if (failed(store(op, y, i, reduce(window, kernel[0] * kernel[1]))))
            return failure();
        }
  return y;
}

Int sumOf(ArrayRef<int64_t> values) {
  Int sum = 0;
  for (int64_t v : values)
    sum += v;
  return sum;
}

FailureOr<Tensor> maxPool(MaxPool2dOp op, const Tensor &x) {
  return pool(op, x, op.getKernel(), op.getStrides(), op.getPads(),
              [](ArrayRef<int64_t> window, int64_t) {
                // Verified pads are smaller than the kernel: no window is empty.
                Int best = INT64_MIN;
                for (int64_t v : window)
                  best = std::max<Int>(best, v);
                return best;
              });
}

FailureOr<Tensor> avgPool(AvgPool2dOp op, const Tensor &x) {
  bool includePad = op.getCountIncludePad();
  return pool(op, x, op.getKernel(), op.getStrides(), op.getPads(),
              [&](ArrayRef<int64_t> window, int64_t kernelSize) {
                return roundDiv(sumOf(window), includePad ? kernelSize : int64_t(window.size()));
              });
}

FailureOr<Tensor> globalAvgPool(GlobalAvgPool2dOp op, const Tensor &x) {
  SmallVector<int64_t> kernel = {x.shape[2], x.shape[3]};
  SmallVector<int64_t> strides = {1, 1}, pads = {0, 0, 0, 0};
  return pool(op, x, kernel, strides, pads, [](ArrayRef<int64_t> window, int64_t) {
    return roundDiv(sumOf(window), int64_t(window.size()));
  });
}

FailureOr<Tensor> clamp(ClampOp op, const Tensor &x) {
  Tensor y = makeTensor(op.getOutput());
  for (size_t i = 0; i < y.data.size(); ++i)
    y.data[i] = int64_t(clampTo(x.data[i], op.getMin(), op.getMax()));
  return y;
}

FailureOr<Tensor> constant(ConstantOp op) {
  Tensor y = makeTensor(op.getOutput());
  auto values = op.getValue().getValues<APInt>();
  llvm::transform(values, y.data.begin(), [](const APInt &v) { return v.getSExtValue(); });
  return y;
}

/// Row-major concatenation along `dim`: for each index of the dimensions
/// before it, each input's block in turn.
FailureOr<Tensor> concat(tensor::ConcatOp op, ArrayRef<const Tensor *> inputs) {
  Tensor y = makeTensor(op.getResult());
  int64_t dim = int64_t(op.getDim());
  int64_t outer = numElements(ArrayRef<int64_t>(y.shape).take_front(dim));
  size_t at = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor *x : inputs) {
      int64_t block = numElements(ArrayRef<int64_t>(x->shape).drop_front(dim));
      for (int64_t i = 0; i < block; ++i)
        y.data[at++] = x->data[o * block + i];
    }
  return y;
}

/// Reshapes keep the row-major data.
FailureOr<Tensor> reshape(Operation *op, const Tensor &x) {
  Tensor y = x;
  y.shape = llvm::to_vector(cast<RankedTensorType>(op->getResult(0).getType()).getShape());
  return y;
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

LogicalResult checkArgument(func::FuncOp func, unsigned index, const Tensor &arg) {
  auto type = dyn_cast<RankedTensorType>(func.getArgument(index).getType());
  if (!type || !isa<FixedType>(type.getElementType()))
    return func.emitError("interpreter: argument ")
           << index << " must be a tensor of !shiftadd.fixed, got "
           << func.getArgument(index).getType();
  if (ArrayRef<int64_t>(arg.shape) != type.getShape())
    return func.emitError("interpreter: argument ")
           << index << " has shape [" << arg.shape << "], expected " << type;
  FixedType fixed = cast<FixedType>(type.getElementType());
  for (auto [i, v] : llvm::enumerate(arg.data))
    if (v < fixed.getMinValue() || v > fixed.getMaxValue())
      return func.emitError("interpreter: argument ")
             << index << " element " << i << " = " << v << " does not fit " << fixed;
  return success();
}

} // namespace

FailureOr<SmallVector<Tensor>> shiftadd::interpret(func::FuncOp func, ArrayRef<Tensor> args) {
  if (func.isExternal())
    return func.emitError("interpreter: function has no body");
  if (args.size() != func.getNumArguments())
    return func.emitError("interpreter: expected ")
           << func.getNumArguments() << " arguments, got " << args.size();
  DenseMap<Value, Tensor> values;
  for (auto [index, arg] : llvm::enumerate(args)) {
    if (failed(checkArgument(func, index, arg)))
      return failure();
    values[func.getArgument(index)] = arg;
  }
  if (!func.getBody().hasOneBlock())
    return func.emitError("interpreter: functions must have a single block");

  for (Operation &op : func.getBody().front()) {
    auto in = [&](unsigned i) -> const Tensor & { return values[op.getOperand(i)]; };
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      SmallVector<Tensor> results;
      for (Value v : ret.getOperands())
        results.push_back(values[v]);
      return results;
    }
    FailureOr<Tensor> result =
        llvm::TypeSwitch<Operation *, FailureOr<Tensor>>(&op)
            .Case([&](ConstantOp c) { return constant(c); })
            .Case([&](ShiftConv2dOp c) {
              return convolve(c, in(0),
                              convOf(c.getWeights().getType(), c.getStrides(), c.getPads(),
                                     c.getGroups()),
                              c.getWeights(), shiftTerm(c.getCode()));
            })
            .Case([&](AdderConv2dOp c) {
              Int scale = Int(1) << c.getAccShift();
              return convolve(c, in(0),
                              convOf(c.getWeights().getType(), c.getStrides(), c.getPads(),
                                     c.getGroups()),
                              c.getWeights(), [scale](int64_t x, int64_t w) { return adderTerm(x, w) * scale; });
            })
            .Case([&](MulConv2dOp c) {
              return convolve(c, in(0),
                              convOf(c.getWeights().getType(), c.getStrides(), c.getPads(),
                                     c.getGroups()),
                              c.getWeights(), mulTerm);
            })
            .Case([&](ShiftLinearOp c) {
              return linear(c, in(0), c.getWeights(), shiftTerm(c.getCode()));
            })
            .Case([&](MulLinearOp c) { return linear(c, in(0), c.getWeights(), mulTerm); })
            .Case([&](RequantizeOp r) { return requantize(r, in(0)); })
            .Case([&](AddOp a) { return add(a, in(0), in(1)); })
            .Case([&](ClampOp c) { return clamp(c, in(0)); })
            .Case([&](MaxPool2dOp p) { return maxPool(p, in(0)); })
            .Case([&](AvgPool2dOp p) { return avgPool(p, in(0)); })
            .Case([&](GlobalAvgPool2dOp p) { return globalAvgPool(p, in(0)); })
            .Case<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(
                [&](Operation *r) { return reshape(r, in(0)); })
            .Case([&](tensor::ConcatOp c) {
              SmallVector<const Tensor *> inputs;
              for (Value v : c.getInputs())
                inputs.push_back(&values[v]);
              return concat(c, inputs);
            })
            .Default([](Operation *other) -> FailureOr<Tensor> {
              return other->emitError("interpreter: unsupported operation '")
                     << other->getName() << "'";
            });
    if (failed(result))
      return failure();
    values[op.getResult(0)] = std::move(*result);
  }
  return func.emitError("interpreter: function has no return");
}
