//===- Emitter.cpp - Multiplication-free integer code builder -------------===//

#include "Emitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace shiftadd;

int shiftadd::bitLength(uint64_t value) {
  int bits = 0;
  for (; value; value >>= 1)
    ++bits;
  return bits;
}

Value Emitter::index(int64_t value) { return arith::ConstantIndexOp::create(b, value); }

Value Emitter::constant(Type type, int64_t value) {
  return arith::ConstantIntOp::create(b, type, value);
}

Value Emitter::offset(Value base, int64_t delta) {
  return delta == 0 ? base : arith::AddIOp::create(b, base, index(delta)).getResult();
}

void Emitter::nest(ArrayRef<LoopLevel> levels, ArrayRef<Value> initial,
                   function_ref<void(ArrayRef<Value>, ArrayRef<Value>)> body) {
  SmallVector<Value> ivs;
  std::function<void(size_t, ArrayRef<Value>)> level = [&](size_t depth,
                                                           ArrayRef<Value> offsets) {
    if (depth == levels.size()) {
      body(ivs, offsets);
      return;
    }
    const LoopLevel &loop = levels[depth];
    if (loop.extent == 1) { // no loop for a single iteration
      ivs.push_back(index(0));
      level(depth + 1, offsets);
      ivs.pop_back();
      return;
    }
    int64_t first = loop.exitAtZero ? -loop.extent : 0;
    auto forOp = scf::ForOp::create(b, index(first), index(first + loop.extent), index(1), ValueRange(offsets));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    ivs.push_back(offset(forOp.getInductionVar(), -first));
    SmallVector<Value> current(forOp.getRegionIterArgs());
    level(depth + 1, current);
    ivs.pop_back();
    SmallVector<Value> next;
    for (auto [value, step] : llvm::zip_equal(current, loop.steps))
      next.push_back(offset(value, step));
    scf::YieldOp::create(b, next);
  };
  level(0, initial);
  // The loops' results (final offsets) are unused.
}

Value Emitter::reduce(ArrayRef<LoopLevel> levels, ArrayRef<Value> initial, Value init,
                      function_ref<Value(ArrayRef<Value>, Value)> body) {
  std::function<Value(size_t, ArrayRef<Value>, Value)> level =
      [&](size_t depth, ArrayRef<Value> offsets, Value value) -> Value {
    if (depth == levels.size())
      return body(offsets, value);
    const LoopLevel &loop = levels[depth];
    SmallVector<Value> carried(offsets);
    carried.push_back(value);
    auto forOp = scf::ForOp::create(b, index(0), index(loop.extent), index(1), carried);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    SmallVector<Value> args(forOp.getRegionIterArgs());
    Value next = level(depth + 1, ArrayRef<Value>(args).drop_back(), args.back());
    SmallVector<Value> yields;
    for (auto [value, step] : llvm::zip_equal(ArrayRef<Value>(args).drop_back(), loop.steps))
      yields.push_back(offset(value, step));
    yields.push_back(next);
    scf::YieldOp::create(b, yields);
    b.setInsertionPointAfter(forOp);
    return forOp.getResults().back();
  };
  return level(0, initial, init);
}

Value Emitter::load(Value buffer, Value base, int64_t delta, Type type, bool zeroExtend) {
  Value value = memref::LoadOp::create(b, buffer, ValueRange{offset(base, delta)});
  if (value.getType() == type)
    return value;
  if (zeroExtend)
    return arith::ExtUIOp::create(b, type, value);
  return arith::ExtSIOp::create(b, type, value);
}

void Emitter::store(Value value, Value buffer, Value base, int64_t delta) {
  Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
  if (value.getType() != elementType)
    value = arith::TruncIOp::create(b, elementType, value);
  memref::StoreOp::create(b, value, buffer, ValueRange{offset(base, delta)});
}

Value Emitter::roundShift(Value v, int64_t shift) {
  Type type = v.getType();
  if (shift < 0)
    return arith::ShLIOp::create(b, v, constant(type, -shift));
  if (shift == 0)
    return v;
  Value half = constant(type, int64_t(1) << (shift - 1));
  Value sum = arith::AddIOp::create(b, v, half);
  return arith::ShRSIOp::create(b, sum, constant(type, shift));
}

Value Emitter::clamp(Value v, int64_t lo, int64_t hi) {
  Type type = v.getType();
  Value low = arith::MaxSIOp::create(b, v, constant(type, lo));
  return arith::MinSIOp::create(b, low, constant(type, hi));
}

Value Emitter::floorDiv(Value t, Value d, int quotientBits) {
  Type type = t.getType();
  Value zero = constant(type, 0);
  // floor(t / d) = t >= 0 ? q(t) : -q(-t + d - 1), q being the unsigned quotient.
  Value negative = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, t, zero);
  Value flipped = arith::SubIOp::create(
      b, arith::AddIOp::create(b, arith::SubIOp::create(b, zero, t), d), constant(type, 1));
  Value magnitude = arith::SelectOp::create(b, negative, flipped, t);
  // Restoring division with the divisor pre-shifted: one compare, one
  // subtract and one select per quotient bit.
  Value shifted = arith::ShLIOp::create(b, d, constant(type, quotientBits - 1));
  Value bit = constant(type, int64_t(1) << (quotientBits - 1));
  auto loop = scf::ForOp::create(b, index(0), index(quotientBits), index(1),
                                 ValueRange{magnitude, zero, shifted, bit});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    ValueRange args = loop.getRegionIterArgs();
    Value rest = args[0], quotient = args[1], divisor = args[2], digit = args[3];
    Value fits = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, rest, divisor);
    Value nextRest = arith::SelectOp::create(b, fits, arith::SubIOp::create(b, rest, divisor), rest);
    Value nextQuotient =
        arith::SelectOp::create(b, fits, arith::OrIOp::create(b, quotient, digit), quotient);
    Value one = constant(type, 1);
    scf::YieldOp::create(b, ValueRange{nextRest, nextQuotient,
                                       arith::ShRUIOp::create(b, divisor, one),
                                       arith::ShRUIOp::create(b, digit, one)});
  }
  Value quotient = loop.getResult(1);
  return arith::SelectOp::create(b, negative, arith::SubIOp::create(b, zero, quotient), quotient);
}

Value Emitter::roundDiv(Value sum, Value count, uint64_t sumBound, int64_t countBound) {
  // D(S, n) = floor((2S + n) / 2n), whose magnitude is at most S_max + 1. The
  // pre-shifted divisor reaches 2n * (S_max + 1): widen when i32 cannot hold it.
  Type type = sum.getType();
  int quotientBits = bitLength(sumBound + 1);
  bool widen = type.getIntOrFloatBitWidth() < 64 &&
               bitLength(uint64_t(countBound)) + 1 + quotientBits >= 31;
  if (widen) {
    sum = arith::ExtSIOp::create(b, b.getI64Type(), sum);
    count = arith::ExtSIOp::create(b, b.getI64Type(), count);
  }
  Value one = constant(sum.getType(), 1);
  Value numerator = arith::AddIOp::create(b, arith::ShLIOp::create(b, sum, one), count);
  Value divisor = arith::ShLIOp::create(b, count, one);
  Value quotient = floorDiv(numerator, divisor, quotientBits);
  return widen ? arith::TruncIOp::create(b, type, quotient).getResult() : quotient;
}
