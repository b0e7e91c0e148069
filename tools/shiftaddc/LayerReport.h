//===- LayerReport.h - Per-layer costs of a shiftadd function ---*- C++ -*-===//

#ifndef SHIFTADD_TOOLS_SHIFTADDC_LAYERREPORT_H
#define SHIFTADD_TOOLS_SHIFTADDC_LAYERREPORT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace shiftadd::compiler {

/// What one op of the network costs: operation counts of the compiled code
/// per inference, its weights, and the activation bytes it touches.
struct LayerCost {
  std::string name;     ///< op and location, e.g. "shift_conv2d (b3.main.0)"
  int64_t weights = 0, nonZero = 0;
  int64_t weightBytes = 0; ///< storage: packed codes for shift layers, one byte otherwise
  int64_t activationBytes = 0; ///< inputs + output of the op
  int64_t adds = 0, shifts = 0, multiplies = 0;
};

/// Costs of every op of `func` (in the shiftadd dialect). Counts follow
/// docs/codegen.md's lowering: a shift layer adds each non-zero weight's input
/// and shifts once per exponent group of an output channel; adder layers
/// subtract and accumulate per tap; int8 layers and multiplier-mode
/// requantizations cost one shift and one add per non-zero digit of the
/// constant's canonical signed-digit form. Multiplications are 0: the
/// pipeline fails on any that remains.
std::vector<LayerCost> layerCosts(mlir::func::FuncOp func);

/// Energy of the counted operations in picojoules with the 45 nm table of
/// ../shared/docs/method.md (32-bit add 0.1 pJ, shift 0.13 pJ, multiply 3.1 pJ).
double energyPicojoules(const LayerCost &cost);

} // namespace shiftadd::compiler

#endif // SHIFTADD_TOOLS_SHIFTADDC_LAYERREPORT_H
