//===- ShiftAddAttrs.td - Weight code attribute ------------*- tablegen -*-===//

#ifndef SHIFTADD_ATTRS_TD
#define SHIFTADD_ATTRS_TD

include "shiftadd/IR/ShiftAddDialect.td"
include "mlir/IR/AttrTypeBase.td"

def ShiftAdd_ShiftCodeAttr : AttrDef<ShiftAdd_Dialect, "ShiftCode"> {
  let mnemonic = "code";
  let summary = "the code of a shift layer's weights: bits and largest exponent";
  let description = [{
    A shift layer stores each weight as a signed level `k` in [-L, L] with
    `L = 2^(bits-1) - 1`: `k = 0` is zero, otherwise the weight is
    `sign(k) * 2^(max_exp - |k| + 1)` (spec section 3). `bits` is in [2, 8],
    `max_exp` in [-32, 32].

    ```mlir
    #shiftadd.code<bits = 5, max_exp = 0>   // exponents -14..0
    ```
  }];
  let parameters = (ins "int64_t":$bits, "int64_t":$max_exp);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of non-zero magnitudes: the largest |level|.
    int64_t getLevels() const { return (int64_t(1) << (getBits() - 1)) - 1; }
    /// The smallest exponent; the accumulator has -minExp more fractional bits.
    int64_t getMinExp() const { return getMaxExp() - getLevels() + 1; }
  }];
}

#endif // SHIFTADD_ATTRS_TD
