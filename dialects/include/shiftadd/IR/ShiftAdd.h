//===- ShiftAdd.h - The shiftadd dialect ------------------------*- C++ -*-===//
//
// Dialect, fixed-point type, weight-code attribute and ops of shiftadd.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_IR_SHIFTADD_H
#define SHIFTADD_IR_SHIFTADD_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "shiftadd/IR/ShiftAddOpsDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "shiftadd/IR/ShiftAddOpsTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "shiftadd/IR/ShiftAddAttrs.h.inc"

#define GET_OP_CLASSES
#include "shiftadd/IR/ShiftAddOps.h.inc"

namespace shiftadd {

/// The fixed-point element type of a value of ranked tensor type.
FixedType getFixedType(mlir::Value value);

/// Element `c` of a per-channel array attribute that may hold one value for
/// every channel (requantize's shift, bias and multiplier).
inline int64_t channelValue(llvm::ArrayRef<int64_t> values, int64_t c) {
  return values.size() == 1 ? values[0] : values[c];
}

/// The [lo, hi] an optional clamp attribute leaves of `type`'s range.
std::pair<int64_t, int64_t> clampBounds(std::optional<llvm::ArrayRef<int64_t>> clamp,
                                        FixedType type);

/// Largest possible |accumulator| of each output channel of a layer with
/// weights, given the input type's range (spec section 6).
llvm::SmallVector<uint64_t> accumulatorBounds(mlir::Operation *layer);

} // namespace shiftadd

#endif // SHIFTADD_IR_SHIFTADD_H
