//===- ShiftAddDialect.td - The shiftadd dialect -----------*- tablegen -*-===//
//
// Tensor-level operators of multiplication-free networks with the exact
// integer semantics of docs/spec.md.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_DIALECT_TD
#define SHIFTADD_DIALECT_TD

include "mlir/IR/OpBase.td"

def ShiftAdd_Dialect : Dialect {
  let name = "shiftadd";
  let cppNamespace = "::shiftadd";
  let summary = "Multiplication-free neural-network operators on fixed-point tensors";
  let description = [{
    The `shiftadd` dialect holds deployable networks whose layers are shift
    convolutions (weights `±2^p`), adder convolutions (AdderNet) and ordinary
    int8 layers, on tensors of fixed-point numbers with power-of-two scales.
    Every op computes exactly the integers that `docs/spec.md` defines; the
    reference interpreter (`shiftadd-run`) executes them, and the lowering
    passes keep them bit for bit while removing every multiplication.

    Element types are `!shiftadd.fixed<iB, f>`: B-bit integers standing for
    `q * 2^-f`. Layouts are NCHW for images and (N, C) for linear layers.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class ShiftAdd_Op<string mnemonic, list<Trait> traits = []>
    : Op<ShiftAdd_Dialect, mnemonic, traits>;

#endif // SHIFTADD_DIALECT_TD
