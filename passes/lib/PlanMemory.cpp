//===- PlanMemory.cpp - Buffers at fixed offsets of one arena -------------===//
//
// Liveness is measured in top-level ops of the function body: the lowering
// emits one loop nest per layer there, and every buffer is allocated at that
// level, so an interval [first, last] of top-level indices is exact enough
// and cheap (no dataflow analysis over the loops is needed).
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDPLANMEMORY
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 16;

struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes = 0, first = 0, last = 0, offset = 0;
};

/// The index of `op`'s ancestor in the function body's block.
int64_t topLevelIndex(Operation *op, Block &body, const DenseMap<Operation *, int64_t> &index) {
  while (op->getBlock() != &body)
    op = op->getParentOp();
  return index.lookup(op);
}

/// The last top-level index at which `value` or a memref derived from it is used.
int64_t lastUse(Value value, Block &body, const DenseMap<Operation *, int64_t> &index) {
  int64_t last = 0;
  SmallVector<Value> work{value};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      last = std::max(last, topLevelIndex(user, body, index));
      for (Value r : user->getResults())
        if (isa<MemRefType>(r.getType()))
          work.push_back(r); // views, reshapes and casts alias the buffer
    }
  }
  return last;
}

struct PlanMemoryPass : shiftadd::impl::ShiftAddPlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(plan(func)))
        return signalPassFailure();
  }

  LogicalResult plan(func::FuncOp func) {
    Block &body = func.getBody().front();
    DenseMap<Operation *, int64_t> index;
    for (auto [i, op] : llvm::enumerate(body))
      index[&op] = int64_t(i);
    std::vector<Buffer> buffers;
    WalkResult walk = func.walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity())
        return alloc.emitError("plan-memory: needs a statically shaped, contiguous buffer"),
               WalkResult::interrupt();
      Buffer b;
      b.alloc = alloc;
      b.bytes = type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
      b.first = topLevelIndex(alloc, body, index);
      b.last = std::max(b.first, lastUse(alloc.getResult(), body, index));
      buffers.push_back(b);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    // Largest first, each at the lowest aligned offset clear of every placed
    // buffer whose lifetime overlaps.
    std::vector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::stable_sort(order, [](Buffer *a, Buffer *b) { return a->bytes > b->bytes; });
    std::vector<Buffer *> placed;
    int64_t arena = 0;
    for (Buffer *b : order) {
      std::vector<std::pair<int64_t, int64_t>> taken;
      for (Buffer *p : placed)
        if (p->first <= b->last && b->first <= p->last)
          taken.push_back({p->offset, p->offset + p->bytes});
      llvm::sort(taken);
      int64_t offset = 0;
      for (auto [start, end] : taken) {
        if (offset + b->bytes <= start)
          break;
        offset = std::max(offset, (end + kAlignment - 1) / kAlignment * kAlignment);
      }
      b->offset = offset;
      arena = std::max(arena, offset + b->bytes);
      placed.push_back(b);
    }
    // The lower bound: the most bytes alive at one top-level op. (The block's
    // size() walks its list: with unrolled code it has tens of thousands of ops.)
    int64_t peak = 0;
    for (int64_t i = 0, count = int64_t(index.size()); i < count; ++i) {
      int64_t live = 0;
      for (const Buffer &b : buffers)
        if (b.first <= i && i <= b.last)
          live += b.bytes;
      peak = std::max(peak, live);
    }

    // The arena argument, last (after the outputs).
    auto arenaType = MemRefType::get({arena}, IntegerType::get(func.getContext(), 8));
    if (failed(func.insertArgument(func.getNumArguments(), arenaType, {}, func.getLoc())))
      return failure();
    Value arenaArg = body.getArgument(body.getNumArguments() - 1);
    for (Buffer &b : buffers) {
      OpBuilder builder(b.alloc);
      Value offset = arith::ConstantIndexOp::create(builder, b.alloc.getLoc(), b.offset);
      Value view = memref::ViewOp::create(builder, b.alloc.getLoc(), b.alloc.getType(), arenaArg, offset,
                                          ValueRange{});
      for (Operation *user : llvm::make_early_inc_range(b.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      b.alloc.replaceAllUsesWith(view);
      b.alloc.erase();
    }
    Builder attrs(func.getContext());
    func->setAttr("shiftadd.arena_size", attrs.getI64IntegerAttr(arena));
    func->setAttr("shiftadd.arena_peak", attrs.getI64IntegerAttr(peak));
    return success();
  }
};

} // namespace
