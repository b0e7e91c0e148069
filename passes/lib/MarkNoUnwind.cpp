//===- MarkNoUnwind.cpp - Every generated function is nounwind ------------===//

#include "shiftadd/Passes/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDMARKNOUNWIND
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;

namespace {

struct MarkNoUnwindPass : shiftadd::impl::ShiftAddMarkNoUnwindBase<MarkNoUnwindPass> {
  void runOnOperation() override {
    Builder b(&getContext());
    getOperation().walk([&](LLVM::LLVMFuncOp func) {
      SmallVector<Attribute> passthrough;
      if (ArrayAttr existing = func.getPassthroughAttr())
        passthrough.assign(existing.begin(), existing.end());
      if (!llvm::is_contained(passthrough, b.getStringAttr("nounwind")))
        passthrough.push_back(b.getStringAttr("nounwind"));
      func.setPassthroughAttr(b.getArrayAttr(passthrough));
    });
  }
};

} // namespace
