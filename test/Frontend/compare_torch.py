#!/usr/bin/python3
"""Runs an imported model with the reference interpreter on a fixture's input
and compares with torch's float output: the same argmax, and at most
--tolerance units in the last place of the output format.

  compare_torch.py --run=shiftadd-run --model=m.mlir --fixture=Inputs/cnn_qdq --work=DIR
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--run", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--fixture", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--tolerance", type=int, default=1)
args = parser.parse_args()

text = open(args.model).read()
signature = re.search(r"func.func @model\(%arg0: tensor<[0-9x]+!shiftadd.fixed<i8, (-?\d+)>>\) -> "
                      r"tensor<[0-9x]+!shiftadd.fixed<i8, (-?\d+)>>", text)
f_in, f_out = int(signature.group(1)), int(signature.group(2))
x = np.load(args.fixture + ".input.npy")
expected = np.load(args.fixture + ".torch.npy")
os.makedirs(args.work, exist_ok=True)
# Input quantization of spec section 2.
q = np.clip(np.floor(x * 2.0 ** f_in + 0.5), -128, 127).astype(np.int8)
np.save(os.path.join(args.work, "input.npy"), q)
out = os.path.join(args.work, "output.npy")
subprocess.run([args.run, args.model, "--entry=model", "--input=" + os.path.join(args.work, "input.npy"),
                "--output=" + out, "--quiet"], check=True)
got = np.load(out).astype(np.int64)
want = np.round(expected * 2.0 ** f_out).astype(np.int64)
diff = int(np.abs(got - want).max())
same_class = bool((got.argmax(axis=1) == want.argmax(axis=1)).all())
print(f"max difference {diff} ulp, same argmax: {same_class}")
if diff > args.tolerance or not same_class:
    print("interpreter:", got.tolist(), "\ntorch:      ", want.tolist())
    sys.exit(1)
