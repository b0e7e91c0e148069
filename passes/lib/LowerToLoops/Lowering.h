//===- Lowering.h - State of one function's loop lowering -------*- C++ -*-===//

#ifndef SHIFTADD_PASSES_LOWERTOLOOPS_LOWERING_H
#define SHIFTADD_PASSES_LOWERTOLOOPS_LOWERING_H

#include "Emitter.h"
#include "shiftadd/IR/ShiftAdd.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseSet.h"

namespace shiftadd {

/// Maps each tensor of the function being lowered to its flat buffer.
struct FunctionLowering {
  explicit FunctionLowering(Emitter &emit) : emit(emit) {}

  Emitter &emit;
  /// One block per output channel (the pass's channel-blocks option).
  bool channelBlocks = false;
  /// Output channels of a shift layer summed together (the pass's channel-tile).
  unsigned channelTile = 1;
  /// Tiles keep a partial sum per exponent (the pass's exponent-sums).
  bool exponentSums = false;
  /// Two output pixels per step (the pass's pixel-pairs).
  bool pixelPairs = false;
  /// Unrolled layers read an i32 copy of their input (the pass's wide-inputs).
  bool wideInputs = false;
  /// Shift layers with one group are tiled even one channel at a time and
  /// read rows of i32 copies of their input, pixel pairs packed (the pass's
  /// tile-words).
  bool tileWords = false;
  llvm::DenseMap<mlir::Value, mlir::Value> buffers;
  /// Results that write straight into an output argument.
  llvm::DenseMap<mlir::Value, mlir::Value> outputBuffers;
  /// Padded layers copy their input even where its producer could write
  /// the border (the pass's padding-copies).
  bool paddingCopies = false;
  /// Results whose buffer already holds the zero border that the one layer
  /// reading them pads its input with (written into by their producer).
  llvm::DenseSet<mlir::Value> prePadded;

  mlir::Value bufferOf(mlir::Value tensor) const { return buffers.lookup(tensor); }
  /// The buffer `tensor` is computed into: an output argument, else the
  /// buffer of one of `inPlaceOver` (inputs of an element-wise op) that is
  /// read by nothing later, else a new alloc.
  mlir::Value createBuffer(mlir::Value tensor, mlir::ValueRange inPlaceOver = {});
};

/// A private constant memref.global `name` holding `data` (flat), created at
/// the start of `module`, and its memref.get_global at the insertion point.
mlir::Value constantGlobal(Emitter &emit, mlir::ModuleOp module, llvm::StringRef name,
                           mlir::DenseElementsAttr data);

/// memref<N x iB> holding a tensor of !shiftadd.fixed<iB, f>. Rank-4
/// (image) tensors are stored channels-last (NHWC) inside a function, so that
/// a pixel's channels are adjacent; other tensors row-major.
mlir::MemRefType flatBufferType(mlir::Type tensorType);

/// Whether a tensor's buffer is NHWC, i.e. differs from its row-major order.
bool isTransposed(mlir::Type tensorType);

/// How a tensor's elements of channel c (axis 1) lie in its buffer:
/// `outer` groups `outerStep` apart, channel c at `c * channelStep` in each,
/// then `inner` consecutive elements.
struct ChannelView {
  int64_t outer, outerStep, channels, channelStep, inner;
};
ChannelView channelView(mlir::Type tensorType);

/// Fills the border of the NHWC buffer `padded`, images of `nhwc` (shape
/// without the border) with `pads` (top, left, bottom, right) around them,
/// with `fill`.
void fillBorder(Emitter &emit, mlir::Value padded, llvm::ArrayRef<int64_t> nhwc, llvm::ArrayRef<int64_t> pads,
                int64_t fill);

/// A copy of the NHWC image `input` (`nhwc` its shape) with `pads` (top,
/// left, bottom, right) elements of `fill` around each image, in `element`
/// (inputs sign-extend to it).
mlir::Value padImage(Emitter &emit, mlir::Value input, mlir::Type element, llvm::ArrayRef<int64_t> nhwc,
                     llvm::ArrayRef<int64_t> pads, int64_t fill);

/// Lowers a layer op (conv or linear), fused with `requantize` when given.
/// Fails with a diagnostic when a bound makes exact code impossible.
mlir::LogicalResult lowerLayer(FunctionLowering &f, mlir::Operation *layer,
                               RequantizeOp requantize);

/// Lowers requantize, add, clamp and pooling ops.
mlir::LogicalResult lowerRequantize(FunctionLowering &f, RequantizeOp op);
mlir::LogicalResult lowerAdd(FunctionLowering &f, AddOp op);
mlir::LogicalResult lowerClamp(FunctionLowering &f, ClampOp op);
mlir::LogicalResult lowerPool(FunctionLowering &f, mlir::Operation *op);
mlir::LogicalResult lowerGlobalAvgPool(FunctionLowering &f, GlobalAvgPool2dOp op);

/// Requantizes one accumulator value of channel `c` (spec section 7) and
/// returns it in i32, clamped to the result range. `accBound` bounds |acc|.
/// `acc` may hold the accumulator shifted right by `accScale` <=
/// absorbableShift(op, c) (bits known to be zero): the rounding shift then
/// shifts by that much less, or the multiplier is that much larger.
mlir::FailureOr<mlir::Value> requantizeValue(Emitter &emit, RequantizeOp op, mlir::Value acc,
                                             uint64_t accBound, int64_t c, int64_t accScale = 0);
/// The part of an accumulator's power-of-two scale that channel `c`'s
/// requantization can take over: its right shift in power-of-two mode, any
/// in multiplier mode.
int64_t absorbableShift(RequantizeOp op, int64_t c);

/// The constants of a requantization for a run-time loop over channels:
/// requantizeTableStride(op) i32 entries per channel and, in multiplier
/// mode, the multipliers' signed digits, one byte each.
struct RequantizeTable {
  llvm::SmallVector<int32_t> channels;
  llvm::SmallVector<int8_t> digits;
};

/// The table of `op` given |acc| <= accBounds[c]; none when some channel
/// needs more than the table form computes exactly (such layers stay
/// unrolled, with immediates).
std::optional<RequantizeTable> requantizeTable(RequantizeOp op, llvm::ArrayRef<uint64_t> accBounds);
int64_t requantizeTableStride(RequantizeOp op);

/// Requantizes `acc` (i32) with one channel's table entries, from `entry`
/// of `channels` on, and clamps it. `digits` is the digit table (multiplier
/// mode only).
mlir::Value requantizeFromTable(Emitter &emit, RequantizeOp op, mlir::Value channels,
                                mlir::Value digits, mlir::Value entry, mlir::Value acc);

} // namespace shiftadd

#endif // SHIFTADD_PASSES_LOWERTOLOOPS_LOWERING_H
