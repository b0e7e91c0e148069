//===- OnnxImporter.h - ONNX graphs to the shiftadd dialect -----*- C++ -*-===//

#ifndef SHIFTADD_FRONTEND_ONNXIMPORTER_H
#define SHIFTADD_FRONTEND_ONNXIMPORTER_H

#include "shiftadd/Frontend/OnnxGraph.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <utility>
#include <vector>

namespace shiftadd::onnx_import {

struct ImportOptions {
  /// Name of the generated function.
  std::string functionName = "model";
  /// Encode weights that are not powers of two (spec section 3) instead of
  /// rejecting them.
  bool quantizeWeights = false;
  /// Per-tensor [min, max] of a float model's activations (--calibration).
  std::map<std::string, std::pair<double, double>> calibration;
};

/// Parses a calibration file: a JSON object {"tensor": [min, max], ...}.
bool parseCalibration(const std::string &json,
                      std::map<std::string, std::pair<double, double>> &ranges,
                      std::string &error);

/// Builds a module with one function computing `graph` in the shiftadd
/// dialect (docs/onnx-format.md). On failure returns null and sets `error` to
/// one line naming the node and op; `report` receives one line per layer
/// whose weights were rounded or flushed.
mlir::OwningOpRef<mlir::ModuleOp> importGraph(const Graph &graph, const ImportOptions &options,
                                              mlir::MLIRContext *context, std::string &error,
                                              std::vector<std::string> &report);

} // namespace shiftadd::onnx_import

#endif // SHIFTADD_FRONTEND_ONNXIMPORTER_H
