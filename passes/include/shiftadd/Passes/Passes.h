//===- Passes.h - shiftadd passes -------------------------------*- C++ -*-===//

#ifndef SHIFTADD_PASSES_PASSES_H
#define SHIFTADD_PASSES_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace shiftadd {

#define GEN_PASS_DECL
#include "shiftadd/Passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "shiftadd/Passes/Passes.h.inc"

/// Options of the pipeline from the shiftadd dialect to the LLVM dialect.
struct LLVMPipelineOptions : mlir::PassPipelineOptions<LLVMPipelineOptions> {
  Option<unsigned> indexBitwidth{*this, "index-bitwidth",
                                 llvm::cl::desc("Bits of index values: the target's pointer width"),
                                 llvm::cl::init(64)};
  Option<bool> channelBlocks{*this, "channel-blocks",
                             llvm::cl::desc("One block per output channel (cores with few registers)"),
                             llvm::cl::init(false)};
  Option<unsigned> channelTile{*this, "channel-tile",
                               llvm::cl::desc("Output channels of a shift layer summed together, each input loaded "
                                              "once for them (cores whose add takes a shifted operand)"),
                               llvm::cl::init(1)};
  Option<bool> exponentSums{*this, "exponent-sums",
                            llvm::cl::desc("With channel-tile: a partial sum per channel and exponent, each weight "
                                           "one add without a shift (cores without a shifted operand)"),
                            llvm::cl::init(false)};
  Option<bool> pixelPairs{*this, "pixel-pairs",
                          llvm::cl::desc("Two output pixels per step: 16-bit lanes for tiles with exponent "
                                         "sums (rv32i), shared loads of overlapping windows elsewhere"),
                          llvm::cl::init(false)};
  Option<bool> wideInputs{*this, "wide-inputs",
                          llvm::cl::desc("Unrolled layers read an i32 copy of their input (cores that add "
                                         "from memory, e.g. x86-64)"),
                          llvm::cl::init(false)};
  Option<bool> tileWords{*this, "tile-words",
                         llvm::cl::desc("Shift layers with one group are tiled even one channel at a time "
                                        "and read, per output row, i32 copies of its input rows, pixel pairs "
                                        "packed in them (cores with word loads of immediate offset only, e.g. "
                                        "Cortex-M0)"),
                         llvm::cl::init(false)};
  Option<bool> paddingCopies{*this, "padding-copies",
                             llvm::cl::desc("Padded layers copy their input into a padded buffer even where its "
                                            "producer could write the border (a smaller arena on some networks)"),
                             llvm::cl::init(false)};
  Option<unsigned> offsetReach{*this, "offset-reach",
                               llvm::cl::desc("Rebase the offsets of word loads, zero-extended byte loads "
                                              "and stores in chunks of this many elements, the reach of an "
                                              "immediate offset (0: off; Cortex-M0: 32)"),
                               llvm::cl::init(0)};
  Option<bool> outlineLoops{*this, "outline-loops",
                            llvm::cl::desc("Each top-level loop nest in a private function of its own (small "
                                           "stack frames: Cortex-M0, rv32i)"),
                            llvm::cl::init(false)};
  Option<bool> arena{*this, "arena",
                     llvm::cl::desc("Place intermediate buffers in an arena argument (the static "
                                    "memory plan) instead of private globals"),
                     llvm::cl::init(false)};
};

/// shiftadd -> loops -> no multiplications -> static buffers -> LLVM dialect.
void buildLLVMPipeline(mlir::OpPassManager &pm, const LLVMPipelineOptions &options);
/// Its two halves: up to loops on memrefs with buffers placed (the memory
/// plan's attributes are readable after it), then the conversion to LLVM.
void buildLoopsPipeline(mlir::OpPassManager &pm, const LLVMPipelineOptions &options);
void buildConversionPipeline(mlir::OpPassManager &pm, const LLVMPipelineOptions &options);

/// Registers every shiftadd pass and the `shiftadd-to-llvm` pipeline.
void registerAllPasses();

} // namespace shiftadd

#endif // SHIFTADD_PASSES_PASSES_H
