// Not valid MLIR: used by opt-roundtrip.mlir.
func.func @f() {
  %x = arith.addi : i32
}
