//===- LowerToLoops.cpp - shiftadd functions to loops on flat buffers -----===//
//
// The networks are static dataflow graphs, so the pass walks each function
// once: every tensor gets a flat buffer (an output argument when it is
// returned, else an alloc), and every op becomes its loop nest in order.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "shiftadd/Passes/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDLOWERTOLOOPS
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;
using namespace shiftadd;

MemRefType shiftadd::flatBufferType(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return MemRefType::get({tensor.getNumElements()},
                         cast<FixedType>(tensor.getElementType()).getStorageType());
}

bool shiftadd::isTransposed(Type type) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(type).getShape();
  return shape.size() == 4 && shape[1] > 1 && shape[2] * shape[3] > 1;
}

ChannelView shiftadd::channelView(Type type) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(type).getShape();
  if (shape.size() < 2)
    return {1, 0, 1, 0, shape.empty() ? 1 : shape[0]};
  if (shape.size() == 4) // NHWC
    return {shape[0] * shape[2] * shape[3], shape[1], shape[1], 1, 1};
  int64_t rest = 1;
  for (int64_t d : shape.drop_front(2))
    rest *= d;
  return {shape[0], shape[1] * rest, shape[1], rest, rest};
}

void shiftadd::fillBorder(Emitter &emit, Value padded, ArrayRef<int64_t> nhwc, ArrayRef<int64_t> pads,
                          int64_t fill) {
  int64_t n = nhwc[0], h = nhwc[1], w = nhwc[2], c = nhwc[3];
  int64_t top = pads[0], left = pads[1], bottom = pads[2], right = pads[3];
  int64_t wp = w + left + right, image = (h + top + bottom) * wp * c;
  Value value = emit.constant(cast<MemRefType>(padded.getType()).getElementType(), fill);
  // Runs of `count` elements, four per iteration where they divide.
  auto fillRuns = [&](int64_t first, int64_t runs, int64_t count) {
    if (!runs || !count)
      return;
    int64_t unroll = count % 4 == 0 ? 4 : 1;
    emit.nest({{n, {image}}, {runs, {wp * c}}, {count / unroll, {unroll}}}, {emit.index(first)},
              [&](ArrayRef<Value>, ArrayRef<Value> at) {
                for (int64_t i = 0; i < unroll; ++i)
                  emit.store(value, padded, at[0], i);
              });
  };
  fillRuns(0, 1, top * wp * c);                         // rows above
  fillRuns(top * wp * c, h, left * c);                  // left of each row
  fillRuns((top * wp + left + w) * c, h, right * c);    // right of each row
  fillRuns((top + h) * wp * c, 1, bottom * wp * c);     // rows below
}

Value shiftadd::padImage(Emitter &emit, Value input, Type element, ArrayRef<int64_t> nhwc,
                         ArrayRef<int64_t> pads, int64_t fill) {
  int64_t n = nhwc[0], h = nhwc[1], w = nhwc[2], c = nhwc[3];
  int64_t top = pads[0], left = pads[1], bottom = pads[2], right = pads[3];
  int64_t wp = w + left + right, image = (h + top + bottom) * wp * c, row = w * c;
  Value padded = memref::AllocOp::create(emit.builder(), MemRefType::get({n * image}, element));
  // Only the border is filled; the rows copied below cover the rest.
  fillBorder(emit, padded, nhwc, pads, fill);
  // Rows of W * C contiguous elements, four elements per iteration where
  // they divide (the loop's own instructions cost more than the copy).
  int64_t unroll = row % 4 == 0 ? 4 : 1;
  emit.nest({{n, {h * row, image}}, {h, {row, wp * c}}, {row / unroll, {unroll, unroll}}},
            {emit.index(0), emit.index((top * wp + left) * c)}, [&](ArrayRef<Value>, ArrayRef<Value> at) {
              for (int64_t i = 0; i < unroll; ++i)
                emit.store(emit.load(input, at[0], i, element), padded, at[1], i);
            });
  return padded;
}

Value shiftadd::constantGlobal(Emitter &emit, ModuleOp module, StringRef name, DenseElementsAttr data) {
  auto &b = emit.builder();
  auto type = MemRefType::get(data.getType().getShape(), data.getElementType());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(b, b.getStringAttr(name), b.getStringAttr("private"), TypeAttr::get(type), data,
                             b.getUnitAttr(), IntegerAttr());
  }
  return memref::GetGlobalOp::create(b, type, name);
}

Value FunctionLowering::createBuffer(Value tensor, ValueRange inPlaceOver) {
  if (Value out = outputBuffers.lookup(tensor))
    return out;
  Operation *op = tensor.getDefiningOp();
  // Element i of the result only needs element i of each input, read before
  // it is written: an input's buffer can take the result when nothing reads
  // it (through any tensor it holds) after this op.
  auto diesHere = [&](Value buffer) {
    if (!buffer.getDefiningOp<memref::AllocOp>() || buffer.getType() != flatBufferType(tensor.getType()))
      return false;
    for (auto &[held, heldBuffer] : buffers)
      if (heldBuffer == buffer)
        for (Operation *user : held.getUsers())
          if (user != op && !user->isBeforeInBlock(op))
            return false;
    return true;
  };
  for (Value input : inPlaceOver)
    if (Value buffer = bufferOf(input); buffer && diesHere(buffer))
      return buffer;
  return memref::AllocOp::create(emit.builder(), flatBufferType(tensor.getType()));
}

namespace {

bool isLayer(Operation *op) {
  return isa<ShiftConv2dOp, ShiftLinearOp, AdderConv2dOp, MulConv2dOp, MulLinearOp>(op);
}

/// A layer is fused with its requantization when that is its only user.
RequantizeOp fusedRequantize(Operation *layer) {
  if (!layer->getResult(0).hasOneUse())
    return {};
  return dyn_cast<RequantizeOp>(*layer->getResult(0).getUsers().begin());
}

bool isFixedTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FixedType>(tensor.getElementType());
}

/// Copies an N x C x H x W tensor between row-major (NCHW) and NHWC buffers.
void transpose(Emitter &emit, Value from, Value to, ArrayRef<int64_t> shape, bool toNHWC) {
  int64_t c = shape[1], h = shape[2], w = shape[3];
  SmallVector<int64_t> nchw = {c * h * w, h * w, w, 1}, nhwc = {h * w * c, 1, w * c, c};
  ArrayRef<int64_t> src = toNHWC ? nchw : nhwc, dst = toNHWC ? nhwc : nchw;
  SmallVector<LoopLevel> levels;
  for (auto [extent, a, b] : llvm::zip_equal(shape, src, dst))
    levels.push_back({extent, {a, b}});
  emit.nest(levels, {emit.index(0), emit.index(0)}, [&](ArrayRef<Value>, ArrayRef<Value> at) {
    emit.store(memref::LoadOp::create(emit.builder(), from, ValueRange{at[0]}), to, at[1]);
  });
}

/// A private constant global holding a shiftadd.constant's integers.
Value lowerConstant(FunctionLowering &f, ConstantOp op, ModuleOp module, int &counter) {
  MemRefType type = flatBufferType(op.getOutput().getType());
  auto values = cast<DenseIntElementsAttr>(op.getValue());
  auto flatType = RankedTensorType::get(type.getShape(), type.getElementType());
  DenseElementsAttr flat = values.reshape(flatType);
  if (isTransposed(op.getOutput().getType())) { // stored NHWC
    ArrayRef<int64_t> s = op.getOutput().getType().getShape();
    SmallVector<APInt> nchw(values.getValues<APInt>()), nhwc(nchw.size());
    for (int64_t n = 0, i = 0; n < s[0]; ++n)
      for (int64_t c = 0; c < s[1]; ++c)
        for (int64_t h = 0; h < s[2]; ++h)
          for (int64_t w = 0; w < s[3]; ++w, ++i)
            nhwc[((n * s[2] + h) * s[3] + w) * s[1] + c] = nchw[i];
    flat = DenseElementsAttr::get(flatType, nhwc);
  }
  return constantGlobal(f.emit, module, "__shiftadd_constant_" + std::to_string(counter++), flat);
}

/// Concatenation: images along channels (NHWC: each pixel's channels in
/// turn), anything else row-major along `dim`. Both are blocks copied in turn
/// for each index of the dimensions outside them.
LogicalResult lowerConcat(FunctionLowering &f, tensor::ConcatOp op) {
  Emitter &emit = f.emit;
  auto type = op.getResultType();
  int64_t dim = int64_t(op.getDim());
  bool image = isTransposed(type);
  if (image && dim != 1)
    return op.emitError("lower-to-loops: images concatenate along channels (dim 1) only");
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = 1;
  for (int64_t d = 0; d < (image ? 4 : dim); ++d)
    if (!image || d != 1)
      outer *= shape[d];
  auto blockOf = [&](Value v) {
    ArrayRef<int64_t> s = cast<RankedTensorType>(v.getType()).getShape();
    int64_t block = 1;
    for (int64_t d = image ? 1 : dim; d < (image ? 2 : int64_t(s.size())); ++d)
      block *= s[d];
    return block;
  };
  int64_t total = 0;
  for (Value v : op.getInputs())
    total += blockOf(v);
  Value output = f.createBuffer(op.getResult());
  int64_t start = 0;
  for (Value v : op.getInputs()) {
    int64_t block = blockOf(v);
    Value input = f.bufferOf(v);
    emit.nest({{outer, {block, total}}, {block, {1, 1}}}, {emit.index(0), emit.index(start)},
              [&](ArrayRef<Value>, ArrayRef<Value> at) {
                emit.store(memref::LoadOp::create(emit.builder(), input, ValueRange{at[0]}), output, at[1]);
              });
    start += block;
  }
  f.buffers[op.getResult()] = output;
  return success();
}

LogicalResult lowerFunction(func::FuncOp func, ModuleOp module, int &constants,
                            const ShiftAddLowerToLoopsOptions &options) {
  // New signature: flat input buffers, then one output buffer per result.
  SmallVector<Type> argTypes;
  for (Type t : llvm::concat<const Type>(func.getArgumentTypes(), func.getResultTypes())) {
    if (!isFixedTensor(t))
      return func.emitError("lower-to-loops: arguments and results must be tensors of "
                            "!shiftadd.fixed, got ")
             << t;
    argTypes.push_back(flatBufferType(t));
  }
  OpBuilder top(func);
  auto lowered = func::FuncOp::create(top, func.getLoc(), func.getName(),
                                      top.getFunctionType(argTypes, {}));
  lowered.setVisibility(func.getVisibility());
  Block *entry = lowered.addEntryBlock();
  ImplicitLocOpBuilder b(func.getLoc(), entry, entry->begin());
  Emitter emit(b);
  FunctionLowering f(emit);
  f.channelBlocks = options.channelBlocks;
  f.channelTile = std::max(1u, options.channelTile);
  f.exponentSums = options.exponentSums;
  f.pixelPairs = options.pixelPairs;
  f.wideInputs = options.wideInputs;
  f.paddingCopies = options.paddingCopies;
  f.tileWords = options.tileWords;

  // Arguments and results are row-major (NCHW) at the boundary.
  unsigned numInputs = func.getNumArguments();
  for (auto [arg, buffer] : llvm::zip(func.getArguments(), entry->getArguments())) {
    f.buffers[arg] = buffer;
    if (isTransposed(arg.getType())) {
      f.buffers[arg] = memref::AllocOp::create(b, flatBufferType(arg.getType()));
      transpose(emit, buffer, f.buffers[arg], cast<RankedTensorType>(arg.getType()).getShape(),
                /*toNHWC=*/true);
    }
  }
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    Operation *def = value.getDefiningOp();
    bool computedHere = def && !isa<ConstantOp, tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def);
    if (computedHere && !isTransposed(value.getType()) &&
        llvm::count(ret.getOperands(), value) == 1)
      f.outputBuffers[value] = entry->getArgument(numInputs + i);
  }

  for (Operation &op : func.getBody().front().without_terminator()) {
    if (f.buffers.count(op.getResult(0)))
      continue; // a requantization fused into its layer
    b.setLoc(op.getLoc());
    LogicalResult status =
        llvm::TypeSwitch<Operation *, LogicalResult>(&op)
            .Case([&](ConstantOp c) {
              f.buffers[c.getOutput()] = lowerConstant(f, c, module, constants);
              return success();
            })
            .Case([&](RequantizeOp r) { return lowerRequantize(f, r); })
            .Case([&](AddOp a) { return lowerAdd(f, a); })
            .Case([&](ClampOp c) { return lowerClamp(f, c); })
            .Case<MaxPool2dOp, AvgPool2dOp>([&](Operation *p) { return lowerPool(f, p); })
            .Case([&](GlobalAvgPool2dOp g) { return lowerGlobalAvgPool(f, g); })
            .Case<tensor::CollapseShapeOp, tensor::ExpandShapeOp>([&](Operation *r) {
              // Row-major reshapes keep the buffer; to or from NHWC they transpose.
              Value from = r->getOperand(0), to = r->getResult(0);
              Value buffer = f.bufferOf(from);
              if (isTransposed(from.getType()) || isTransposed(to.getType())) {
                bool toNHWC = isTransposed(to.getType());
                Value image = toNHWC ? to : from;
                buffer = memref::AllocOp::create(b, flatBufferType(to.getType()));
                transpose(emit, f.bufferOf(from), buffer,
                          cast<RankedTensorType>(image.getType()).getShape(), toNHWC);
              }
              f.buffers[to] = buffer;
              return success();
            })
            .Case([&](tensor::ConcatOp c) { return lowerConcat(f, c); })
            .Default([&](Operation *other) -> LogicalResult {
              if (isLayer(other))
                return lowerLayer(f, other, fusedRequantize(other));
              return other->emitError("lower-to-loops: unsupported operation '")
                     << other->getName() << "'";
            });
    if (failed(status)) {
      lowered.erase();
      return failure();
    }
  }
  b.setLoc(ret.getLoc());
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    Value out = entry->getArgument(numInputs + i);
    // A loop, not memref.copy: its lowering computes the byte count with a
    // multiplication.
    Value in = f.bufferOf(value);
    if (isTransposed(value.getType()))
      transpose(emit, in, out, cast<RankedTensorType>(value.getType()).getShape(),
                /*toNHWC=*/false);
    else if (in != out)
      emit.nest({{cast<MemRefType>(out.getType()).getNumElements(), {1}}}, {emit.index(0)},
                [&](ArrayRef<Value>, ArrayRef<Value> at) {
                  emit.store(memref::LoadOp::create(b, in, ValueRange{at[0]}), out, at[0]);
                });
  }
  func::ReturnOp::create(b);
  func.erase();
  return success();
}

struct LowerToLoopsPass : shiftadd::impl::ShiftAddLowerToLoopsBase<LowerToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ShiftAddLowerToLoopsOptions options;
    options.channelBlocks = channelBlocks, options.channelTile = channelTile;
    options.exponentSums = exponentSums, options.pixelPairs = pixelPairs;
    options.wideInputs = wideInputs, options.tileWords = tileWords, options.paddingCopies = paddingCopies;
    int constants = 0;
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      if (failed(lowerFunction(func, module, constants, options)))
        return signalPassFailure();
    }
  }
};

} // namespace
