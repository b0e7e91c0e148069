//===- OutlineLoops.cpp - A function per top-level loop nest --------------===//

#include "shiftadd/Passes/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDOUTLINELOOPS
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;

namespace {

/// Constants and globals are cloned into the outlined function rather than
/// passed: the code generator then still sees tap offsets as immediates.
bool isClonable(Value v) {
  Operation *def = v.getDefiningOp();
  return def && (matchPattern(def, m_Constant()) || isa<memref::GetGlobalOp>(def));
}

/// Buffers pass as bare pointers (docs/codegen.md), which needs static shapes
/// and the identity layout; a loop that reads anything else stays in place.
bool isPassable(Value v) {
  auto memref = dyn_cast<MemRefType>(v.getType());
  return !memref || (memref.hasStaticShape() && memref.getLayout().isIdentity());
}

/// Moves `loop` into a new private function inserted after `after` (which
/// becomes that function) and calls it in the loop's place.
LogicalResult outline(scf::ForOp loop, func::FuncOp parent, SymbolTable &symbols, Operation *&after,
                      unsigned index) {
  SetVector<Value> used(loop->operand_begin(), loop->operand_end());
  getUsedValuesDefinedAbove(loop->getRegions(), used);
  SmallVector<Value> arguments;
  for (Value v : used)
    if (!isClonable(v)) {
      if (!isPassable(v))
        return failure();
      arguments.push_back(v);
    }

  OpBuilder b(loop->getContext());
  std::string name = ("__shiftadd_" + parent.getSymName() + "_loop" + llvm::Twine(index)).str();
  auto callee = func::FuncOp::create(b, loop.getLoc(), name,
                                     b.getFunctionType(ValueRange(arguments).getTypes(), {}));
  callee.setPrivate();
  // Internal in the object file too: the conversion to LLVM reads this.
  callee->setAttr("llvm.linkage", LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
  // Renamed with a unique suffix where the name is taken.
  symbols.insert(callee, std::next(Block::iterator(after)));
  after = callee;
  Block *body = callee.addEntryBlock();
  b.setInsertionPointToStart(body);
  IRMapping mapping;
  mapping.map(arguments, body->getArguments());
  for (Value v : used)
    if (isClonable(v))
      mapping.map(v, b.clone(*v.getDefiningOp())->getResult(0));
  b.clone(*loop, mapping);
  func::ReturnOp::create(b, loop.getLoc());

  b.setInsertionPoint(loop);
  func::CallOp::create(b, loop.getLoc(), callee, arguments);
  loop.erase();
  return success();
}

struct OutlineLoopsPass : shiftadd::impl::ShiftAddOutlineLoopsBase<OutlineLoopsPass> {
  void runOnOperation() override {
    SymbolTable symbols(getOperation());
    SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      if (func.isExternal())
        continue;
      // Only loops whose results nobody reads: a loop nest that writes buffers.
      SmallVector<scf::ForOp> loops;
      for (auto loop : func.getBody().getOps<scf::ForOp>())
        if (loop->use_empty())
          loops.push_back(loop);
      Operation *after = func;
      unsigned index = 0;
      for (scf::ForOp loop : loops)
        if (succeeded(outline(loop, func, symbols, after, index)))
          ++index;
    }
  }
};

} // namespace
