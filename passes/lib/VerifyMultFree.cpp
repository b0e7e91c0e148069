//===- VerifyMultFree.cpp - No multiplication may remain ------------------===//

#include "shiftadd/Passes/Passes.h"

#include "llvm/ADT/StringSet.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDVERIFYMULTFREE
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;

namespace {

/// Ops that multiply or divide, in the dialects code can pass through on its
/// way from shiftadd to LLVM. Matched by name: the check must see them
/// whether or not their dialect is loaded.
const llvm::StringSet<> &forbiddenOps() {
  static const llvm::StringSet<> names = {
      "arith.muli",     "arith.mulsi_extended", "arith.mului_extended", "arith.divsi",
      "arith.divui",    "arith.ceildivsi",      "arith.ceildivui",      "arith.floordivsi",
      "arith.remsi",    "arith.remui",          "arith.mulf",           "arith.divf",
      "math.ipowi",     "math.fpowi",           "index.mul",            "index.divs",
      "index.divu",     "index.ceildivs",       "index.ceildivu",       "index.floordivs",
      "index.rems",     "index.remu",           "affine.apply",         "llvm.mul",
      "llvm.sdiv",      "llvm.udiv",            "llvm.srem",            "llvm.urem",
      "llvm.fmul",      "llvm.fdiv"};
  return names;
}

struct VerifyMultFreePass : shiftadd::impl::ShiftAddVerifyMultFreeBase<VerifyMultFreePass> {
  void runOnOperation() override {
    WalkResult result = getOperation()->walk([](Operation *op) {
      if (!forbiddenOps().contains(op->getName().getStringRef()))
        return WalkResult::advance();
      op->emitError("multiplication-free code contains '")
          << op->getName() << "' (run shiftadd-expand-constant-multiplications first; "
          << "multiplications by non-constants cannot be removed)";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
