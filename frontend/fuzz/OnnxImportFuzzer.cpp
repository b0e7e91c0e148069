// libFuzzer target: any byte string given to the ONNX importer must end in a
// model or a one-line error, never a crash, a hang or a sanitizer report.
#include "shiftadd/Frontend/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace shiftadd::onnx_import;
  Graph graph;
  std::string error;
  if (!loadOnnx(std::string(reinterpret_cast<const char *>(data), size), graph, error))
    return 0;
  static mlir::MLIRContext *context = [] {
    auto *ctx = new mlir::MLIRContext();
    // Verifier messages are part of the import error; keep the fuzzer quiet.
    ctx->getDiagEngine().registerHandler([](mlir::Diagnostic &) { return mlir::success(); });
    return ctx;
  }();
  std::vector<std::string> report;
  mlir::OwningOpRef<mlir::ModuleOp> module = importGraph(graph, ImportOptions(), context, error, report);
  return 0;
}
