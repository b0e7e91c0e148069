//===- ExpandConstantMultiplications.cpp - x * C as shifts and adds -------===//
//
// Canonical signed-digit (non-adjacent) form: C = sum d_i 2^i with d_i in
// {-1, 0, 1} and no two adjacent non-zero digits, which has the fewest
// non-zero digits of any signed-digit form. Both sides wrap modulo 2^n
// exactly like arith.muli, so the rewrite is exact for every input.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Passes/Passes.h"
#include "shiftadd/Support/SignedDigits.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDEXPANDCONSTANTMULTIPLICATIONS
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;
using namespace shiftadd;

namespace {

/// A term of the sum: value and whether it is subtracted.
using Term = std::pair<Value, bool>;

Term combine(PatternRewriter &rewriter, Location loc, Term a, Term b) {
  if (a.second == b.second)
    return {arith::AddIOp::create(rewriter, loc, a.first, b.first), a.second};
  Value plus = a.second ? b.first : a.first, minus = a.second ? a.first : b.first;
  return {arith::SubIOp::create(rewriter, loc, plus, minus), false};
}

struct ExpandMulByConstant : OpRewritePattern<arith::MulIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::MulIOp op, PatternRewriter &rewriter) const override {
    APInt c;
    Value x = op.getLhs();
    if (!matchPattern(op.getRhs(), m_ConstantInt(&c))) {
      if (!matchPattern(op.getLhs(), m_ConstantInt(&c)))
        return failure();
      x = op.getRhs();
    }
    if (c.getBitWidth() > 64)
      return failure();
    Location loc = op.getLoc();
    Type type = op.getType();
    bool negate = c.isNegative();
    // |c| of the most negative value wraps to itself; its single digit is the sign bit.
    APInt magnitude = negate ? -c : c;
    SmallVector<Term> terms;
    for (auto [position, negative] : nonAdjacentForm(magnitude.getZExtValue(), magnitude.getBitWidth())) {
      Value shifted = position == 0
                          ? x
                          : arith::ShLIOp::create(rewriter, loc, x,
                                                  arith::ConstantOp::create(
                                                      rewriter, loc, type,
                                                      rewriter.getIntegerAttr(type, position)))
                                .getResult();
      terms.push_back({shifted, negative != negate});
    }
    if (terms.empty()) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, rewriter.getIntegerAttr(type, 0));
      return success();
    }
    // A balanced tree: adder depth ceil(log2(#digits)).
    while (terms.size() > 1) {
      SmallVector<Term> next;
      for (size_t i = 0; i + 1 < terms.size(); i += 2)
        next.push_back(combine(rewriter, loc, terms[i], terms[i + 1]));
      if (terms.size() % 2)
        next.push_back(terms.back());
      terms = std::move(next);
    }
    Value result = terms[0].first;
    if (terms[0].second)
      result = arith::SubIOp::create(
          rewriter, loc,
          arith::ConstantOp::create(rewriter, loc, type, rewriter.getIntegerAttr(type, 0)), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ExpandConstantMultiplicationsPass
    : shiftadd::impl::ShiftAddExpandConstantMultiplicationsBase<ExpandConstantMultiplicationsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandMulByConstant>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
