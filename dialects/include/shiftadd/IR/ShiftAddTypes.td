//===- ShiftAddTypes.td - Fixed-point element type ---------*- tablegen -*-===//

#ifndef SHIFTADD_TYPES_TD
#define SHIFTADD_TYPES_TD

include "shiftadd/IR/ShiftAddDialect.td"
include "mlir/IR/AttrTypeBase.td"

def ShiftAdd_FixedType : TypeDef<ShiftAdd_Dialect, "Fixed"> {
  let mnemonic = "fixed";
  let summary = "signed fixed-point number with a power-of-two scale";
  let description = [{
    `!shiftadd.fixed<iB, f>` is a signed B-bit integer `q` (B in {8, 16, 32})
    standing for the real number `q * 2^-f`, `f` in [-64, 64] (spec section 2).

    ```mlir
    tensor<1x3x32x32x!shiftadd.fixed<i8, 5>>   // steps of 1/32, range [-4, 3.97]
    ```
  }];
  let parameters = (ins "::mlir::IntegerType":$storageType, "int64_t":$frac);
  let assemblyFormat = "`<` $storageType `,` $frac `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    unsigned getWidth() const { return getStorageType().getWidth(); }
    /// Smallest and largest storable integers.
    int64_t getMinValue() const { return -(int64_t(1) << (getWidth() - 1)); }
    int64_t getMaxValue() const { return (int64_t(1) << (getWidth() - 1)) - 1; }
  }];
}

def ShiftAdd_FixedTensor : RankedTensorOf<[ShiftAdd_FixedType]>;

#endif // SHIFTADD_TYPES_TD
