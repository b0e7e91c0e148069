//===- Pipeline.cpp - From the shiftadd dialect to the LLVM dialect -------===//

#include "shiftadd/Passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void shiftadd::buildLoopsPipeline(OpPassManager &pm, const LLVMPipelineOptions &options) {
  ShiftAddLowerToLoopsOptions loops;
  loops.channelBlocks = options.channelBlocks;
  loops.channelTile = options.channelTile;
  loops.exponentSums = options.exponentSums;
  loops.pixelPairs = options.pixelPairs;
  loops.wideInputs = options.wideInputs;
  loops.paddingCopies = options.paddingCopies;
  loops.tileWords = options.tileWords;
  pm.addPass(createShiftAddLowerToLoops(loops));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createShiftAddExpandConstantMultiplications());
  if (options.arena)
    pm.addPass(createShiftAddPlanMemory());
  else
    pm.addPass(createShiftAddStaticBuffers());
  pm.addPass(createCSEPass());
  if (options.outlineLoops)
    pm.addPass(createShiftAddOutlineLoops());
  // After the last canonicalization, which would fold the chunk bases back.
  if (options.offsetReach)
    pm.addPass(createShiftAddRebaseOffsets(ShiftAddRebaseOffsetsOptions{options.offsetReach}));
  pm.addPass(createShiftAddVerifyMultFree());
}

void shiftadd::buildConversionPipeline(OpPassManager &pm, const LLVMPipelineOptions &options) {
  pm.addPass(createSCFToControlFlowPass());
  ArithToLLVMConversionPassOptions arith;
  arith.indexBitwidth = options.indexBitwidth;
  pm.addPass(createArithToLLVMConversionPass(arith));
  FinalizeMemRefToLLVMConversionPassOptions memref;
  memref.indexBitwidth = options.indexBitwidth;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memref));
  // Flat static buffers are passed as bare pointers: a C-callable
  // `void f(const int8_t *in, ..., int8_t *out, ...[, void *arena])`.
  ConvertFuncToLLVMPassOptions func;
  func.useBarePtrCallConv = true;
  func.indexBitwidth = options.indexBitwidth;
  pm.addPass(createConvertFuncToLLVMPass(func));
  ConvertControlFlowToLLVMPassOptions cf;
  cf.indexBitwidth = options.indexBitwidth;
  pm.addPass(createConvertControlFlowToLLVMPass(cf));
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createShiftAddMarkNoUnwind());
  // Index linearisation in the conversions must not have brought one back.
  pm.addPass(createShiftAddVerifyMultFree());
}

void shiftadd::buildLLVMPipeline(OpPassManager &pm, const LLVMPipelineOptions &options) {
  buildLoopsPipeline(pm, options);
  buildConversionPipeline(pm, options);
}

void shiftadd::registerAllPasses() {
  registerShiftAddPasses();
  PassPipelineRegistration<LLVMPipelineOptions>(
      "shiftadd-to-llvm",
      "Lower shiftadd to the LLVM dialect without multiplications (C-callable, nounwind)",
      buildLLVMPipeline);
}
