//===- Targets.cpp - The five targets and code emission -------------------===//

#include "Targets.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace shiftadd::compiler;

// name, triple, cpu, features, index bits, soft float, PIC, channel blocks,
// constant hoisting, channel tile, exponent sums, pixel pairs, wide inputs,
// tile words, load reach, outlined loops.
static const Target kTargets[] = {
    // Adds take a 32-bit memory operand: layers read i32 copies of their inputs.
    {"x86-64", "x86_64-unknown-linux-gnu", "x86-64", "", 64, false, true, false, true, 1, false, false, true, false, 0,
     false},
    // Adds take a shifted operand: eight output channels summed together. On
    // AArch64 pixel pairs share the loads of overlapping windows (3 % fewer
    // instructions for 11 % more code; not on the microcontrollers).
    {"aarch64", "aarch64-unknown-linux-gnu", "generic", "", 64, false, true, false, true, 8, false, true, false, false,
     0, false},
    {"cortex-m4", "thumbv7em-none-eabi", "cortex-m4", "", 32, true, false, false, true, 8, false, false, false, false,
     0, false},
    // Eight low registers and 8-bit immediates: one block per output channel,
    // no constant hoisting, and stack frames small enough for `ldr rt, [sp,
    // #imm]` to reach every spill slot. Only word loads take an immediate
    // offset of a register-held base: shift layers read words, two pixels per
    // word where the 16-bit lanes pay, and offsets are rebased within reach
    // (docs/codegen.md).
    {"cortex-m0", "thumbv6m-none-eabi", "cortex-m0", "", 32, true, false, true, false, 1, true, true, false, true, 32,
     true},
    // No shifted operand: eight channels summed together, a partial sum per
    // channel and exponent, two pixels per add in 16-bit lanes; a function
    // per loop nest. (Rows of words: 1.2 % fewer instructions, but a larger
    // arena for small models, docs/codegen.md.)
    {"rv32i", "riscv32-unknown-elf", "generic-rv32", "-m", 32, true, false, false, true, 8, true, true, false, false, 0,
     true},
};

/// Sets llc's -disable-constant-hoisting, which has no API of its own.
static void setConstantHoisting(bool enabled) {
  auto registered = llvm::cl::getRegisteredOptions();
  auto option = registered.find("disable-constant-hoisting");
  if (option != registered.end())
    (void)option->second->addOccurrence(0, "disable-constant-hoisting", enabled ? "false" : "true");
}

std::optional<Target> shiftadd::compiler::findTarget(llvm::StringRef name) {
  for (const Target &t : kTargets)
    if (name == t.name)
      return t;
  return std::nullopt;
}

std::string shiftadd::compiler::targetNames() {
  std::string names;
  for (const Target &t : kTargets)
    names += (names.empty() ? "" : ", ") + std::string(t.name);
  return names;
}

bool shiftadd::compiler::emitCode(llvm::Module &module, const Target &target, unsigned optLevel, Emit kind,
                                  std::string &bytes, std::string &error) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  llvm::Triple triple(target.triple);
  const llvm::Target *backend = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!backend)
    return false;
  llvm::TargetOptions options;
  if (target.softFloat)
    options.FloatABIType = llvm::FloatABI::Soft;
  static const llvm::CodeGenOptLevel levels[] = {llvm::CodeGenOptLevel::None, llvm::CodeGenOptLevel::Less,
                                                 llvm::CodeGenOptLevel::Default,
                                                 llvm::CodeGenOptLevel::Aggressive};
  std::unique_ptr<llvm::TargetMachine> machine(backend->createTargetMachine(
      triple, target.cpu, target.features, options, target.pic ? llvm::Reloc::PIC_ : llvm::Reloc::Static,
      std::nullopt, levels[std::min(optLevel, 3u)]));
  if (!machine) {
    error = "cannot create a target machine for " + std::string(target.triple);
    return false;
  }
  module.setDataLayout(machine->createDataLayout());
  module.setTargetTriple(triple);
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  // Constant hoisting moves every tap offset that a Thumb-1 instruction
  // cannot encode as an immediate (above 255) to a common dominator, where
  // thousands are live at once and spill: 17 % more instructions on
  // Cortex-M0. Elsewhere it helps (4 to 7 %).
  setConstantHoisting(target.hoistConstants);
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, os, nullptr,
                                   kind == Emit::Object ? llvm::CodeGenFileType::ObjectFile
                                                        : llvm::CodeGenFileType::AssemblyFile)) {
    error = "the LLVM back end cannot emit this file type for " + std::string(target.triple);
    return false;
  }
  pm.run(module);
  bytes.assign(buffer.begin(), buffer.end());
  return true;
}
