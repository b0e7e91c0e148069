//===- Targets.h - The five targets and code emission -----------*- C++ -*-===//

#ifndef SHIFTADD_TOOLS_SHIFTADDC_TARGETS_H
#define SHIFTADD_TOOLS_SHIFTADDC_TARGETS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"

#include <optional>
#include <string>

namespace shiftadd::compiler {

/// A target as docs/codegen.md lists it.
struct Target {
  const char *name, *triple, *cpu, *features;
  unsigned indexBitwidth;
  bool softFloat, pic, channelBlocks;
  /// Whether llc's constant hoisting runs (docs/codegen.md: not on Cortex-M0).
  bool hoistConstants;
  /// Output channels of a shift layer summed together (docs/codegen.md).
  unsigned channelTile;
  /// Tiles keep a partial sum per exponent (docs/codegen.md).
  bool exponentSums;
  /// Two output pixels per step: in 16-bit lanes on tiles with exponent
  /// sums, sharing the loads of overlapping windows elsewhere (docs/codegen.md).
  bool pixelPairs;
  /// Unrolled layers read an i32 copy of their input (docs/codegen.md).
  bool wideInputs;
  /// Shift layers with one group tiled one channel at a time from an i32
  /// copy of their input, pixel pairs packed in it (docs/codegen.md).
  bool tileWords;
  /// Elements an immediate offset reaches; word loads, zero-extended byte
  /// loads and stores beyond it are rebased (0: off; docs/codegen.md).
  unsigned offsetReach;
  /// Each loop nest in a function of its own (docs/codegen.md).
  bool outlineLoops;
};

/// The target called `name`, or none.
std::optional<Target> findTarget(llvm::StringRef name);
/// "x86-64, aarch64, cortex-m4, cortex-m0, rv32i".
std::string targetNames();

enum class Emit { Assembly, Object };

/// Runs LLVM's code generator (no middle-end optimisation: it would bring
/// multiplications back) on `module` for `target` at `optLevel` (0-3).
/// Returns the bytes, or false with `error` set.
bool emitCode(llvm::Module &module, const Target &target, unsigned optLevel, Emit kind,
              std::string &bytes, std::string &error);

} // namespace shiftadd::compiler

#endif // SHIFTADD_TOOLS_SHIFTADDC_TARGETS_H
