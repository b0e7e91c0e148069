//===- ShiftAddCanonicalize.cpp - Canonicalization patterns ---------------===//
//
// Rewrites that keep the integers of docs/spec.md exactly: each pattern says
// why its result is bit-identical to its input.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/IR/ShiftAdd.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace shiftadd;

namespace {

/// clamp(clamp(x, a, b), c, d) -> clamp(x, max(a, c), min(b, d)): clamping to
/// nested intervals is clamping to their intersection (when it is not empty).
struct MergeClamps : OpRewritePattern<ClampOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ClampOp outer, PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<ClampOp>();
    if (!inner)
      return failure();
    int64_t lo = std::max(inner.getMin(), outer.getMin());
    int64_t hi = std::min(inner.getMax(), outer.getMax());
    if (lo > hi)
      return rewriter.notifyMatchFailure(outer, "disjoint clamp ranges");
    rewriter.replaceOpWithNewOp<ClampOp>(outer, outer.getType(), inner.getInput(),
                                         rewriter.getI64IntegerAttr(lo),
                                         rewriter.getI64IntegerAttr(hi));
    return success();
  }
};

/// clamp(requantize(x)) or clamp(add(x, y)) -> the producer with its clamp
/// range narrowed: both end with a clamp to their own range, and two clamps in
/// a row are one (see MergeClamps). Only when the clamp is the sole user, so
/// that no other user loses the wider range.
template <typename ProducerOp>
struct FoldClampIntoProducer : OpRewritePattern<ClampOp> {
  using OpRewritePattern<ClampOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ClampOp clamp, PatternRewriter &rewriter) const override {
    auto producer = clamp.getInput().template getDefiningOp<ProducerOp>();
    if (!producer || !producer->hasOneUse())
      return failure();
    auto [lo, hi] = clampBounds(producer.getClamp(), getFixedType(producer.getOutput()));
    lo = std::max(lo, clamp.getMin());
    hi = std::min(hi, clamp.getMax());
    if (lo > hi)
      return rewriter.notifyMatchFailure(clamp, "disjoint clamp ranges");
    rewriter.modifyOpInPlace(producer, [&, lo = lo, hi = hi] {
      producer.setClampAttr(rewriter.getDenseI64ArrayAttr({lo, hi}));
    });
    rewriter.replaceOp(clamp, producer.getOutput());
    return success();
  }
};

/// requantize2(requantize1(acc)) -> one requantize, when requantize1 only adds
/// a bias and shifts left (exact) into i32, and cannot saturate because the
/// accumulator's range (spec section 6) is known:
///   R((acc + b1) * 2^k + b2, s2) = R(acc + b1 + b2 / 2^k, s2 - k)
/// holds exactly when 2^k divides b2 (both sides floor the same rational), and
/// likewise with a multiplier m: R((acc + b1) * 2^k * m + b2 * m, s2 + 31).
struct FoldRequantizeChain : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp outer,
                                PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<RequantizeOp>();
    if (!inner || inner.getMultiplier() || inner.getClamp())
      return failure();
    Operation *layer = inner.getInput().getDefiningOp();
    SmallVector<uint64_t> bounds = layer ? accumulatorBounds(layer) : SmallVector<uint64_t>();
    if (bounds.empty())
      return rewriter.notifyMatchFailure(outer, "accumulator range unknown");

    int64_t channels = outer.getNumChannels();
    SmallVector<int64_t> innerBias = llvm::to_vector(
        inner.getBias().value_or(ArrayRef<int64_t>{0}));
    SmallVector<int64_t> outerBias = llvm::to_vector(
        outer.getBias().value_or(ArrayRef<int64_t>{0}));
    SmallVector<int64_t> bias, shift;
    bool multiplierMode = outer.getMultiplier().has_value();
    for (int64_t c = 0; c < channels; ++c) {
      int64_t k = -channelValue(inner.getShift(), c);
      int64_t b1 = channelValue(innerBias, c), b2 = channelValue(outerBias, c);
      if (k < 0 || k > 30)
        return rewriter.notifyMatchFailure(outer, "inner requantize rounds");
      // No saturation in the inner i32 result: (|acc| + |b1|) * 2^k < 2^31.
      uint64_t reach = bounds[c] + uint64_t(std::abs(b1));
      if (reach >= (uint64_t(1) << (31 - k)) || b2 % (int64_t(1) << k) != 0)
        return rewriter.notifyMatchFailure(outer, "fold would not be exact");
      int64_t newBias = b1 + b2 / (int64_t(1) << k);
      int64_t newShift = channelValue(outer.getShift(), c) - k;
      if (newBias < INT32_MIN || newBias > INT32_MAX || newShift < (multiplierMode ? -30 : -31))
        return rewriter.notifyMatchFailure(outer, "folded bias or shift out of range");
      bias.push_back(newBias);
      shift.push_back(newShift);
    }
    bool anyBias = llvm::any_of(bias, [](int64_t b) { return b != 0; });
    rewriter.replaceOpWithNewOp<RequantizeOp>(
        outer, outer.getType(), inner.getInput(), rewriter.getDenseI64ArrayAttr(shift),
        anyBias ? rewriter.getDenseI64ArrayAttr(bias) : DenseI64ArrayAttr(),
        outer.getMultiplierAttr(), outer.getClampAttr());
    return success();
  }
};

} // namespace

void RequantizeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *context) {
  results.add<FoldRequantizeChain>(context);
}

void ClampOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<MergeClamps, FoldClampIntoProducer<RequantizeOp>,
              FoldClampIntoProducer<AddOp>>(context);
}
