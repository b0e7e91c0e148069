//===- LayerReport.cpp - Per-layer costs of a shiftadd function -----------===//

#include "LayerReport.h"

#include "shiftadd/IR/ShiftAdd.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace mlir;
using namespace shiftadd;
using namespace shiftadd::compiler;

namespace {

int64_t bytesOf(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t)
    return 0;
  unsigned bits = isa<FixedType>(t.getElementType()) ? cast<FixedType>(t.getElementType()).getStorageType().getIntOrFloatBitWidth()
                                                     : t.getElementType().getIntOrFloatBitWidth();
  return t.getNumElements() * ((bits + 7) / 8);
}

int64_t elementsOf(Type type) { return cast<RankedTensorType>(type).getNumElements(); }

/// Non-zero digits of v's non-adjacent form (canonical signed digits).
int64_t nafDigits(int64_t v) {
  uint64_t x = uint64_t(v < 0 ? -v : v);
  int64_t digits = 0;
  while (x) {
    if (x & 1) {
      ++digits;
      x = (x & 2) ? x + 1 : x - 1;
    }
    x >>= 1;
  }
  return digits;
}

std::string location(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto named = dyn_cast<NameLoc>(op->getLoc()))
    os << named.getName().str();
  else if (auto file = dyn_cast<FileLineColLoc>(op->getLoc()))
    os << "line " << file.getLine();
  return s;
}

/// Weighted layers: counts from the weights, per output channel.
void weighted(Operation *op, LayerCost &cost) {
  auto weights = cast<DenseIntElementsAttr>(op->getAttr("weights"));
  auto wType = cast<RankedTensorType>(weights.getType());
  int64_t channels = wType.getShape()[0], taps = wType.getNumElements() / channels;
  auto outShape = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  int64_t positions = 1; // output positions per output channel
  for (size_t d = 0; d < outShape.size(); ++d)
    if (d != 1)
      positions *= outShape[d];
  std::vector<int64_t> w;
  for (const APInt &v : weights.getValues<APInt>())
    w.push_back(v.getSExtValue());
  cost.weights = int64_t(w.size());
  bool shift = isa<ShiftConv2dOp, ShiftLinearOp>(op), adder = isa<AdderConv2dOp>(op);
  int64_t bits = 8;
  if (auto code = op->getAttrOfType<ShiftCodeAttr>("code"))
    bits = code.getBits();
  cost.weightBytes = (cost.weights * bits + 7) / 8;
  for (int64_t o = 0; o < channels; ++o) {
    std::set<int64_t> levels; // one shift per exponent group (spec section 10)
    int64_t nonZero = 0, digits = 0;
    for (int64_t t = 0; t < taps; ++t) {
      int64_t v = w[size_t(o * taps + t)];
      if (v == 0)
        continue;
      ++nonZero;
      if (shift)
        levels.insert(v < 0 ? -v : v);
      else
        digits += nafDigits(v);
    }
    cost.nonZero += nonZero;
    if (shift) {
      cost.adds += nonZero * positions;
      cost.shifts += int64_t(levels.size()) * positions;
    } else if (adder) {
      cost.adds += 2 * taps * positions; // subtract, accumulate (|.| is a compare-select)
      if (cast<AdderConv2dOp>(op).getAccShift())
        cost.shifts += positions;
    } else {
      cost.adds += digits * positions;
      cost.shifts += digits * positions;
    }
  }
}

} // namespace

std::vector<LayerCost> shiftadd::compiler::layerCosts(func::FuncOp func) {
  std::vector<LayerCost> costs;
  func.walk([&](Operation *op) {
    if (op->getDialect() != op->getContext()->getLoadedDialect<ShiftAddDialect>() || isa<ConstantOp>(op))
      return;
    LayerCost cost;
    cost.name = op->getName().stripDialect().str();
    std::string where = location(op);
    if (!where.empty())
      cost.name += " (" + where + ")";
    for (Value v : op->getOperands())
      cost.activationBytes += bytesOf(v.getType());
    for (Value v : op->getResults())
      cost.activationBytes += bytesOf(v.getType());
    int64_t out = op->getNumResults() ? elementsOf(op->getResult(0).getType()) : 0;
    llvm::TypeSwitch<Operation *>(op)
        .Case<ShiftConv2dOp, ShiftLinearOp, AdderConv2dOp, MulConv2dOp, MulLinearOp>(
            [&](Operation *w) { weighted(w, cost); })
        .Case<RequantizeOp>([&](RequantizeOp r) {
          // Bias and rounding adds, a shift, two clamp compares per element;
          // a multiplier costs its digits in shifts and adds.
          cost.adds = 2 * out, cost.shifts = out;
          if (auto m = r.getMultiplierAttr()) {
            int64_t digits = 0;
            for (int64_t v : m.asArrayRef())
              digits += nafDigits(v);
            digits = digits / int64_t(m.size());
            cost.adds += digits * out, cost.shifts += digits * out;
          }
        })
        .Case<AddOp>([&](AddOp) { cost.adds = 2 * out, cost.shifts = 3 * out; })
        .Case<MaxPool2dOp, AvgPool2dOp>([&](Operation *p) {
          int64_t in = elementsOf(p->getOperand(0).getType());
          cost.adds = in + out, cost.shifts = out;
        })
        .Case<GlobalAvgPool2dOp>([&](GlobalAvgPool2dOp p) {
          cost.adds = elementsOf(p.getInput().getType()) + out, cost.shifts = out;
        })
        .Default([&](Operation *) {});
    costs.push_back(cost);
  });
  return costs;
}

double shiftadd::compiler::energyPicojoules(const LayerCost &c) {
  return 0.1 * double(c.adds) + 0.13 * double(c.shifts) + 3.1 * double(c.multiplies);
}
