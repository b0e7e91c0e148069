//===- RebaseLoadOffsets.cpp - Keep tap offsets within immediate reach ----===//
//
// Unrolled layers load every tap at a constant offset from one carried
// offset. Thumb-1 word loads take an immediate offset of 0 to 31 words only;
// a larger constant is moved into a register for each load. Splitting the
// offset into a chunk base, shared by the loads of a block, plus a remainder
// within reach lets the code generator emit one add per chunk instead.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/DenseMap.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDREBASELOADOFFSETS
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;

namespace {

struct RebaseLoadOffsetsPass : shiftadd::impl::ShiftAddRebaseLoadOffsetsBase<RebaseLoadOffsetsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (reach < 1) {
      getOperation()->emitError("shiftadd-rebase-load-offsets: reach must be at least 1");
      return signalPassFailure();
    }
    // (block, carried offset, chunk) -> the chunk's base, created before the
    // chunk's first load in that block.
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
    getOperation()->walk([&](memref::LoadOp load) {
      auto type = load.getMemRefType();
      if (type.getRank() != 1 || !type.getElementType().isInteger(32))
        return;
      auto add = load.getIndices()[0].getDefiningOp<arith::AddIOp>();
      APInt constant;
      if (!add || !matchPattern(add.getRhs(), m_ConstantInt(&constant)))
        return;
      int64_t offset = constant.getSExtValue(), within = offset % reach;
      if (offset < int64_t(reach))
        return;
      OpBuilder b(load);
      Value &base = bases[{load->getBlock(), add.getLhs(), offset - within}];
      if (!base)
        base = arith::AddIOp::create(b, load.getLoc(), add.getLhs(), indexConstant(load, offset - within));
      Value index =
          within ? arith::AddIOp::create(b, load.getLoc(), base, indexConstant(load, within)).getResult() : base;
      load.getIndicesMutable()[0].set(index);
      if (add->use_empty())
        add->erase();
    });
  }
};

} // namespace
