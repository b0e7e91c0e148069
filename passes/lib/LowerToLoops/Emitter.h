//===- Emitter.h - Multiplication-free integer code builder -----*- C++ -*-===//
//
// Building blocks of the loop lowering: loop nests whose addresses advance by
// additions only, and the scalar rules of docs/spec.md (rounding shift,
// saturation, rounding division) written with shifts, adds and selects.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_PASSES_LOWERTOLOOPS_EMITTER_H
#define SHIFTADD_PASSES_LOWERTOLOOPS_EMITTER_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <optional>

namespace shiftadd {

/// One loop level of a nest: its trip count, and how much each carried
/// offset advances per iteration.
struct LoopLevel {
  int64_t extent;
  llvm::SmallVector<int64_t> steps; // one per carried offset
  /// The induction variable runs from -extent to 0, so that the exit test
  /// compares with zero (the body still sees 0 to extent - 1).
  bool exitAtZero = false;
};

class Emitter {
public:
  explicit Emitter(mlir::ImplicitLocOpBuilder &b) : b(b) {}

  mlir::ImplicitLocOpBuilder &builder() { return b; }

  mlir::Value index(int64_t value);
  mlir::Value constant(mlir::Type type, int64_t value);
  /// offset + delta on index values (no op when delta is 0).
  mlir::Value offset(mlir::Value base, int64_t delta);

  /// Nested scf.for loops; `offsets` start at `initial` and advance by each
  /// level's steps, so no address needs a multiplication. The body gets the
  /// induction variables (outermost first) and the current offsets.
  void nest(llvm::ArrayRef<LoopLevel> levels, llvm::ArrayRef<mlir::Value> initial,
            llvm::function_ref<void(llvm::ArrayRef<mlir::Value> ivs,
                                    llvm::ArrayRef<mlir::Value> offsets)>
                body);

  /// Like nest, and also carries `init` through every iteration: the body
  /// returns the next value, and the final one is returned.
  mlir::Value reduce(llvm::ArrayRef<LoopLevel> levels, llvm::ArrayRef<mlir::Value> initial,
                     mlir::Value init,
                     llvm::function_ref<mlir::Value(llvm::ArrayRef<mlir::Value> offsets,
                                                    mlir::Value value)>
                         body);

  /// Loads element `base + delta` of a flat buffer, sign-extended to `type`
  /// (zero-extended with `zeroExtend`: for elements known non-negative).
  mlir::Value load(mlir::Value buffer, mlir::Value base, int64_t delta, mlir::Type type,
                   bool zeroExtend = false);
  /// Stores `value` truncated to the buffer's element type.
  void store(mlir::Value value, mlir::Value buffer, mlir::Value base, int64_t delta = 0);

  /// R(v, s) of spec section 1 in v's type (the caller picks a wide enough one).
  mlir::Value roundShift(mlir::Value v, int64_t shift);
  /// v clamped to [lo, hi].
  mlir::Value clamp(mlir::Value v, int64_t lo, int64_t hi);
  /// floor(t / d) for d > 0 whose quotient has at most `quotientBits` bits in
  /// magnitude, by shift-subtract steps (no division instruction).
  mlir::Value floorDiv(mlir::Value t, mlir::Value d, int quotientBits);
  /// D(S, n) of spec section 1 for |S| <= sumBound and 1 <= n <= countBound.
  mlir::Value roundDiv(mlir::Value sum, mlir::Value count, uint64_t sumBound, int64_t countBound);

private:
  mlir::ImplicitLocOpBuilder &b;
};

/// Bits needed for the magnitude of `value`.
int bitLength(uint64_t value);

} // namespace shiftadd

#endif // SHIFTADD_PASSES_LOWERTOLOOPS_EMITTER_H
