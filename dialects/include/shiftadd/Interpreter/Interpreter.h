//===- Interpreter.h - Reference interpreter of shiftadd --------*- C++ -*-===//
//
// Executes a function of shiftadd ops bit-exactly per docs/spec.md. It is the
// oracle of every numerical test: written to be obviously right, not fast.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_INTERPRETER_INTERPRETER_H
#define SHIFTADD_INTERPRETER_INTERPRETER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <vector>

namespace shiftadd {

/// A tensor's stored integers, widened to 64 bits, row-major.
struct Tensor {
  llvm::SmallVector<int64_t> shape;
  std::vector<int64_t> data;
};

/// Runs `func` on `args` and returns its results. Arguments must match the
/// function's tensor types in shape and fit their storage type. On any
/// failure (unsupported op, bad argument) a diagnostic is emitted at the
/// offending location and failure returned.
mlir::FailureOr<llvm::SmallVector<Tensor>> interpret(mlir::func::FuncOp func,
                                                     llvm::ArrayRef<Tensor> args);

} // namespace shiftadd

#endif // SHIFTADD_INTERPRETER_INTERPRETER_H
