//===- LowerElementwise.cpp - Requantize, add, clamp and pooling ----------===//

#include "Lowering.h"
#include "shiftadd/Support/SignedDigits.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace shiftadd;

static uint64_t magnitude(int64_t v) { return v < 0 ? uint64_t(-(v + 1)) + 1 : uint64_t(v); }

/// Whether R(v, shift) of every |v| <= reach, and its rounding half, fit i32.
static bool fitsI32(uint64_t reach, int64_t shift) {
  if (shift > 0)
    return reach + (uint64_t(1) << (shift - 1)) <= uint64_t(INT32_MAX);
  return ((unsigned __int128)reach << -shift) <= (unsigned __int128)INT32_MAX;
}

int64_t shiftadd::requantizeTableStride(RequantizeOp op) { return op.getMultiplier() ? 4 : 3; }

namespace {

/// Signed 128 bits: the multiplier table's bounds are exact products of 64-bit values.
using Int128 = __int128;

/// ceil(a / b) for b > 0.
Int128 ceilDiv(Int128 a, Int128 b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/// Multiplier mode (spec section 7) as a run-time sum over the multiplier's
/// signed digits; false when some channel cannot be computed exactly that way
/// (the layer then stays unrolled).
///
/// With S = shift + 31, pre = max(0, 32 - S) and post = max(0, S - 32):
/// R(v m, S) = floor(p / 2^32) >> post with p = (v << pre) m + 2^(31 + post).
/// The rounding shift becomes taking a 64-bit value's high word and an i32
/// shift: no variable 64-bit shift, for which Cortex-M0 would call a library
/// routine. p is a sum of +-x << k over the digits of m (k < 32), each term's
/// two words built with i32 shifts. v = acc + bias is first clamped to where
/// the output saturates anyway, which bounds x = v << pre and p.
bool multiplierTable(RequantizeOp op, ArrayRef<uint64_t> accBounds, RequantizeTable &table) {
  auto [lo, hi] = clampBounds(op.getClamp(), getFixedType(op.getOutput()));
  for (auto [c, accBound] : llvm::enumerate(accBounds)) {
    int64_t bias = op.getBias() ? channelValue(*op.getBias(), c) : 0;
    int64_t s = channelValue(op.getShift(), c) + 31, m = channelValue(*op.getMultiplier(), c);
    Int128 reach = Int128(accBound) + magnitude(bias);
    if (reach > INT32_MAX)
      return false;
    // The largest v with R(v m, S) <= lo and the smallest with R(v m, S) >= hi.
    Int128 half = Int128(1) << (s - 1);
    Int128 vmin = ceilDiv((Int128(lo) + 1) * (Int128(1) << s) - half, m) - 1;
    Int128 vmax = ceilDiv(Int128(hi) * (Int128(1) << s) - half, m);
    vmin = std::max(vmin, -reach), vmax = std::min(vmax, reach);
    if (vmin > vmax) // every v in range saturates to the same side
      vmin = vmax;
    int64_t pre = std::max<int64_t>(0, 32 - s), post = std::max<int64_t>(0, s - 32);
    Int128 largest = std::max(vmax, -vmin) << pre;
    if (largest >= (Int128(1) << 31) || largest * m + (Int128(1) << (31 + post)) >= (Int128(1) << 63))
      return false;
    int64_t begin = table.digits.size();
    auto digits = nonAdjacentForm(uint64_t(m), 32);
    if (begin + int64_t(digits.size()) >= (1 << 16))
      return false;
    for (auto [position, negative] : digits)
      table.digits.push_back(int8_t((negative ? 0x80 : 0) | position));
    int64_t shape = pre | post << 5 | int64_t(digits.size()) << 10 | begin << 15;
    table.channels.append({int32_t(bias), int32_t(vmin), int32_t(vmax), int32_t(shape)});
  }
  return true;
}

} // namespace

std::optional<RequantizeTable> shiftadd::requantizeTable(RequantizeOp op,
                                                         ArrayRef<uint64_t> accBounds) {
  RequantizeTable table;
  if (op.getMultiplier()) {
    if (!multiplierTable(op, accBounds, table))
      return std::nullopt;
    return table;
  }
  for (auto [c, accBound] : llvm::enumerate(accBounds)) {
    int64_t bias = op.getBias() ? channelValue(*op.getBias(), c) : 0;
    int64_t shift = channelValue(op.getShift(), c);
    if (!fitsI32(accBound + magnitude(bias), shift))
      return std::nullopt;
    // R(acc + bias, s) = ((acc + bias + half) << left) >> right, half folded into the bias.
    int64_t right = std::max<int64_t>(shift, 0), left = std::max<int64_t>(-shift, 0);
    table.channels.append({int32_t(bias + (right > 0 ? int64_t(1) << (right - 1) : 0)),
                           int32_t(left), int32_t(right)});
  }
  return table;
}

Value shiftadd::requantizeFromTable(Emitter &emit, RequantizeOp op, Value channels, Value digits,
                                    Value entry, Value acc) {
  auto &b = emit.builder();
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto [lo, hi] = clampBounds(op.getClamp(), getFixedType(op.getOutput()));
  auto at = [&](int64_t k) { return emit.load(channels, entry, k, i32); };
  Value v = arith::AddIOp::create(b, acc, at(0));
  if (!op.getMultiplier()) {
    v = arith::ShLIOp::create(b, v, at(1));
    v = arith::ShRSIOp::create(b, v, at(2));
    return emit.clamp(v, lo, hi);
  }
  v = arith::MinSIOp::create(b, arith::MaxSIOp::create(b, v, at(1)), at(2));
  // shape = pre | post << 5 | digit count << 10 | first digit << 15.
  Value shape = at(3);
  auto field = [&](int64_t lsb, int64_t mask) -> Value {
    Value shifted = arith::ShRUIOp::create(b, shape, emit.constant(i32, lsb));
    return mask ? arith::AndIOp::create(b, shifted, emit.constant(i32, mask)).getResult() : shifted;
  };
  Value post = field(5, 31), begin = field(15, 0);
  Value end = arith::AddIOp::create(b, begin, field(10, 31));
  Value x = arith::ShLIOp::create(b, v, field(0, 31));
  auto words = [&](Value low, Value high) -> Value {
    Value l = arith::ExtUIOp::create(b, i64, low), h = arith::ExtUIOp::create(b, i64, high);
    return arith::OrIOp::create(b, l, arith::ShLIOp::create(b, h, emit.constant(i64, 32)));
  };
  // The rounding constant 2^(31 + post): low word 2^31 when post = 0, else
  // high word 2^(post - 1).
  Value roundHigh = arith::ShRUIOp::create(b, arith::ShLIOp::create(b, emit.constant(i32, 1), post),
                                           emit.constant(i32, 1));
  Value postZero = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, post, emit.constant(i32, 0));
  Value roundLow = arith::SelectOp::create(b, postZero, emit.constant(i32, INT32_MIN), emit.constant(i32, 0));
  auto toIndex = [&](Value i) { return arith::IndexCastOp::create(b, b.getIndexType(), i); };
  auto sum = scf::ForOp::create(b, toIndex(begin), toIndex(end), emit.index(1),
                                ValueRange{words(roundLow, roundHigh)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(sum.getBody());
    Value p = sum.getRegionIterArgs()[0];
    // A digit is (negative << 7) | k: the term +-x << k, whose high word is
    // x >> (32 - k), written (x >> 1) >> (31 - k) so that no shift is by 32.
    Value digit = emit.load(digits, sum.getInductionVar(), 0, i32);
    Value sign = arith::ShRSIOp::create(b, digit, emit.constant(i32, 7));
    Value k = arith::AndIOp::create(b, digit, emit.constant(i32, 31));
    Value term = arith::SubIOp::create(b, arith::XOrIOp::create(b, x, sign), sign);
    Value low = arith::ShLIOp::create(b, term, k);
    Value high = arith::ShRSIOp::create(b, arith::ShRSIOp::create(b, term, emit.constant(i32, 1)),
                                        arith::XOrIOp::create(b, k, emit.constant(i32, 31)));
    scf::YieldOp::create(b, arith::AddIOp::create(b, p, words(low, high)).getResult());
  }
  Value p = sum.getResult(0);
  Value r = arith::TruncIOp::create(b, i32, arith::ShRSIOp::create(b, p, emit.constant(i64, 32)));
  r = arith::ShRSIOp::create(b, r, post);
  return emit.clamp(r, lo, hi);
}

FailureOr<Value> shiftadd::requantizeValue(Emitter &emit, RequantizeOp op, Value acc,
                                           uint64_t accBound, int64_t c, int64_t accScale) {
  auto &b = emit.builder();
  FixedType out = getFixedType(op.getOutput());
  auto [lo, hi] = clampBounds(op.getClamp(), out);
  int64_t bias = op.getBias() ? channelValue(*op.getBias(), c) : 0;
  int64_t shift = channelValue(op.getShift(), c);
  uint64_t reach = accBound + magnitude(bias); // bounds |acc + bias|

  // Pick the narrowest type in which no intermediate can overflow.
  bool wide;
  std::optional<int64_t> multiplier;
  if (op.getMultiplier()) {
    multiplier = channelValue(*op.getMultiplier(), c);
    unsigned __int128 peak = (unsigned __int128)reach * uint64_t(*multiplier) +
                             ((unsigned __int128)1 << (shift + 30));
    if (peak >> 63)
      return op.emitError("requantization of channel ")
             << c << " may overflow 64 bits (|acc + bias| up to " << reach
             << ", multiplier " << *multiplier << ")";
    wide = true;
  } else {
    wide = !fitsI32(reach, shift);
  }
  Type type = wide ? b.getI64Type() : b.getI32Type();
  assert(accScale <= absorbableShift(op, c) && "accumulator scale beyond the requantization's shift");
  Value v = wide ? arith::ExtSIOp::create(b, type, acc).getResult() : acc;
  if (multiplier) {
    // R((a 2^k + bias) m, S) with acc = a 2^k: the product is a (m 2^k) +
    // bias m, whose constant joins the rounding constant.
    v = arith::MulIOp::create(b, v, emit.constant(type, *multiplier << accScale));
    if (bias != 0)
      v = arith::AddIOp::create(b, v, emit.constant(type, bias * *multiplier));
    v = emit.roundShift(v, shift + 31);
  } else {
    // With C = bias + 2^(s-1) the rounding constant and acc = a 2^k,
    // floor((a 2^k + C) / 2^s) = floor((a + floor(C / 2^k)) / 2^(s - k)):
    // one shift fewer, and a smaller constant (on Thumb-1 often an
    // immediate instead of a literal-pool load).
    int64_t constant =
        llvm::divideFloorSigned(bias + (shift > 0 ? int64_t(1) << (shift - 1) : 0), int64_t(1) << accScale);
    if (constant != 0)
      v = arith::AddIOp::create(b, v, emit.constant(type, constant));
    if (shift > accScale)
      v = arith::ShRSIOp::create(b, v, emit.constant(type, shift - accScale));
    else if (shift < 0)
      v = arith::ShLIOp::create(b, v, emit.constant(type, -shift));
  }
  v = emit.clamp(v, lo, hi);
  return wide ? arith::TruncIOp::create(b, b.getI32Type(), v).getResult() : v;
}

int64_t shiftadd::absorbableShift(RequantizeOp op, int64_t c) {
  // A multiplier takes any scale of an i32 accumulator: m 2^k < 2^62.
  return op.getMultiplier() ? 31 : std::max<int64_t>(channelValue(op.getShift(), c), 0);
}

LogicalResult shiftadd::lowerRequantize(FunctionLowering &f, RequantizeOp op) {
  Emitter &emit = f.emit;
  Type i32 = emit.builder().getI32Type();
  Value input = f.bufferOf(op.getInput());
  Value output = f.createBuffer(op.getOutput(), op.getInput());
  SmallVector<uint64_t> bounds;
  if (Operation *producer = op.getInput().getDefiningOp())
    bounds = accumulatorBounds(producer);
  ChannelView view = channelView(op.getInput().getType());
  LogicalResult status = success();
  // Channels are unrolled so that their constants are immediates.
  emit.nest({{view.outer, {view.outerStep}}}, {emit.index(0)}, [&](ArrayRef<Value>, ArrayRef<Value> outer) {
    for (int64_t c = 0; c < view.channels && succeeded(status); ++c) {
      Value start = emit.offset(outer[0], c * view.channelStep);
      emit.nest({{view.inner, {1}}}, {start}, [&](ArrayRef<Value>, ArrayRef<Value> at) {
        Value acc = emit.load(input, at[0], 0, i32);
        uint64_t bound = bounds.empty() ? uint64_t(1) << 31 : bounds[c];
        FailureOr<Value> value = requantizeValue(emit, op, acc, bound, c);
        if (failed(value)) {
          status = failure();
          return;
        }
        emit.store(*value, output, at[0]);
      });
    }
  });
  f.buffers[op.getOutput()] = output;
  return status;
}

LogicalResult shiftadd::lowerAdd(FunctionLowering &f, AddOp op) {
  Emitter &emit = f.emit;
  auto &b = emit.builder();
  FixedType fx = getFixedType(op.getLhs()), fy = getFixedType(op.getRhs());
  FixedType out = getFixedType(op.getOutput());
  int64_t common = std::max(fx.getFrac(), fy.getFrac());
  const auto [lo, hi] = clampBounds(op.getClamp(), out);
  const int64_t low = lo, high = hi; // captured by the loop body below
  // |x * 2^(c - fx)| + |y * 2^(c - fy)| plus the rounding half must fit.
  int64_t spreadX = common - fx.getFrac(), spreadY = common - fy.getFrac();
  int64_t down = common - out.getFrac();
  if (spreadX > 40 || spreadY > 40 || down > 60 || down < -40)
    return op.emitError("rescaled add: formats too far apart for exact 64-bit code");
  using Wide = unsigned __int128;
  Wide peak = (Wide(1) << (fx.getWidth() - 1 + spreadX)) + (Wide(1) << (fy.getWidth() - 1 + spreadY));
  if (down > 0)
    peak += Wide(1) << (down - 1);
  if (down < 0)
    peak <<= -down;
  if (peak >> 63)
    return op.emitError("rescaled add: formats too far apart for exact 64-bit code");
  bool wide = peak > Wide(INT32_MAX);
  Type type = wide ? b.getI64Type() : b.getI32Type();
  Value lhs = f.bufferOf(op.getLhs()), rhs = f.bufferOf(op.getRhs());
  Value output = f.createBuffer(op.getOutput(), {op.getLhs(), op.getRhs()});
  int64_t count = op.getOutput().getType().getNumElements();
  emit.nest({{count, {1}}}, {emit.index(0)}, [&](ArrayRef<Value>, ArrayRef<Value> at) {
    Value x = emit.roundShift(emit.load(lhs, at[0], 0, type), fx.getFrac() - common);
    Value y = emit.roundShift(emit.load(rhs, at[0], 0, type), fy.getFrac() - common);
    Value sum = emit.roundShift(arith::AddIOp::create(b, x, y), common - out.getFrac());
    emit.store(emit.clamp(sum, low, high), output, at[0]);
  });
  f.buffers[op.getOutput()] = output;
  return success();
}

LogicalResult shiftadd::lowerClamp(FunctionLowering &f, ClampOp op) {
  Emitter &emit = f.emit;
  Type i32 = emit.builder().getI32Type();
  Value input = f.bufferOf(op.getInput());
  Value output = f.createBuffer(op.getOutput(), op.getInput());
  emit.nest({{op.getOutput().getType().getNumElements(), {1}}}, {emit.index(0)},
            [&](ArrayRef<Value>, ArrayRef<Value> at) {
              emit.store(emit.clamp(emit.load(input, at[0], 0, i32), op.getMin(), op.getMax()),
                         output, at[0]);
            });
  f.buffers[op.getOutput()] = output;
  return success();
}

LogicalResult shiftadd::lowerPool(FunctionLowering &f, Operation *op) {
  Emitter &emit = f.emit;
  auto &b = emit.builder();
  auto maxPool = dyn_cast<MaxPool2dOp>(op);
  auto avgPool = dyn_cast<AvgPool2dOp>(op);
  ArrayRef<int64_t> kernel = maxPool ? maxPool.getKernel() : avgPool.getKernel();
  ArrayRef<int64_t> strides = maxPool ? maxPool.getStrides() : avgPool.getStrides();
  ArrayRef<int64_t> pads = maxPool ? maxPool.getPads() : avgPool.getPads();
  ArrayRef<int64_t> in = cast<RankedTensorType>(op->getOperand(0).getType()).getShape();
  ArrayRef<int64_t> outShape = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  FixedType type = getFixedType(op->getOperand(0));
  int64_t n = in[0], c = in[1], h = in[2], w = in[3];
  int64_t hp = h + pads[0] + pads[2], wp = w + pads[1] + pads[3];
  int64_t oh = outShape[2], ow = outShape[3];
  bool padded = llvm::any_of(pads, [](int64_t p) { return p != 0; });
  Type i32 = b.getI32Type();

  // Padding holds the type's minimum for max pooling (never the largest: each
  // window has an image element) and 0 for averages (it adds nothing).
  Value input = f.bufferOf(op->getOperand(0));
  Value source = input;
  if (padded) {
    source = padImage(emit, input, type.getStorageType(), {n, h, w, c}, pads,
                      maxPool ? type.getMinValue() : 0);
  }
  Value output = f.createBuffer(op->getResult(0));
  bool countPadding = !padded || (avgPool && avgPool.getCountIncludePad());
  int64_t windowSize = kernel[0] * kernel[1];
  uint64_t sumBound = uint64_t(windowSize) << (type.getWidth() - 1);
  // NHWC. Carried: input window start, output element, and the window's
  // first image row and column (which may be negative) for counting.
  emit.nest({{n, {hp * wp * c, oh * ow * c, 0, 0}},
             {oh, {strides[0] * wp * c, ow * c, strides[0], 0}},
             {ow, {strides[1] * c, c, 0, strides[1]}},
             {c, {1, 1, 0, 0}}},
            {emit.index(0), emit.index(0), emit.index(-pads[0]), emit.index(-pads[1])},
            [&](ArrayRef<Value>, ArrayRef<Value> at) {
              Value result;
              for (int64_t r = 0; r < kernel[0]; ++r)
                for (int64_t s = 0; s < kernel[1]; ++s) {
                  Value x = emit.load(source, at[0], (r * wp + s) * c, i32);
                  result = !result ? x
                           : maxPool ? arith::MaxSIOp::create(b, result, x).getResult()
                                     : arith::AddIOp::create(b, result, x).getResult();
                }
              if (avgPool) {
                Value count = emit.constant(i32, windowSize);
                if (!countPadding) {
                  // Image rows times image columns of the window, by additions.
                  auto inside = [&](Value first, int64_t k, int64_t size) {
                    Value pos = arith::IndexCastOp::create(b, i32, emit.offset(first, k));
                    Value lowOk = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, pos,
                                                        emit.constant(i32, 0));
                    Value highOk = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, pos,
                                                         emit.constant(i32, size));
                    return arith::AndIOp::create(b, lowOk, highOk).getResult();
                  };
                  Value cols = emit.constant(i32, 0);
                  for (int64_t s = 0; s < kernel[1]; ++s)
                    cols = arith::AddIOp::create(
                        b, cols,
                        arith::ExtUIOp::create(b, i32, inside(at[3], s, w)));
                  count = emit.constant(i32, 0);
                  for (int64_t r = 0; r < kernel[0]; ++r)
                    count = arith::AddIOp::create(
                        b, count,
                        arith::SelectOp::create(b, inside(at[2], r, h), cols,
                                                emit.constant(i32, 0)));
                }
                result = emit.roundDiv(result, count, sumBound, windowSize);
              }
              emit.store(result, output, at[1]);
            });
  if (padded)
    memref::DeallocOp::create(b, source);
  f.buffers[op->getResult(0)] = output;
  return success();
}

LogicalResult shiftadd::lowerGlobalAvgPool(FunctionLowering &f, GlobalAvgPool2dOp op) {
  Emitter &emit = f.emit;
  auto &b = emit.builder();
  ArrayRef<int64_t> in = op.getInput().getType().getShape();
  FixedType type = getFixedType(op.getInput());
  int64_t channels = in[1], size = in[2] * in[3];
  Type i32 = b.getI32Type();
  Value input = f.bufferOf(op.getInput());
  Value output = f.createBuffer(op.getOutput());
  uint64_t sumBound = uint64_t(size) << (type.getWidth() - 1);
  // NHWC: a channel's elements are `channels` apart.
  emit.nest({{in[0], {size * channels, channels}}, {channels, {1, 1}}},
            {emit.index(0), emit.index(0)}, [&](ArrayRef<Value>, ArrayRef<Value> at) {
              auto loop = scf::ForOp::create(b, emit.index(0), emit.index(size), emit.index(1),
                                             ValueRange{at[0], emit.constant(i32, 0)});
              {
                OpBuilder::InsertionGuard guard(b);
                b.setInsertionPointToStart(loop.getBody());
                Value offset = loop.getRegionIterArgs()[0];
                Value sum = arith::AddIOp::create(b, loop.getRegionIterArgs()[1],
                                                  emit.load(input, offset, 0, i32));
                scf::YieldOp::create(b, ValueRange{emit.offset(offset, channels), sum});
              }
              Value mean = emit.roundDiv(loop.getResult(1), emit.constant(i32, size), sumBound, size);
              emit.store(mean, output, at[1]);
            });
  f.buffers[op.getOutput()] = output;
  return success();
}
