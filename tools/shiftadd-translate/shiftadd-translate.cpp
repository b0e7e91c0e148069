//===- shiftadd-translate.cpp - Translations into the shiftadd dialect ----===//
//
//   shiftadd-translate --import-onnx model.onnx [-o model.mlir]
//       [--quantize-weights=pow2] [--calibration=ranges.json] [--function=NAME]
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Frontend/OnnxImporter.h"
#include "shiftadd/IR/ShiftAdd.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> quantizeWeights(
    "quantize-weights", cl::desc("Round weights that are not powers of two: 'pow2' (default: reject them)"),
    cl::init(""));
static cl::opt<std::string> calibration(
    "calibration", cl::desc("JSON {\"tensor\": [min, max]} giving the formats of a float model without QDQ"),
    cl::value_desc("file"));
static cl::opt<std::string> functionName("function", cl::desc("Name of the generated function"),
                                         cl::init("model"));

/// One line on stderr, failure: the translation framework then writes no output.
static OwningOpRef<Operation *> failImport(StringRef file, const std::string &message) {
  llvm::errs() << "shiftadd-translate: error: " << file << ": " << message << "\n";
  return nullptr;
}

static OwningOpRef<Operation *> importOnnx(llvm::SourceMgr &sourceMgr, MLIRContext *context) {
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef file = buffer->getBufferIdentifier();
  shiftadd::onnx_import::ImportOptions options;
  options.functionName = functionName;
  if (!quantizeWeights.empty() && quantizeWeights != "pow2")
    return failImport(file, "--quantize-weights takes 'pow2', got '" + quantizeWeights + "'");
  options.quantizeWeights = quantizeWeights == "pow2";
  std::string error;
  if (!calibration.empty()) {
    auto ranges = llvm::MemoryBuffer::getFile(calibration);
    if (!ranges)
      return failImport(calibration, "cannot read: " + ranges.getError().message());
    if (!shiftadd::onnx_import::parseCalibration((*ranges)->getBuffer().str(), options.calibration, error))
      return failImport(calibration, error);
  }
  shiftadd::onnx_import::Graph graph;
  if (!shiftadd::onnx_import::loadOnnx(buffer->getBuffer().str(), graph, error))
    return failImport(file, error);
  std::vector<std::string> report;
  OwningOpRef<ModuleOp> module = shiftadd::onnx_import::importGraph(graph, options, context, error, report);
  if (!module)
    return failImport(file, error);
  for (const std::string &line : report)
    llvm::errs() << "shiftadd-translate: note: " << line << "\n";
  return OwningOpRef<Operation *>(module.release());
}

int main(int argc, char **argv) {
  TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (docs/onnx-format.md) into the shiftadd dialect", importOnnx,
      [](DialectRegistry &registry) {
        registry.insert<shiftadd::ShiftAddDialect, func::FuncDialect, tensor::TensorDialect>();
      });
  return failed(mlirTranslateMain(argc, argv, "shiftadd translation driver\n"));
}
