//===- StaticBuffers.cpp - Allocations as zero-initialized globals --------===//

#include "shiftadd/Passes/Passes.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDSTATICBUFFERS
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;

namespace {

struct StaticBuffersPass : shiftadd::impl::ShiftAddStaticBuffersBase<StaticBuffersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<memref::AllocOp> allocs;
    module.walk([&](memref::AllocOp op) { allocs.push_back(op); });
    int counter = 0;
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity()) {
        alloc.emitError("static-buffers: needs a statically shaped, contiguous buffer");
        return signalPassFailure();
      }
      OpBuilder b(module.getBody(), module.getBody()->begin());
      std::string name = "__shiftadd_buffer_" + std::to_string(counter++);
      auto zeros = DenseElementsAttr::get(
          RankedTensorType::get(type.getShape(), type.getElementType()),
          b.getZeroAttr(type.getElementType()));
      memref::GlobalOp::create(b, alloc.getLoc(), b.getStringAttr(name),
                               b.getStringAttr("private"), TypeAttr::get(type), zeros,
                               /*constant=*/UnitAttr(), b.getI64IntegerAttr(4));
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      b.setInsertionPoint(alloc);
      alloc.replaceAllUsesWith(
          memref::GetGlobalOp::create(b, alloc.getLoc(), type, name).getResult());
      alloc.erase();
    }
  }
};

} // namespace
