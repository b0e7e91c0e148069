//===- shiftadd-run.cpp - Run shiftadd IR with the reference interpreter --===//
//
//   shiftadd-run model.mlir --entry=main --input=x.npy --output=y.npy
//   shiftadd-run tests.mlir          (runs every function without arguments)
//
// Inputs are .npy files of integers (or raw little-endian files of the
// argument's storage type); results are printed and optionally written.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/IR/ShiftAdd.h"
#include "shiftadd/Interpreter/Interpreter.h"
#include "shiftadd/Support/Npy.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace shiftadd;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::Required);
static cl::opt<std::string>
    entry("entry", cl::desc("Function to run (default: every function without arguments)"),
          cl::value_desc("name"));
static cl::list<std::string> inputs("input",
                                    cl::desc("Argument file, in order (.npy or raw)"),
                                    cl::value_desc("file"));
static cl::list<std::string> outputs("output",
                                     cl::desc("Result file, in order (.npy or raw)"),
                                     cl::value_desc("file"));
static cl::opt<bool> quiet("quiet", cl::desc("Do not print results"));

static int fail(const Twine &message) {
  llvm::errs() << "shiftadd-run: error: " << message << "\n";
  return 1;
}

static bool isNpy(StringRef path) { return llvm::sys::path::extension(path) == ".npy"; }

/// Reads argument `index` of `func` from `path`.
static FailureOr<Tensor> readArgument(func::FuncOp func, unsigned index, StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer) {
    fail("cannot read '" + path + "': " + buffer.getError().message());
    return failure();
  }
  auto type = dyn_cast<RankedTensorType>(func.getArgument(index).getType());
  auto fixed = type ? dyn_cast<FixedType>(type.getElementType()) : FixedType();
  if (!fixed) {
    fail("argument " + Twine(index) + " of @" + func.getSymName() +
         " is not a tensor of !shiftadd.fixed");
    return failure();
  }
  Tensor tensor;
  std::string bytes = (*buffer)->getBuffer().str();
  if (isNpy(path)) {
    NpyArray array;
    std::string error;
    if (!parseNpy(bytes, array, error)) {
      fail(path + ": " + error);
      return failure();
    }
    tensor.shape.assign(array.shape.begin(), array.shape.end());
    tensor.data = std::move(array.data);
    return tensor;
  }
  // Raw: little-endian values of the storage type, in the argument's shape.
  size_t width = fixed.getWidth() / 8;
  tensor.shape = llvm::to_vector(type.getShape());
  size_t count = type.getNumElements();
  if (bytes.size() != count * width) {
    fail(path + ": holds " + Twine(bytes.size()) + " bytes, argument " + Twine(index) +
         " needs " + Twine(count * width));
    return failure();
  }
  for (size_t i = 0; i < count; ++i) {
    uint64_t raw = 0;
    for (size_t b = 0; b < width; ++b)
      raw |= uint64_t(uint8_t(bytes[i * width + b])) << (8 * b);
    int shift = 64 - 8 * int(width);
    tensor.data.push_back(int64_t(raw << shift) >> shift);
  }
  return tensor;
}

/// Writes a result atomically: a failed run leaves no partial file.
static LogicalResult writeResult(StringRef path, const Tensor &tensor, FixedType type) {
  int width = int(type.getWidth() / 8);
  std::string bytes;
  if (isNpy(path)) {
    bytes = serializeNpy({std::vector<int64_t>(tensor.shape.begin(), tensor.shape.end()),
                          tensor.data},
                         width);
  } else {
    for (int64_t v : tensor.data)
      for (int b = 0; b < width; ++b)
        bytes += char(uint64_t(v) >> (8 * b) & 0xff);
  }
  SmallString<128> temp(path);
  temp += ".tmp";
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(temp, ec, llvm::sys::fs::OF_None);
    if (!ec) {
      os << bytes;
      os.close();
      ec = os.error();
    }
  }
  if (!ec)
    ec = llvm::sys::fs::rename(temp, path);
  if (ec) {
    llvm::sys::fs::remove(temp);
    fail("cannot write '" + path + "': " + ec.message());
    return failure();
  }
  return success();
}

/// Prints a tensor as its shape and its row-major values: 2x2 = [1, 2, 3, 4]
/// (flat, so that FileCheck patterns need no escaping).
static void printTensor(llvm::raw_ostream &os, const Tensor &t) {
  llvm::interleave(t.shape, os, "x");
  os << " = [";
  llvm::interleaveComma(t.data, os);
  os << "]";
}

static LogicalResult runFunction(func::FuncOp func, ArrayRef<Tensor> args,
                                 ArrayRef<std::string> outputPaths) {
  FailureOr<SmallVector<Tensor>> results = interpret(func, args);
  if (failed(results))
    return failure();
  for (auto [index, tensor] : llvm::enumerate(*results)) {
    if (!quiet) {
      llvm::outs() << "@" << func.getSymName() << " #" << index << " : ";
      printTensor(llvm::outs(), tensor);
      llvm::outs() << "\n";
    }
    if (index < outputPaths.size() &&
        failed(writeResult(outputPaths[index], tensor,
                           getFixedType(func.getBody().front().getTerminator()->getOperand(index)))))
      return failure();
  }
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "shiftadd reference interpreter\n");

  DialectRegistry registry;
  registry.insert<ShiftAddDialect, func::FuncDialect, tensor::TensorDialect,
                  arith::ArithDialect>();
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile);
  if (!buffer)
    return fail("cannot read '" + inputFile + "': " + buffer.getError().message());
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1; // the parser or verifier reported a located error

  if (entry.empty()) {
    if (!inputs.empty() || !outputs.empty())
      return fail("--input and --output need --entry");
    for (auto func : module->getOps<func::FuncOp>())
      if (func.getNumArguments() == 0 && !func.isExternal() &&
          failed(runFunction(func, {}, {})))
        return 1;
    return 0;
  }

  auto func = module->lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return fail("no function @" + entry + " in '" + inputFile + "'");
  if (inputs.size() != func.getNumArguments())
    return fail("@" + entry + " takes " + Twine(func.getNumArguments()) + " inputs, got " +
                Twine(inputs.size()) + " --input files");
  if (outputs.size() > func.getNumResults())
    return fail("@" + entry + " has " + Twine(func.getNumResults()) + " results, got " +
                Twine(outputs.size()) + " --output files");
  SmallVector<Tensor> args;
  for (auto [index, path] : llvm::enumerate(inputs)) {
    FailureOr<Tensor> arg = readArgument(func, index, path);
    if (failed(arg))
      return 1;
    args.push_back(std::move(*arg));
  }
  return failed(runFunction(func, args, outputs)) ? 1 : 0;
}
