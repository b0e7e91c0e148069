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

Value FunctionLowering::createBuffer(Value tensor) {
  if (Value out = outputBuffers.lookup(tensor))
    return out;
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

/// A private constant global holding a shiftadd.constant's integers.
Value lowerConstant(FunctionLowering &f, ConstantOp op, ModuleOp module, int &counter) {
  auto &b = f.emit.builder();
  MemRefType type = flatBufferType(op.getOutput().getType());
  auto values = cast<DenseIntElementsAttr>(op.getValue());
  auto flat = values.reshape(RankedTensorType::get(type.getShape(), type.getElementType()));
  std::string name = "__shiftadd_constant_" + std::to_string(counter++);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(b, b.getStringAttr(name), b.getStringAttr("private"),
                             TypeAttr::get(type), flat, b.getUnitAttr(), IntegerAttr());
  }
  return memref::GetGlobalOp::create(b, type, name);
}

LogicalResult lowerFunction(func::FuncOp func, ModuleOp module, int &constants) {
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

  unsigned numInputs = func.getNumArguments();
  for (auto [arg, buffer] : llvm::zip(func.getArguments(), entry->getArguments()))
    f.buffers[arg] = buffer;
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    Operation *def = value.getDefiningOp();
    bool computedHere = def && !isa<ConstantOp, tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def);
    if (computedHere && llvm::count(ret.getOperands(), value) == 1)
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
              // Row-major reshapes keep the flat buffer as it is.
              f.buffers[r->getResult(0)] = f.bufferOf(r->getOperand(0));
              return success();
            })
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
    if (in != out)
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
  void runOnOperation() override {
    ModuleOp module = getOperation();
    int constants = 0;
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      if (failed(lowerFunction(func, module, constants)))
        return signalPassFailure();
    }
  }
};

} // namespace
