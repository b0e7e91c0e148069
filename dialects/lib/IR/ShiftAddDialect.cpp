//===- ShiftAddDialect.cpp - Dialect, type and attribute ------------------===//

#include "shiftadd/IR/ShiftAdd.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace shiftadd;

#include "shiftadd/IR/ShiftAddOpsDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "shiftadd/IR/ShiftAddOpsTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "shiftadd/IR/ShiftAddAttrs.cpp.inc"

void ShiftAddDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "shiftadd/IR/ShiftAddOpsTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "shiftadd/IR/ShiftAddAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "shiftadd/IR/ShiftAddOps.cpp.inc"
      >();
}

Operation *ShiftAddDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                                Type type, Location loc) {
  auto elements = dyn_cast<DenseIntElementsAttr>(value);
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!elements || !tensorType || !isa<FixedType>(tensorType.getElementType()))
    return nullptr;
  return ConstantOp::create(builder, loc, tensorType, elements);
}

LogicalResult FixedType::verify(function_ref<InFlightDiagnostic()> emitError,
                                IntegerType storageType, int64_t frac) {
  unsigned width = storageType.getWidth();
  if (!storageType.isSignless() || (width != 8 && width != 16 && width != 32))
    return emitError() << "fixed-point storage must be i8, i16 or i32, got "
                       << storageType;
  if (frac < -64 || frac > 64)
    return emitError() << "fractional bits must be in [-64, 64], got " << frac;
  return success();
}

LogicalResult ShiftCodeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                    int64_t bits, int64_t maxExp) {
  if (bits < 2 || bits > 8)
    return emitError() << "shift code bits must be in [2, 8], got " << bits;
  if (maxExp < -32 || maxExp > 32)
    return emitError() << "shift code max_exp must be in [-32, 32], got " << maxExp;
  return success();
}
