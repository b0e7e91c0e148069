//===- LowerLayers.cpp - Layers as weight-specialised add chains ----------===//
//
// Weights are compile-time constants, so each output channel's sum is emitted
// as straight-line code over its non-zero taps: shift layers group taps by
// exponent (adds/subs, then one shift per exponent), adder layers sum
// |x - w| with w an immediate, multiplicative layers group taps by |w| and
// leave one `arith.muli` by a constant per distinct |w| for the CSD pass.
// Packed shift layers instead loop over channels and taps at run time,
// decoding the codes and requantizing from per-channel tables.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "shiftadd/Support/ShiftCode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

using namespace mlir;
using namespace shiftadd;

namespace {

enum class Kind { Shift, Adder, Mul };

/// Shapes of a convolution; linear layers are 1x1 convolutions of 1x1 images.
struct Geometry {
  int64_t n, c, h, w, o, kh, kw, sh = 1, sw = 1, groups = 1;
  int64_t top = 0, left = 0, bottom = 0, right = 0;
  int64_t outH() const { return (h + top + bottom - kh) / sh + 1; }
  int64_t outW() const { return (w + left + right - kw) / sw + 1; }
  bool padded() const { return top || left || bottom || right; }
};

struct LayerInfo {
  Kind kind;
  Geometry g;
  DenseIntElementsAttr weights;
  ShiftCode code;               // shift layers only
  FlatSymbolRefAttr packed = {}; // shift layers packed by shiftadd-pack-weights
  int64_t accShift = 0;          // adder layers: the sum shifted left (spec section 4)
};

Geometry convGeometry(Value input, DenseIntElementsAttr weights, ArrayRef<int64_t> strides,
                      ArrayRef<int64_t> pads, int64_t groups) {
  ArrayRef<int64_t> in = cast<RankedTensorType>(input.getType()).getShape();
  ArrayRef<int64_t> ws = weights.getType().getShape();
  Geometry g{in[0], in[1], in[2], in[3], ws[0], ws[2], ws[3]};
  g.sh = strides[0], g.sw = strides[1], g.groups = groups;
  g.top = pads[0], g.left = pads[1], g.bottom = pads[2], g.right = pads[3];
  return g;
}

Geometry linearGeometry(Value input, DenseIntElementsAttr weights) {
  ArrayRef<int64_t> in = cast<RankedTensorType>(input.getType()).getShape();
  return Geometry{in[0], in[1], 1, 1, weights.getType().getShape()[0], 1, 1};
}

ShiftCode codeOf(ShiftCodeAttr attr) {
  return ShiftCode{int(attr.getBits()), int(attr.getMaxExp())};
}

LayerInfo describe(Operation *layer) {
  return llvm::TypeSwitch<Operation *, LayerInfo>(layer)
      .Case([](ShiftConv2dOp op) {
        return LayerInfo{Kind::Shift,
                         convGeometry(op.getInput(), op.getWeights(), op.getStrides(),
                                      op.getPads(), op.getGroups()),
                         op.getWeights(), codeOf(op.getCode()), op.getPackedAttr()};
      })
      .Case([](ShiftLinearOp op) {
        return LayerInfo{Kind::Shift, linearGeometry(op.getInput(), op.getWeights()),
                         op.getWeights(), codeOf(op.getCode()), op.getPackedAttr()};
      })
      .Case([](AdderConv2dOp op) {
        return LayerInfo{Kind::Adder,
                         convGeometry(op.getInput(), op.getWeights(), op.getStrides(),
                                      op.getPads(), op.getGroups()),
                         op.getWeights(), ShiftCode{}, {}, op.getAccShift()};
      })
      .Case([](MulConv2dOp op) {
        return LayerInfo{Kind::Mul,
                         convGeometry(op.getInput(), op.getWeights(), op.getStrides(),
                                      op.getPads(), op.getGroups()),
                         op.getWeights(), ShiftCode{}};
      })
      .Case([](MulLinearOp op) {
        return LayerInfo{Kind::Mul, linearGeometry(op.getInput(), op.getWeights()),
                         op.getWeights(), ShiftCode{}};
      });
}

/// A zero-padded copy of an NHWC buffer (the input itself when unpadded, or
/// `prePadded`: written with its border by its producer, see consumerPads),
/// or with `wide`, a copy in i32 whether padded or not.
Value padInput(Emitter &emit, Value input, const Geometry &g, bool wide, bool prePadded) {
  if (prePadded)
    return input;
  Type element = cast<MemRefType>(input.getType()).getElementType();
  if (wide)
    element = emit.builder().getI32Type();
  if (!g.padded() && element == cast<MemRefType>(input.getType()).getElementType())
    return input;
  return padImage(emit, input, element, {g.n, g.h, g.w, g.c}, {g.top, g.left, g.bottom, g.right}, 0);
}

/// The pads (top, left, bottom, right) of the convolution that is the only
/// user of `result`, when it pads: the producer of `result` then writes
/// into the interior of that layer's padded input, and no copy is made.
std::optional<SmallVector<int64_t>> consumerPads(const FunctionLowering &f, Value result) {
  if (f.paddingCopies || !result.hasOneUse() || f.outputBuffers.count(result))
    return std::nullopt;
  Operation *user = *result.getUsers().begin();
  if (!isa<ShiftConv2dOp, AdderConv2dOp, MulConv2dOp>(user) || user->getOperand(0) != result)
    return std::nullopt;
  LayerInfo info = describe(user);
  // A reader with wide inputs copies its input into i32 anyway (padding it then).
  if (!info.g.padded() || (f.wideInputs && !info.packed))
    return std::nullopt;
  const Geometry &g = info.g;
  return SmallVector<int64_t>{g.top, g.left, g.bottom, g.right};
}

/// Copies `count` elements of `input` from offset `from` on into the i32
/// buffer `words`, sign-extended (zero-extended when `nonNegative`: Thumb-1
/// has an immediate offset for `ldrb`, not for `ldrsb`); with `partner` != 0,
/// each word also carries in its high 16 bits the element `partner` further
/// on (x + x' << 16: the same tap of the second pixel of a pair).
void packWords(Emitter &emit, Value input, Value from, Value words, int64_t count, int64_t partner,
               bool nonNegative) {
  auto &b = emit.builder();
  Type i32 = b.getI32Type();
  int64_t unroll = count % 4 == 0 ? 4 : 1;
  // Rows of hundreds of words: Thumb-1 compares with 8-bit immediates only,
  // and without constant hoisting (Cortex-M0) a larger trip count would be
  // materialized at every iteration.
  LoopLevel row{count / unroll, {unroll, unroll}, /*exitAtZero=*/true};
  SmallVector<Value> init = {from, emit.index(0)};
  // The partners' offset is carried of its own: with one offset and the
  // partners at a constant beyond Thumb-1's immediate reach, llc bases the
  // loop on the partners and builds each first element's address with a
  // `mov` and a `subs` (1.6 % more instructions on the Cortex-M0 benchmark).
  if (partner) {
    row.steps.push_back(unroll);
    init.push_back(emit.offset(from, partner));
  }
  emit.nest({row}, init, [&](ArrayRef<Value>, ArrayRef<Value> at) {
    for (int64_t i = 0; i < unroll; ++i) {
      Value word = emit.load(input, at[0], i, i32, nonNegative);
      if (partner)
        word = arith::AddIOp::create(b, word,
                                     arith::ShLIOp::create(b, emit.load(input, at[2], i, i32, nonNegative),
                                                           emit.constant(i32, 16)));
      emit.store(word, words, at[1], i);
    }
  });
}

/// Sum of signed terms, starting from a positive one when there is one so
/// that no negation is needed.
Value signedSum(Emitter &emit, ArrayRef<std::pair<Value, bool>> terms) {
  auto &b = emit.builder();
  auto first = llvm::find_if(terms, [](auto &t) { return !t.second; });
  Value sum = first != terms.end() ? first->first
                                   : arith::SubIOp::create(b, emit.constant(b.getI32Type(), 0),
                                                           terms.front().first)
                                         .getResult();
  const std::pair<Value, bool> *skip = first != terms.end() ? &*first : &terms.front();
  for (const auto &term : terms) {
    if (&term == skip)
      continue;
    sum = term.second ? arith::SubIOp::create(b, sum, term.first).getResult()
                      : arith::AddIOp::create(b, sum, term.first).getResult();
  }
  return sum;
}

/// The i32 accumulator of output channel `o` at the pixel whose input window
/// starts `window` elements after `base` of the padded input, shifted right
/// by `scale` <= `maxScale`: as much of a shift layer's lowest exponent in
/// use, or of an adder layer's acc_shift, as the requantization takes over
/// (one shift fewer). Inputs are loaded through `loaded` (offset from `base`
/// -> value), so that pixels computed together load the inputs their
/// windows share once.
Value channelSum(Emitter &emit, const LayerInfo &layer, ArrayRef<int64_t> weights, Value input,
                 Value base, int64_t window, llvm::DenseMap<int64_t, Value> &loaded, int64_t o, int64_t wp,
                 int64_t maxScale, int64_t &scale) {
  auto &b = emit.builder();
  Type i32 = b.getI32Type();
  const Geometry &g = layer.g;
  int64_t cPerGroup = g.c / g.groups, group = o / (g.o / g.groups);
  // Group key -> signed terms: the exponent's shift (shift), |w| (mul), 0 (adder).
  std::map<int64_t, SmallVector<std::pair<Value, bool>>> groups;
  for (int64_t c = 0; c < cPerGroup; ++c)
    for (int64_t r = 0; r < g.kh; ++r)
      for (int64_t s = 0; s < g.kw; ++s) {
        int64_t w = weights[((o * cPerGroup + c) * g.kh + r) * g.kw + s];
        if (w == 0 && layer.kind != Kind::Adder)
          continue;
        int64_t tap = window + (r * wp + s) * g.c + group * cPerGroup + c; // NHWC
        Value x = loaded.lookup(tap);
        if (!x)
          loaded[tap] = x = emit.load(input, base, tap, i32);
        switch (layer.kind) {
        case Kind::Shift:
          groups[layer.code.exponent(int(w)) - layer.code.minExp()].push_back({x, w < 0});
          break;
        case Kind::Mul:
          groups[std::abs(w)].push_back({x, w < 0});
          break;
        case Kind::Adder: {
          Value d = arith::SubIOp::create(b, x, emit.constant(i32, w));
          Value negD = arith::SubIOp::create(b, emit.constant(i32, 0), d);
          groups[0].push_back({arith::MaxSIOp::create(b, d, negD), true});
          break;
        }
        }
      }
  int64_t lowest = layer.kind == Kind::Shift && !groups.empty() ? groups.begin()->first : 0;
  lowest = std::min(lowest, maxScale);
  scale = std::min(lowest + layer.accShift, maxScale);
  if (groups.empty())
    return emit.constant(i32, 0);
  Value acc;
  for (auto &[key, terms] : groups) {
    Value partial = signedSum(emit, terms);
    if (layer.kind == Kind::Shift && key > lowest)
      partial = arith::ShLIOp::create(b, partial, emit.constant(i32, key - lowest));
    else if (layer.kind == Kind::Mul && key != 1)
      partial = arith::MulIOp::create(b, partial, emit.constant(i32, key));
    acc = acc ? arith::AddIOp::create(b, acc, partial).getResult() : partial;
  }
  if (layer.accShift > scale)
    acc = arith::ShLIOp::create(b, acc, emit.constant(i32, layer.accShift - scale));
  return acc;
}

/// The range of a layer input's elements: what its producer's clamp leaves
/// (after a ReLU, inputs are non-negative), else its type's; widened to 0,
/// the value of a zero border.
std::pair<int64_t, int64_t> inputRange(Value input) {
  std::optional<ArrayRef<int64_t>> clamp;
  if (auto op = input.getDefiningOp<RequantizeOp>())
    clamp = op.getClamp();
  else if (auto op = input.getDefiningOp<AddOp>())
    clamp = op.getClamp();
  auto [lo, hi] = clampBounds(clamp, getFixedType(input));
  if (auto op = input.getDefiningOp<ClampOp>())
    lo = std::max(lo, op.getMin()), hi = std::min(hi, op.getMax());
  return {std::min<int64_t>(lo, 0), std::max<int64_t>(hi, 0)};
}

/// What one of a channel's partial sums contributes at one pixel: the range
/// [lo, hi] of its value and the shift it then takes.
struct PartialRange {
  int64_t shift = 0, lo = 0, hi = 0;
  /// Adds a term factor * x, x in `range`.
  void add(int64_t factor, std::pair<int64_t, int64_t> range) {
    lo += std::min(factor * range.first, factor * range.second);
    hi += std::max(factor * range.first, factor * range.second);
  }
};

/// Splits a channel's partial sums, in order of shift, into groups whose sum
/// relative to the group's lowest shift stays within a 16-bit lane,
/// [-2^15, 2^15), at every input; returns the groups' sizes. Pixel pairs
/// separate their lanes once per group instead of once per partial sum.
SmallVector<size_t> laneGroups(ArrayRef<PartialRange> parts) {
  SmallVector<size_t> sizes;
  int64_t first = 0, lo = 0, hi = 0;
  for (const PartialRange &p : parts) {
    int64_t scale = int64_t(1) << std::min<int64_t>(p.shift - first, 32);
    if (!sizes.empty() && lo + p.lo * scale >= -(1 << 15) && hi + p.hi * scale < (1 << 15)) {
      ++sizes.back(), lo += p.lo * scale, hi += p.hi * scale;
      continue;
    }
    sizes.push_back(1), first = p.shift, lo = p.lo, hi = p.hi;
  }
  return sizes;
}

/// The accumulators of output channels [first, first + count) of a shift
/// layer with one group, input-major: each input is loaded once for all of
/// them. By default it is added, shifted by its weight's exponent, to each
/// accumulator (on Arm the shift is an operand of the add), so a weight
/// costs about one instruction instead of a load and an add. With
/// `exponentSums` (cores without a shifted operand) each channel keeps a
/// partial sum per exponent instead, a weight costs one add, and the shifts
/// come once per exponent when the partial sums are combined.
///
/// With `partner` != 0 (pixel pairs, exponent sums only) each loaded term
/// carries in its high 16 bits the input `partner` elements further on, the
/// same tap of a second output pixel; a partial sum takes at most
/// `laneTerms` terms, so that its low lane stays within 16 bits, and the
/// second pixel's accumulators follow the first's in the result; the lanes
/// are separated once per laneGroups group, given the inputs' `range`. With
/// `packedPairs`, `input` already holds such terms (packWords). Channel k's
/// accumulators are shifted right by `scales[k]`: its lowest exponent in use,
/// up to `maxScale(first + k)` (as channelSum's).
SmallVector<Value> tileSums(Emitter &emit, const LayerInfo &layer, ArrayRef<int64_t> weights, Value input,
                            Value base, int64_t first, int64_t count, int64_t wp, bool exponentSums,
                            int64_t partner, int64_t laneTerms, std::pair<int64_t, int64_t> range,
                            bool packedPairs, function_ref<int64_t(int64_t)> maxScale,
                            SmallVector<int64_t> &scales) {
  auto &b = emit.builder();
  Type i32 = b.getI32Type();
  const Geometry &g = layer.g;
  struct Partial {
    Value sum;
    bool negated; // holds the negated sum
    int64_t terms;
    PartialRange range; // of the (non-negated) contribution
  };
  // Per channel: shift -> the open partial sum (without exponentSums
  // everything goes to shift 0), and the full ones of pixel pairs.
  SmallVector<std::map<int64_t, Partial>> open(count);
  SmallVector<SmallVector<std::pair<int64_t, Partial>>> full(count);
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t r = 0; r < g.kh; ++r)
      for (int64_t s = 0; s < g.kw; ++s) {
        Value x;
        for (int64_t k = 0; k < count; ++k) {
          int64_t w = weights[(((first + k) * g.c + c) * g.kh + r) * g.kw + s];
          if (w == 0)
            continue;
          if (!x) {
            int64_t tap = (r * wp + s) * g.c + c;
            x = emit.load(input, base, tap, i32);
            if (partner && !packedPairs)
              x = arith::AddIOp::create(b, x,
                                        arith::ShLIOp::create(b, emit.load(input, base, tap + partner, i32),
                                                              emit.constant(i32, 16)));
          }
          int64_t shift = layer.code.exponent(int(w)) - layer.code.minExp();
          Value term = x;
          int64_t factor = w < 0 ? -1 : 1;
          if (!exponentSums && shift) {
            term = arith::ShLIOp::create(b, x, emit.constant(i32, shift));
            factor *= int64_t(1) << shift, shift = 0;
          }
          auto [it, fresh] = open[k].try_emplace(shift, Partial{term, w < 0, 1, {shift}});
          it->second.range.add(factor, range);
          if (fresh) {
            // A single sum starts negated right away (measured: 0.7 % fewer
            // instructions on Cortex-M4 than negating at the end).
            if (!exponentSums && w < 0)
              it->second.sum = arith::SubIOp::create(b, emit.constant(i32, 0), term), it->second.negated = false;
          } else {
            // A negated partial sum takes a positive term by subtracting it.
            Partial &p = it->second;
            p.sum = (w < 0) != p.negated ? arith::SubIOp::create(b, p.sum, term).getResult()
                                         : arith::AddIOp::create(b, p.sum, term).getResult();
            ++p.terms;
          }
          if (partner && it->second.terms == laneTerms) {
            full[k].push_back(*it);
            open[k].erase(it);
          }
        }
      }
  auto shifted = [&](Value v, int64_t shift) {
    return shift ? arith::ShLIOp::create(b, v, emit.constant(i32, shift)).getResult() : v;
  };
  // sum +-p << (shift - lowest) over partial sums of one channel (sorted by
  // shift, none below `lowest`).
  auto combine = [&](ArrayRef<std::pair<int64_t, Partial>> parts, int64_t lowest) {
    SmallVector<std::pair<Value, bool>> terms;
    for (auto &[shift, p] : parts)
      terms.push_back({shifted(p.sum, shift - lowest), p.negated});
    return terms.empty() ? emit.constant(i32, 0) : signedSum(emit, terms);
  };
  SmallVector<Value> acc(partner ? 2 * count : count);
  scales.assign(count, 0);
  for (int64_t k = 0; k < count; ++k) {
    SmallVector<std::pair<int64_t, Partial>> parts(open[k].begin(), open[k].end());
    parts.append(full[k]);
    llvm::stable_sort(parts, [](auto &l, auto &r) { return l.first < r.first; });
    // (Without exponent sums every partial sum is at shift 0.)
    int64_t lowest = parts.empty() ? 0 : parts.front().first;
    scales[k] = lowest = std::min(lowest, maxScale(first + k));
    if (!partner || parts.empty()) {
      acc[k] = combine(parts, lowest);
      if (partner)
        acc[count + k] = acc[k];
      continue;
    }
    // A group's sum is lo + hi * 2^16 modulo 2^32 with lo and hi (a pixel's
    // values) in [-2^15, 2^15), so hi = (sum + 2^15) >> 16. The full sum is
    // the first pixel's plus the second's << 16, modulo 2^32, and the
    // first's fits in 32 bits.
    SmallVector<std::pair<Value, bool>> sums, highs;
    ArrayRef<std::pair<int64_t, Partial>> rest = parts;
    SmallVector<PartialRange> ranges = llvm::map_to_vector(parts, [](auto &p) { return p.second.range; });
    for (size_t size : laneGroups(ranges)) {
      ArrayRef<std::pair<int64_t, Partial>> group = rest.take_front(size);
      rest = rest.drop_front(size);
      Value sum = combine(group, group.front().first);
      Value high = arith::ShRSIOp::create(b, arith::AddIOp::create(b, sum, emit.constant(i32, 1 << 15)),
                                          emit.constant(i32, 16));
      sums.push_back({shifted(sum, group.front().first - lowest), false});
      highs.push_back({shifted(high, group.front().first - lowest), false});
    }
    Value high = signedSum(emit, highs);
    acc[k] = arith::SubIOp::create(b, signedSum(emit, sums), arith::ShLIOp::create(b, high, emit.constant(i32, 16)));
    acc[count + k] = high;
  }
  return acc;
}

/// The accumulator of one output channel of a packed shift layer: a loop
/// over its taps that decodes each sign-magnitude code (spec section 3) and
/// adds +-x << (L - |k|), zero codes adding nothing. `window` is the offset
/// of the channel's group's first input at the window's first pixel, `bit`
/// that of the channel's first code.
Value packedChannelSum(Emitter &emit, const LayerInfo &layer, Value codes, Value input,
                       Value window, Value bit, int64_t wp) {
  auto &b = emit.builder();
  Type i32 = b.getI32Type();
  const Geometry &g = layer.g;
  int64_t cPerGroup = g.c / g.groups;
  int64_t bits = layer.code.bits, levels = layer.code.levels();
  // Carried: the tap's input offset (NHWC) and its code's bit position.
  SmallVector<LoopLevel> loops = {{cPerGroup, {1, g.kh * g.kw * bits}},
                                  {g.kh, {wp * g.c, g.kw * bits}},
                                  {g.kw, {g.c, bits}}};
  return emit.reduce(loops, {window, bit}, emit.constant(i32, 0), [&](ArrayRef<Value> at, Value acc) {
    Value bit = at[1];
    Value byte = arith::ShRUIOp::create(b, bit, emit.index(3));
    Value low = arith::ExtUIOp::create(b, i32, memref::LoadOp::create(b, codes, ValueRange{byte}));
    Value high = arith::ExtUIOp::create(
        b, i32, memref::LoadOp::create(b, codes, ValueRange{emit.offset(byte, 1)}));
    Value pair = arith::OrIOp::create(b, low, arith::ShLIOp::create(b, high, emit.constant(i32, 8)));
    Value within = arith::IndexCastOp::create(b, i32, arith::AndIOp::create(b, bit, emit.index(7)));
    Value code = arith::ShRUIOp::create(b, pair, within);
    Value magnitude = arith::AndIOp::create(b, code, emit.constant(i32, (1 << (bits - 1)) - 1));
    Value negative = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, code, emit.constant(i32, bits - 1)), emit.constant(i32, 1));
    // W = 2^(L - |k|); the mask keeps the shift defined for k = 0, whose term is dropped.
    Value amount = arith::AndIOp::create(
        b, arith::SubIOp::create(b, emit.constant(i32, levels), magnitude), emit.constant(i32, 31));
    Value x = emit.load(input, at[0], 0, i32);
    Value term = arith::ShLIOp::create(b, x, amount);
    Value isZero = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, magnitude, emit.constant(i32, 0));
    term = arith::SelectOp::create(b, isZero, emit.constant(i32, 0), term);
    Value signMask = arith::SubIOp::create(b, emit.constant(i32, 0), negative);
    term = arith::SubIOp::create(b, arith::XOrIOp::create(b, term, signMask), signMask);
    return arith::AddIOp::create(b, acc, term).getResult();
  });
}

/// Whether pixel pairs save instructions on a tiled layer with exponent
/// sums, whose inputs lie in `range`. Per output channel and pair of pixels
/// they save an add per non-zero weight and the second pixel's combination of
/// its partial sums (a shift and an add each), and cost four instructions per
/// laneGroups group (the second pixel's part of it from the rounded high
/// half) and two to separate the lanes; packing the inputs costs `packing`
/// per pair of pixels.
bool pairsPay(const LayerInfo &layer, ArrayRef<int64_t> weights, int64_t laneTerms,
              std::pair<int64_t, int64_t> range, int64_t packing) {
  const Geometry &g = layer.g;
  int64_t taps = g.c * g.kh * g.kw, saved = -packing;
  for (int64_t o = 0; o < g.o; ++o) {
    // The partial sums tileSums forms: one per exponent, split every
    // laneTerms terms.
    std::map<int64_t, std::pair<PartialRange, int64_t>> open;
    SmallVector<PartialRange> parts;
    for (int64_t w : weights.slice(o * taps, taps)) {
      if (!w)
        continue;
      int64_t shift = layer.code.exponent(int(w)) - layer.code.minExp();
      auto &[part, terms] = open.try_emplace(shift, std::pair{PartialRange{shift}, 0}).first->second;
      part.add(w < 0 ? -1 : 1, range);
      ++saved;
      if (++terms == laneTerms) {
        parts.push_back(part);
        open.erase(shift);
      }
    }
    for (auto &entry : open)
      parts.push_back(entry.second.first);
    llvm::stable_sort(parts, [](auto &l, auto &r) { return l.shift < r.shift; });
    saved += 2 * int64_t(parts.size()) - 4 * int64_t(laneGroups(parts).size()) - 2;
  }
  return saved > 0;
}

/// A constant table named after the packed codes `codes` it belongs to.
template <typename T>
Value tableGlobal(Emitter &emit, Operation *layer, FlatSymbolRefAttr codes, StringRef suffix,
                  ArrayRef<T> values) {
  auto type = RankedTensorType::get({int64_t(values.size())}, emit.builder().getIntegerType(8 * sizeof(T)));
  return constantGlobal(emit, layer->getParentOfType<ModuleOp>(), (codes.getValue() + suffix).str(),
                        DenseElementsAttr::get(type, values));
}

/// A requantization fused into a packed layer's channel loop, with its tables.
struct TableRequantize {
  RequantizeOp op;
  Value channels, digits;
};

/// The output channels of a packed layer at one pixel as a run-time loop
/// (groups, then channels within a group), requantized from tables: the
/// code no longer grows with the channel count.
void packedChannelLoop(Emitter &emit, const LayerInfo &layer, Value codes, Value input,
                       const TableRequantize &requantize, Value output, Value window, Value pixel,
                       int64_t wp) {
  const Geometry &g = layer.g;
  int64_t cPerGroup = g.c / g.groups, oPerGroup = g.o / g.groups;
  int64_t codeBits = cPerGroup * g.kh * g.kw * layer.code.bits;
  int64_t stride = requantize.op ? requantizeTableStride(requantize.op) : 0;
  // Carried: the group's first input, the channel's first code bit, its
  // output element and its table entry.
  SmallVector<LoopLevel> loops = {{g.groups, {cPerGroup, oPerGroup * codeBits, oPerGroup, stride * oPerGroup}},
                                  {oPerGroup, {0, codeBits, 1, stride}}};
  emit.nest(loops, {window, emit.index(0), pixel, emit.index(0)},
            [&](ArrayRef<Value>, ArrayRef<Value> at) {
              Value acc = packedChannelSum(emit, layer, codes, input, at[0], at[1], wp);
              if (requantize.op)
                acc = requantizeFromTable(emit, requantize.op, requantize.channels,
                                          requantize.digits, at[3], acc);
              emit.store(acc, output, at[2]);
            });
}

} // namespace

LogicalResult shiftadd::lowerLayer(FunctionLowering &f, Operation *layer,
                                   RequantizeOp requantize) {
  Emitter &emit = f.emit;
  LayerInfo info = describe(layer);
  const Geometry &g = info.g;
  SmallVector<int64_t> weights = llvm::map_to_vector(
      info.weights.getValues<APInt>(), [](const APInt &v) { return v.getSExtValue(); });
  SmallVector<uint64_t> bounds = accumulatorBounds(layer);

  // Packed layers loop over channels at run time unless their requantization
  // only has an unrolled form.
  Value codes;
  bool channelLoop = false;
  TableRequantize tables;
  if (info.packed) {
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(layer, info.packed);
    if (!global)
      return layer->emitError("lower-to-loops: packed weights ") << info.packed << " not found";
    codes = memref::GetGlobalOp::create(emit.builder(), global.getType(), global.getSymName());
    channelLoop = !requantize;
    if (requantize) {
      if (std::optional<RequantizeTable> table = requantizeTable(requantize, bounds)) {
        channelLoop = true;
        tables.op = requantize;
        tables.channels = tableGlobal<int32_t>(emit, layer, info.packed, "_requantize", table->channels);
        if (!table->digits.empty())
          tables.digits = tableGlobal<int8_t>(emit, layer, info.packed, "_digits", table->digits);
      }
    }
  }
  int64_t oh = g.outH(), ow = g.outW();
  int64_t hp = g.h + g.top + g.bottom, wp = g.w + g.left + g.right;
  Value input = padInput(emit, f.bufferOf(layer->getOperand(0)), g, f.wideInputs && !codes,
                         f.prePadded.contains(layer->getOperand(0)));
  // The output, or with its next layer's border (ohp x owp images).
  Value result = requantize ? Value(requantize.getOutput()) : layer->getResult(0);
  std::optional<SmallVector<int64_t>> border = consumerPads(f, result);
  int64_t ohp = oh, owp = ow, outStart = 0;
  Value output;
  if (border) {
    ohp += (*border)[0] + (*border)[2], owp += (*border)[1] + (*border)[3];
    outStart = ((*border)[0] * owp + (*border)[1]) * g.o;
    output = memref::AllocOp::create(
        emit.builder(),
        MemRefType::get({g.n * ohp * owp * g.o}, flatBufferType(result.getType()).getElementType()));
    fillBorder(emit, output, {g.n, oh, ow, g.o}, *border, 0);
    f.prePadded.insert(result);
  } else {
    output = f.createBuffer(result);
  }

  // NHWC on both sides: a pixel's channels are adjacent, so every tap is a
  // small constant offset from the window's first element.
  int64_t cPerGroup = g.c / g.groups, taps = cPerGroup * g.kh * g.kw;
  bool tiled = !codes && info.kind == Kind::Shift && g.groups == 1 && (f.channelTile > 1 || f.tileWords);
  SmallVector<LoopLevel> pixels = {{g.n, {hp * wp * g.c, ohp * owp * g.o}},
                                   {oh, {g.sh * wp * g.c, owp * g.o}},
                                   {ow, {g.sw * g.c, g.o}}};
  // Pixel pairs: the second pixel's window starts `pairIn` input elements
  // and its outputs `pairOut` output elements after the first's. Tiled
  // layers add both in 16-bit lanes, where that pays; a lane holds 32767 /
  // 2^(B-1) terms of B-bit inputs. Other unrolled layers pair pixels whose
  // windows overlap and load the inputs they share once.
  int64_t pairIn = 0, pairOut = 0;
  bool alongWidth = false;
  int64_t inputBits = cast<MemRefType>(f.bufferOf(layer->getOperand(0)).getType()).getElementTypeBitWidth();
  int64_t laneTerms = inputBits < 16 ? ((1 << 15) - 1) >> (inputBits - 1) : 0;
  // Packing a pair's inputs costs two instructions per tap of a tile
  // (shared by its channels), or with tile words about three per word of
  // the kh rows copied for each output row (below).
  int64_t packing = f.tileWords ? 3 * 2 * g.kh * wp * g.c / ow : 2 * g.o * taps / f.channelTile;
  std::pair<int64_t, int64_t> range = inputRange(layer->getOperand(0));
  bool lanes = tiled && f.exponentSums && laneTerms >= 2 && pairsPay(info, weights, laneTerms, range, packing);
  if (f.pixelPairs && (lanes || (!tiled && !codes))) {
    if (ow % 2 == 0 && (lanes || g.sw < g.kw)) {
      pixels[2] = {ow / 2, {2 * g.sw * g.c, 2 * g.o}};
      pairIn = g.sw * g.c, pairOut = g.o, alongWidth = true;
    } else if (oh % 2 == 0 && (lanes || g.sh < g.kh)) {
      pixels[1] = {oh / 2, {2 * g.sh * wp * g.c, 2 * owp * g.o}};
      pairIn = g.sh * wp * g.c, pairOut = owp * g.o;
    }
  }
  int64_t pixelsPerStep = pairIn ? 2 : 1;
  // Tile words: each output row's windows read an i32 copy of their kh input
  // rows (pixel pairs packed into it), made before the row: a row of words
  // in memory rather than a copy of the image.
  bool rowWords = tiled && f.tileWords;
  int64_t rowElements = g.kh * wp * g.c;
  Value words = rowWords ? memref::AllocOp::create(emit.builder(),
                                                   MemRefType::get({rowElements}, emit.builder().getI32Type()))
                         : Value();
  LogicalResult status = success();
  auto pixelStep = [&](Value input, ArrayRef<Value> at) {
    if (channelLoop) {
      packedChannelLoop(emit, info, codes, input, tables, output, at[0], at[1], wp);
      return;
    }
    // The shift the requantization can take over from channel o's sum.
    auto maxScale = [&](int64_t o) { return requantize ? absorbableShift(requantize, o) : 0; };
    SmallVector<Value> tile;
    SmallVector<int64_t> tileScales;
    for (int64_t o = 0; o < g.o && succeeded(status); ++o) {
      if (tiled && o % f.channelTile == 0)
        tile = tileSums(emit, info, weights, input, at[0], o, std::min<int64_t>(f.channelTile, g.o - o), wp,
                        f.exponentSums, pairIn, laneTerms, range, rowWords, maxScale, tileScales);
      // The channel's accumulator at each pixel of the step, shifted right
      // by `scale` (the requantization then shifts by that much less).
      int64_t scale = 0;
      auto sums = [&] {
        SmallVector<Value> values;
        if (tiled) {
          scale = tileScales[o % f.channelTile];
          for (int64_t p = 0; p < pixelsPerStep; ++p)
            values.push_back(tile[p * (tile.size() / pixelsPerStep) + o % f.channelTile]);
        } else if (!codes) {
          llvm::DenseMap<int64_t, Value> loaded;
          for (int64_t p = 0; p < pixelsPerStep; ++p)
            values.push_back(
                channelSum(emit, info, weights, input, at[0], p * pairIn, loaded, o, wp, maxScale(o), scale));
        } else {
          int64_t group = o / (g.o / g.groups);
          values.push_back(packedChannelSum(emit, info, codes, input, emit.offset(at[0], group * cPerGroup),
                                            emit.index(o * taps * info.code.bits), wp));
        }
        return values;
      };
      SmallVector<Value> accs;
      if (!f.channelBlocks || tiled) {
        accs = sums();
      } else {
        // The channel's sums in a block of their own, behind a condition
        // that always holds but that llc cannot fold: their values then do
        // not stay live (and spill) across all channels. Tiled layers go
        // without: on Cortex-M0, tiles of one channel from rows of words
        // took 5 % fewer instructions without blocks.
        auto &b = emit.builder();
        Type i32 = b.getI32Type();
        Value always = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, at[1], emit.index(0));
        auto block = scf::IfOp::create(b, SmallVector<Type>(pixelsPerStep, i32), always, /*withElse=*/true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&block.getThenRegion().front());
        scf::YieldOp::create(b, sums());
        b.setInsertionPointToStart(&block.getElseRegion().front());
        scf::YieldOp::create(b, SmallVector<Value>(pixelsPerStep, emit.constant(i32, 0)));
        b.setInsertionPointAfter(block);
        accs = block.getResults();
      }
      for (auto [p, acc] : llvm::enumerate(accs)) {
        if (requantize) {
          FailureOr<Value> value = requantizeValue(emit, requantize, acc, bounds[o], o, scale);
          if (failed(value)) {
            status = failure();
            return;
          }
          acc = *value;
        }
        emit.store(acc, output, at[1], o + p * pairOut);
      }
    }
  };
  if (!rowWords) {
    emit.nest(pixels, {emit.index(0), emit.index(outStart)},
              [&](ArrayRef<Value>, ArrayRef<Value> at) { pixelStep(input, at); });
  } else {
    // With pairs along the width, the last pairIn elements of the rows are
    // no pair's first tap (their partners would lie beyond the rows).
    int64_t packed = rowElements - (alongWidth ? pairIn : 0);
    emit.nest(ArrayRef(pixels).take_front(2), {emit.index(0), emit.index(outStart)},
              [&](ArrayRef<Value>, ArrayRef<Value> row) {
                packWords(emit, input, row[0], words, packed, pairIn, range.first >= 0);
                emit.nest(ArrayRef(pixels).drop_front(2), {emit.index(0), row[1]},
                          [&](ArrayRef<Value>, ArrayRef<Value> at) { pixelStep(words, at); });
              });
    memref::DeallocOp::create(emit.builder(), words);
  }
  f.buffers[result] = output;
  if (input != f.bufferOf(layer->getOperand(0)))
    memref::DeallocOp::create(emit.builder(), input);
  return status;
}
