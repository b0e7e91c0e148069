//===- RebaseOffsets.cpp - Keep access offsets within immediate reach -----===//
//
// Unrolled layers load every tap and store every output channel at a
// constant offset from one carried offset. Thumb-1 word loads and stores
// take an immediate offset of 0 to 31 words, byte stores and zero-extending
// byte loads 0 to 31 bytes; a larger constant is moved into a register for
// each access. Splitting the offset into a chunk base, shared by the
// accesses of a block, plus a remainder within reach lets the code generator
// emit one add per chunk.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/DenseMap.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDREBASEOFFSETS
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;

namespace {

/// The index operand of an access that Thumb-1 has an immediate-offset form
/// of, to a rank-1 buffer: word loads (`ldr`), byte loads that are only
/// zero-extended (`ldrb`), word and byte stores (`str`, `strb`). `ldrsb`
/// takes a register offset only: a base would not help sign-extended loads.
OpOperand *immediateIndex(Operation *op) {
  auto rank1 = [](MemRefType type, ArrayRef<unsigned> widths) {
    return type.getRank() == 1 && llvm::any_of(widths, [&](unsigned w) { return type.getElementType().isInteger(w); });
  };
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    bool zeroExtended = !load->use_empty() && llvm::all_of(load->getUsers(), llvm::IsaPred<arith::ExtUIOp>);
    return rank1(load.getMemRefType(), {32}) || (zeroExtended && rank1(load.getMemRefType(), {8}))
               ? &load.getIndicesMutable()[0]
               : nullptr;
  }
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return rank1(store.getMemRefType(), {8, 32}) ? &store.getIndicesMutable()[0] : nullptr;
  return nullptr;
}

struct RebaseOffsetsPass : shiftadd::impl::ShiftAddRebaseOffsetsBase<RebaseOffsetsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (reach < 1) {
      getOperation()->emitError("shiftadd-rebase-offsets: reach must be at least 1");
      return signalPassFailure();
    }
    // (block, carried offset, chunk) -> the chunk's base, created before the
    // chunk's first access in that block.
    llvm::DenseMap<std::tuple<Block *, Value, int64_t>, Value> bases;
    // Index constants, one per value and function, at the function's start.
    llvm::DenseMap<std::pair<Operation *, int64_t>, Value> constants;
    auto indexConstant = [&](Operation *at, int64_t value) {
      auto func = at->getParentOfType<FunctionOpInterface>();
      Value &c = constants[{func, value}];
      if (!c) {
        OpBuilder b = OpBuilder::atBlockBegin(&func.getFunctionBody().front());
        c = arith::ConstantIndexOp::create(b, func.getLoc(), value);
      }
      return c;
    };
    getOperation()->walk([&](Operation *op) {
      OpOperand *indexOperand = immediateIndex(op);
      if (!indexOperand)
        return;
      auto add = indexOperand->get().getDefiningOp<arith::AddIOp>();
      APInt constant;
      if (!add || !matchPattern(add.getRhs(), m_ConstantInt(&constant)))
        return;
      int64_t offset = constant.getSExtValue(), within = offset % reach;
      if (offset < int64_t(reach))
        return;
      OpBuilder b(op);
      Value &base = bases[{op->getBlock(), add.getLhs(), offset - within}];
      if (!base)
        base = arith::AddIOp::create(b, op->getLoc(), add.getLhs(), indexConstant(op, offset - within));
      Value index =
          within ? arith::AddIOp::create(b, op->getLoc(), base, indexConstant(op, within)).getResult() : base;
      indexOperand->set(index);
      if (add->use_empty())
        add->erase();
    });
  }
};

} // namespace
