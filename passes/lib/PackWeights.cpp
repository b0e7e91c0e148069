//===- PackWeights.cpp - Shift weights as packed codes in flash -----------===//

#include "shiftadd/IR/ShiftAdd.h"
#include "shiftadd/Passes/Passes.h"
#include "shiftadd/Support/ShiftCode.h"

namespace shiftadd {
#define GEN_PASS_DEF_SHIFTADDPACKWEIGHTS
#include "shiftadd/Passes/Passes.h.inc"
} // namespace shiftadd

using namespace mlir;
using namespace shiftadd;

namespace {

struct PackWeightsPass : shiftadd::impl::ShiftAddPackWeightsBase<PackWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int counter = 0;
    module.walk([&](Operation *op) {
      DenseIntElementsAttr weights;
      ShiftCodeAttr code;
      if (auto conv = dyn_cast<ShiftConv2dOp>(op))
        weights = conv.getWeights(), code = conv.getCode();
      else if (auto linear = dyn_cast<ShiftLinearOp>(op))
        weights = linear.getWeights(), code = linear.getCode();
      if (!weights || weights.getNumElements() < minWeights || op->hasAttr("packed"))
        return;
      std::vector<int8_t> levels;
      for (const APInt &v : weights.getValues<APInt>())
        levels.push_back(int8_t(v.getSExtValue()));
      std::vector<uint8_t> bytes = packLevels(levels, int(code.getBits()));
      bytes.push_back(0); // decoders read two bytes at a time
      OpBuilder b(module.getBody(), module.getBody()->begin());
      auto type = MemRefType::get({int64_t(bytes.size())}, b.getI8Type());
      auto data = DenseElementsAttr::get(
          RankedTensorType::get(type.getShape(), b.getI8Type()),
          ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(bytes.data()), bytes.size()));
      std::string name = "__shiftadd_packed_" + std::to_string(counter++);
      memref::GlobalOp::create(b, op->getLoc(), b.getStringAttr(name), b.getStringAttr("private"),
                               TypeAttr::get(type), data, b.getUnitAttr(), IntegerAttr());
      op->setAttr("packed", FlatSymbolRefAttr::get(b.getContext(), name));
    });
  }
};

} // namespace
