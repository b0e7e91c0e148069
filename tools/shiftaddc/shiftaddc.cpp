//===- shiftaddc.cpp - ONNX model in, object file and C header out --------===//
//
//   shiftaddc model.onnx --target=cortex-m4 -o out/model [--report]
//
// writes out/model.o and out/model.h: `void model_run(const int8_t *input,
// int8_t *output, void *arena)` and the shapes, formats and arena size as
// constants. Nothing is written unless everything succeeded.
//
//===----------------------------------------------------------------------===//

#include "LayerReport.h"
#include "Targets.h"

#include "shiftadd/Frontend/OnnxImporter.h"
#include "shiftadd/IR/ShiftAdd.h"
#include "shiftadd/Passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>

using namespace mlir;
using namespace shiftadd::compiler;
namespace cl = llvm::cl;

static cl::OptionCategory category("shiftaddc options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"), cl::cat(category));
static cl::opt<std::string> outputStem("o", cl::desc("Output path without extension: writes <path>.o and <path>.h"),
                                       cl::value_desc("path"), cl::cat(category));
static cl::opt<std::string> targetName("target",
                                       cl::desc("x86-64 | aarch64 | cortex-m4 | cortex-m0 | rv32i (default x86-64)"),
                                       cl::init("x86-64"), cl::cat(category));
static cl::opt<std::string> emit("emit",
                                 cl::desc("What to write: obj (object + header, default), asm (.s), llvm "
                                          "(LLVM IR, .ll), mlir (the imported shiftadd IR, .mlir)"),
                                 cl::init("obj"), cl::cat(category));
static cl::opt<unsigned> optLevel("O", cl::Prefix, cl::desc("Code generator optimisation level 0-3 (default 2)"),
                                  cl::init(2), cl::cat(category));
static cl::opt<bool> report("report",
                            cl::desc("Print per layer and in total: flash, arena, shifts/adds/multiplies, energy"),
                            cl::cat(category));
static cl::opt<std::string> maxFlash("max-flash", cl::desc("Fail if code + weights exceed this many bytes (k/M suffix)"),
                                     cl::value_desc("bytes"), cl::cat(category));
static cl::opt<std::string> maxRam("max-ram",
                                   cl::desc("Fail if arena + input + output exceed this many bytes (k/M suffix)"),
                                   cl::value_desc("bytes"), cl::cat(category));
static cl::opt<std::string> symbolName("name",
                                       cl::desc("C name prefix: <name>_run, <NAME>_ARENA_SIZE (default: the "
                                                "output file's base name)"),
                                       cl::cat(category));
static cl::opt<std::string> weightsForm(
    "weights",
    cl::desc("unrolled (default): weights as immediates in straight-line code, fastest; packed: shift "
             "layers' weights as packed codes decoded by loops, smaller code, compiles in seconds"),
    cl::init("unrolled"), cl::cat(category));
static cl::opt<std::string> tune(
    "tune",
    cl::desc("speed (default): the target's fastest code; memory: without what buys speed with RAM or flash "
             "(i32 input copies, rows of words, pixel pairs, layers writing their reader's padding)"),
    cl::init("speed"), cl::cat(category));
static cl::opt<std::string> quantizeWeights("quantize-weights",
                                            cl::desc("pow2: encode weights that are not powers of two"),
                                            cl::cat(category));

static const char *kVersion = "0.1";

namespace {

/// One-line errors: "shiftaddc: error: <what>", status 1.
int fail(const std::string &message) {
  llvm::errs() << "shiftaddc: error: " << message << "\n";
  return 1;
}

/// "96k" -> 98304; -1 when malformed.
int64_t parseBytes(llvm::StringRef text) {
  int64_t scale = 1;
  if (text.ends_with_insensitive("k"))
    scale = 1024, text = text.drop_back();
  else if (text.ends_with_insensitive("m"))
    scale = 1024 * 1024, text = text.drop_back();
  int64_t value;
  if (text.getAsInteger(10, value) || value < 0)
    return -1;
  return value * scale;
}

std::string cIdentifier(llvm::StringRef s) {
  std::string id;
  for (char c : s)
    id += std::isalnum(uint8_t(c)) ? c : '_';
  if (id.empty() || std::isdigit(uint8_t(id[0])))
    id = "m" + id;
  return id;
}

struct Port {
  std::vector<int64_t> shape;
  unsigned bits = 8;
  int64_t frac = 0;
  int64_t bytes() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n * bits / 8;
  }
};

Port portOf(Type type) {
  auto t = cast<RankedTensorType>(type);
  auto fixed = cast<shiftadd::FixedType>(t.getElementType());
  return {std::vector<int64_t>(t.getShape().begin(), t.getShape().end()),
          fixed.getStorageType().getIntOrFloatBitWidth(), fixed.getFrac()};
}

std::string header(const std::string &name, const std::vector<Port> &inputs, const std::vector<Port> &outputs,
                   int64_t arena, const Target &target) {
  std::string upper;
  for (char c : name)
    upper += char(std::toupper(uint8_t(c)));
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* " << name << ".h: generated by shiftaddc " << kVersion << " from " << llvm::sys::path::filename(inputFile)
     << " for " << target.name << ". Do not edit.\n"
     << " * Tensors are row-major (NCHW); element q stands for q * 2^-FRAC (docs/spec.md, section 2). */\n"
     << "#ifndef " << upper << "_H\n#define " << upper << "_H\n\n#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto ports = [&](const char *kind, const std::vector<Port> &list) {
    for (size_t i = 0; i < list.size(); ++i) {
      std::string p = upper + "_" + kind + (list.size() > 1 ? std::to_string(i) : "");
      os << "#define " << p << "_RANK " << list[i].shape.size() << "\n#define " << p << "_SHAPE {";
      for (size_t d = 0; d < list[i].shape.size(); ++d)
        os << (d ? ", " : "") << list[i].shape[d];
      os << "}\n#define " << p << "_SIZE " << list[i].bytes() << " /* bytes */\n#define " << p << "_FRAC "
         << list[i].frac << "\n#define " << p << "_BITS " << list[i].bits << "\n";
    }
  };
  ports("INPUT", inputs);
  ports("OUTPUT", outputs);
  os << "\n/* Scratch memory of one inference: the peak of live activations (static memory plan). */\n"
     << "#define " << upper << "_ARENA_SIZE " << arena << "\n#define " << upper << "_ARENA_ALIGN 16\n\n"
     << "/* Runs the network. No allocation, no system calls, no global state: concurrent calls\n"
     << " * with distinct arenas are safe. The arena needs " << upper << "_ARENA_SIZE bytes aligned to "
     << upper << "_ARENA_ALIGN. */\nvoid " << name << "_run(";
  auto ctype = [](unsigned bits) { return "int" + std::to_string(bits) + "_t"; };
  for (size_t i = 0; i < inputs.size(); ++i)
    os << "const " << ctype(inputs[i].bits) << " *input" << (inputs.size() > 1 ? std::to_string(i) : "") << ", ";
  for (size_t i = 0; i < outputs.size(); ++i)
    os << ctype(outputs[i].bits) << " *output" << (outputs.size() > 1 ? std::to_string(i) : "") << ", ";
  os << "void *arena);\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << upper << "_H */\n";
  return s;
}

/// Bytes of the object's allocated sections: code, read-only data, data.
int64_t flashBytes(const std::string &object) {
  auto file = llvm::object::ObjectFile::createObjectFile(llvm::MemoryBufferRef(object, "model.o"));
  if (!file) {
    llvm::consumeError(file.takeError());
    return -1;
  }
  int64_t bytes = 0;
  for (const llvm::object::SectionRef &section : (*file)->sections()) {
    auto name = section.getName();
    bool readOnlyData = name && name->starts_with(".rodata");
    if (!name)
      llvm::consumeError(name.takeError());
    if (!section.isBSS() && (section.isText() || section.isData() || readOnlyData))
      bytes += int64_t(section.getSize());
  }
  return bytes;
}

/// Writes every file or none: temporaries first, renamed at the end.
bool writeAll(const std::vector<std::pair<std::string, std::string>> &files, std::string &error) {
  std::vector<std::string> temporaries;
  auto cleanup = [&] {
    for (const std::string &t : temporaries)
      llvm::sys::fs::remove(t);
  };
  for (const auto &[path, bytes] : files) {
    std::string tmp = path + ".tmp";
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec) {
      error = "cannot write " + path + ": " + ec.message();
      cleanup();
      return false;
    }
    temporaries.push_back(tmp);
    os << bytes;
    os.close();
    if (os.has_error()) {
      error = "cannot write " + path + ": " + os.error().message();
      os.clear_error();
      cleanup();
      return false;
    }
  }
  for (size_t i = 0; i < files.size(); ++i)
    if (std::error_code ec = llvm::sys::fs::rename(temporaries[i], files[i].first)) {
      error = "cannot write " + files[i].first + ": " + ec.message();
      cleanup();
      return false;
    }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { os << "shiftaddc " << kVersion << " (MLIR/LLVM 22)\n"; });
  cl::ParseCommandLineOptions(
      argc, argv,
      "shiftaddc: compiles an ONNX model (docs/onnx-format.md) into an object file with no multiplications\n"
      "and a C header with its shapes, fixed-point formats and arena size.\n\n"
      "  shiftaddc model.onnx --target=cortex-m4 -o build/model --report\n"
      "  cc app.c build/model.o        # app.c: #include \"model.h\", model_run(input, output, arena)\n");
  if (inputFile.empty())
    return fail("no input model (usage: shiftaddc model.onnx --target=TARGET -o OUT; see --help)");
  if (outputStem.empty())
    return fail("no output path: give -o <path> (writes <path>.o and <path>.h)");
  std::optional<Target> target = findTarget(targetName);
  if (!target)
    return fail("unknown target '" + targetName + "' (" + targetNames() + ")");
  if (emit != "obj" && emit != "asm" && emit != "llvm" && emit != "mlir")
    return fail("--emit: unknown kind '" + emit + "' (obj, asm, llvm, mlir)");
  if (optLevel > 3)
    return fail("-O" + std::to_string(optLevel) + ": the level must be 0 to 3");
  int64_t flashLimit = maxFlash.empty() ? -1 : parseBytes(maxFlash);
  int64_t ramLimit = maxRam.empty() ? -1 : parseBytes(maxRam);
  if ((!maxFlash.empty() && flashLimit < 0) || (!maxRam.empty() && ramLimit < 0))
    return fail("--max-flash / --max-ram take a byte count such as 65536, 64k or 1M");
  if (!quantizeWeights.empty() && quantizeWeights != "pow2")
    return fail("--quantize-weights takes 'pow2', got '" + quantizeWeights + "'");
  if (weightsForm != "unrolled" && weightsForm != "packed")
    return fail("--weights: unknown form '" + weightsForm + "' (unrolled, packed)");
  if (tune != "speed" && tune != "memory")
    return fail("--tune: unknown goal '" + tune + "' (speed, memory)");
  bool forMemory = tune == "memory";
  if (forMemory)
    target->wideInputs = target->pixelPairs = target->tileWords = false;
  std::string name = cIdentifier(symbolName.empty() ? llvm::sys::path::filename(outputStem).str() : symbolName);

  auto buffer = llvm::MemoryBuffer::getFile(inputFile, /*IsText=*/false);
  if (!buffer)
    return fail(inputFile + ": cannot read: " + buffer.getError().message());
  std::string error;
  shiftadd::onnx_import::Graph graph;
  if (!shiftadd::onnx_import::loadOnnx((*buffer)->getBuffer().str(), graph, error))
    return fail(inputFile + ": " + error);

  DialectRegistry registry;
  registry.insert<shiftadd::ShiftAddDialect, func::FuncDialect, tensor::TensorDialect, arith::ArithDialect,
                  memref::MemRefDialect, scf::SCFDialect, cf::ControlFlowDialect, LLVM::LLVMDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  std::string diagnostic;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    if (diagnostic.empty())
      llvm::raw_string_ostream(diagnostic) << d.getLocation() << ": " << d.str();
    return success();
  });

  shiftadd::onnx_import::ImportOptions importOptions;
  importOptions.functionName = name + "_run";
  importOptions.quantizeWeights = quantizeWeights == "pow2";
  std::vector<std::string> notes;
  OwningOpRef<ModuleOp> module = shiftadd::onnx_import::importGraph(graph, importOptions, &context, error, notes);
  if (!module)
    return fail(inputFile + ": " + error);
  for (const std::string &n : notes)
    llvm::errs() << "shiftaddc: note: " << n << "\n";
  auto func = *module->getOps<func::FuncOp>().begin();
  std::vector<Port> inputs, outputs;
  for (Type t : func.getArgumentTypes())
    inputs.push_back(portOf(t));
  for (Type t : func.getResultTypes())
    outputs.push_back(portOf(t));
  std::vector<LayerCost> costs = layerCosts(func);
  const std::string stem = outputStem;
  if (emit == "mlir") {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    if (!writeAll({{stem + ".mlir", text}}, error))
      return fail(error);
    return 0;
  }

  // Loops, no multiplications, the memory plan; then LLVM.
  shiftadd::LLVMPipelineOptions pipeline;
  pipeline.indexBitwidth = target->indexBitwidth;
  pipeline.channelBlocks = target->channelBlocks;
  pipeline.channelTile = target->channelTile;
  pipeline.exponentSums = target->exponentSums;
  pipeline.pixelPairs = target->pixelPairs;
  pipeline.wideInputs = target->wideInputs;
  pipeline.paddingCopies = forMemory;
  pipeline.tileWords = target->tileWords;
  pipeline.offsetReach = target->offsetReach;
  pipeline.outlineLoops = target->outlineLoops;
  pipeline.arena = true;
  PassManager loops(&context);
  if (weightsForm == "packed")
    loops.addPass(shiftadd::createShiftAddPackWeights());
  shiftadd::buildLoopsPipeline(loops, pipeline);
  if (failed(loops.run(*module)))
    return fail(inputFile + ": lowering failed: " + diagnostic);
  int64_t arena = 0;
  module->walk([&](func::FuncOp f) {
    if (auto a = f->getAttrOfType<IntegerAttr>("shiftadd.arena_size"))
      arena = std::max<int64_t>(arena, a.getInt());
  });
  PassManager conversion(&context);
  shiftadd::buildConversionPipeline(conversion, pipeline);
  if (failed(conversion.run(*module)))
    return fail(inputFile + ": conversion to LLVM failed: " + diagnostic);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(*module, llvmContext, name);
  if (!llvmModule)
    return fail(inputFile + ": translation to LLVM IR failed: " + diagnostic);

  std::string object;
  if (!emitCode(*llvmModule, *target, optLevel, Emit::Object, object, error))
    return fail(error);
  int64_t flash = flashBytes(object);
  int64_t ram = arena;
  for (const Port &p : inputs)
    ram += p.bytes();
  for (const Port &p : outputs)
    ram += p.bytes();

  if (report) {
    int64_t adds = 0, shifts = 0, muls = 0, weightBytes = 0;
    double energy = 0;
    std::printf("%-40s %10s %10s %10s %14s %14s %6s %12s\n", "layer", "weights", "w-bytes", "act-bytes", "adds",
                "shifts", "muls", "energy/nJ");
    for (const LayerCost &c : costs) {
      std::printf("%-40s %10lld %10lld %10lld %14lld %14lld %6lld %12.3f\n", c.name.substr(0, 40).c_str(),
                  (long long)c.weights, (long long)c.weightBytes, (long long)c.activationBytes, (long long)c.adds,
                  (long long)c.shifts, (long long)c.multiplies, energyPicojoules(c) / 1000);
      adds += c.adds, shifts += c.shifts, muls += c.multiplies, weightBytes += c.weightBytes;
      energy += energyPicojoules(c);
    }
    std::printf("total (%s): flash %lld bytes (code + weights of %s.o), weights %lld bytes as stored codes,\n"
                "  arena %lld bytes, RAM %lld bytes (arena + input + output), %lld adds, %lld shifts, %lld "
                "multiplies,\n  energy %.3f uJ per inference (a model: 45 nm, 32-bit add 0.1 pJ, shift 0.13 pJ, "
                "multiply 3.1 pJ, memory not counted)\n",
                target->name, (long long)flash, name.c_str(), (long long)weightBytes, (long long)arena,
                (long long)ram, (long long)adds, (long long)shifts, (long long)muls, energy / 1e6);
  }
  auto biggest = [&](auto key, const char *what) {
    std::vector<const LayerCost *> sorted;
    for (const LayerCost &c : costs)
      sorted.push_back(&c);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](const LayerCost *a, const LayerCost *b) { return key(*a) > key(*b); });
    std::string s;
    for (size_t i = 0; i < std::min<size_t>(3, sorted.size()); ++i)
      s += (i ? ", " : "") + sorted[i]->name + " " + std::to_string(key(*sorted[i])) + " " + what;
    return s;
  };
  if (flashLimit >= 0 && flash > flashLimit)
    return fail(inputFile + ": flash " + std::to_string(flash) + " bytes exceeds --max-flash " +
                std::to_string(flashLimit) + "; biggest layers: " +
                biggest([](const LayerCost &c) { return c.weightBytes; }, "weight bytes"));
  if (ramLimit >= 0 && ram > ramLimit)
    return fail(inputFile + ": RAM " + std::to_string(ram) + " bytes (arena " + std::to_string(arena) +
                ") exceeds --max-ram " + std::to_string(ramLimit) + "; biggest layers: " +
                biggest([](const LayerCost &c) { return c.activationBytes; }, "activation bytes"));

  std::vector<std::pair<std::string, std::string>> files;
  if (emit == "obj") {
    files = {{stem + ".o", object}, {stem + ".h", header(name, inputs, outputs, arena, *target)}};
  } else if (emit == "asm") {
    std::string assembly;
    if (!emitCode(*llvmModule, *target, optLevel, Emit::Assembly, assembly, error))
      return fail(error);
    files = {{stem + ".s", assembly}};
  } else {
    std::string ir;
    llvm::raw_string_ostream os(ir);
    llvmModule->print(os, nullptr);
    files = {{stem + ".ll", ir}};
  }
  if (!writeAll(files, error))
    return fail(error);
  return 0;
}
