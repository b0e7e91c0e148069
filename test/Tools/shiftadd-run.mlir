// Files in and out of the reference interpreter, and its one-line errors.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[3, -2], [-128, 127]], dtype=np.int8))"
// RUN: shiftadd-run %s --entry=layer --input=%t/x.npy --output=%t/y.npy | FileCheck %s --check-prefix=OUT
// RUN: %python -c "import numpy as np; y = np.load('%t/y.npy'); print(y.dtype, y.shape, y.tolist())" | FileCheck %s --check-prefix=NUMPY
// RUN: shiftadd-run %s --entry=layer --input=%t/x.npy --output=%t/y.bin --quiet
// RUN: od -An -tx1 %t/y.bin | FileCheck %s --check-prefix=RAW
// RUN: printf '\003\376\200\177' > %t/x.bin
// RUN: shiftadd-run %s --entry=layer --input=%t/x.bin | FileCheck %s --check-prefix=OUT
// RUN: shiftadd-run %s --entry=layer --input=%t/x.npy --output=%t/z.npy --quiet
// RUN: cmp %t/y.npy %t/z.npy

// RUN: not shiftadd-run %s --entry=layer --input=%t/missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: printf 'garbage' > %t/bad.npy
// RUN: not shiftadd-run %s --entry=layer --input=%t/bad.npy 2>&1 | FileCheck %s --check-prefix=MAGIC
// RUN: %python -c "import numpy as np; np.save('%t/wide.npy', np.array([[300, 0], [0, 0]], dtype=np.int16))"
// RUN: not shiftadd-run %s --entry=layer --input=%t/wide.npy 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: %python -c "import numpy as np; np.save('%t/shape.npy', np.zeros((2, 3), dtype=np.int8))"
// RUN: not shiftadd-run %s --entry=layer --input=%t/shape.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: %python -c "import numpy as np; np.save('%t/float.npy', np.zeros((2, 2), dtype=np.float32))"
// RUN: not shiftadd-run %s --entry=layer --input=%t/float.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// RUN: printf 'abc' > %t/short.bin
// RUN: not shiftadd-run %s --entry=layer --input=%t/short.bin 2>&1 | FileCheck %s --check-prefix=RAWSIZE
// RUN: not shiftadd-run %s --entry=layer 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: not shiftadd-run %s --entry=nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// RUN: not shiftadd-run %s --input=%t/x.npy 2>&1 | FileCheck %s --check-prefix=NOENTRY
// RUN: not shiftadd-run %s --entry=layer --input=%t/x.npy --output=%t/no/such/dir/y.npy 2>&1 | FileCheck %s --check-prefix=UNWRITABLE
// RUN: not ls %t/no
// RUN: not shiftadd-run %s --entry=unsupported --input=%t/x.npy 2>&1 | FileCheck %s --check-prefix=UNKNOWN-OP
// RUN: not shiftadd-run %S/Inputs/malformed.mlir 2>&1 | FileCheck %s --check-prefix=PARSE

// [3, -2] and [-128, 127] times W = [4, -1] (3-bit code): 14 and -639, then R(., 3):
// 2 (1.75 rounds to 2) and -80 (-79.875 rounds to -80).
// OUT: @layer #0 : 2x1 = [2, -80]
// NUMPY: int8 (2, 1) {{\[}}[2], [-80]]
// RAW: 02 b0
// MISSING: shiftadd-run: error: cannot read '{{.*}}missing.npy': No such file or directory
// MAGIC: shiftadd-run: error: {{.*}}bad.npy: not a .npy file (bad magic)
// RANGE: error: interpreter: argument 0 element 0 = 300 does not fit '!shiftadd.fixed<i8, 2>'
// SHAPE: error: interpreter: argument 0 has shape [2, 3], expected 'tensor<2x2x!shiftadd.fixed<i8, 2>>'
// DTYPE: shiftadd-run: error: {{.*}}float.npy: element type '<f4' is not a little-endian signed integer
// RAWSIZE: shiftadd-run: error: {{.*}}short.bin: holds 3 bytes, argument 0 needs 4
// COUNT: shiftadd-run: error: @layer takes 1 inputs, got 0 --input files
// ENTRY: shiftadd-run: error: no function @nope in
// NOENTRY: shiftadd-run: error: --input and --output need --entry
// UNWRITABLE: shiftadd-run: error: cannot write '{{.*}}y.npy': No such file or directory
// UNKNOWN-OP: error: interpreter: unsupported operation 'arith.constant'
// PARSE: malformed.mlir:3:{{[0-9]+}}: error:

func.func @layer(%x: tensor<2x2x!shiftadd.fixed<i8, 2>>) -> tensor<2x1x!shiftadd.fixed<i8, 1>> {
  %acc = shiftadd.shift_linear %x {weights = dense<[[1, -3]]> : tensor<1x2xi8>, code = #shiftadd.code<bits = 3, max_exp = 0>}
    : tensor<2x2x!shiftadd.fixed<i8, 2>> -> tensor<2x1x!shiftadd.fixed<i32, 4>>
  %y = shiftadd.requantize %acc {shift = array<i64: 3>}
    : tensor<2x1x!shiftadd.fixed<i32, 4>> -> tensor<2x1x!shiftadd.fixed<i8, 1>>
  return %y : tensor<2x1x!shiftadd.fixed<i8, 1>>
}

func.func @unsupported(%x: tensor<2x2x!shiftadd.fixed<i8, 2>>) -> tensor<2x2x!shiftadd.fixed<i8, 2>> {
  %c = arith.constant 1 : i32
  return %x : tensor<2x2x!shiftadd.fixed<i8, 2>>
}
