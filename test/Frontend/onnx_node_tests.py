#!/usr/bin/python3
"""Runs libonnx-testdata node tests of the supported ops through the importer
and the reference interpreter (run with Debian's python3).

Node tests are float models without QDQ, so the graph inputs get one format
from the range of all their test data (--calibration; one format, so that
Concat is representable), and each output that a layer computes (an Add) from
its expected data; pooling, Flatten and Concat keep their input's format.
Models of opsets below 13 are first converted to opset 13 with
onnx.version_converter. The dequantized result must equal the expected output within the
rounding these formats imply: --tolerance units of the output format.

  onnx_node_tests.py --tools=BUILD/bin --work=DIR TEST...
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper, version_converter

DATA = "/usr/share/libonnx-testdata/data/node"

parser = argparse.ArgumentParser()
parser.add_argument("--tools", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--tolerance", type=float, default=2.0)
parser.add_argument("tests", nargs="+")
args = parser.parse_args()

passed = failed = 0
for name in args.tests:
    directory = os.path.join(DATA, name)
    model = onnx.load(os.path.join(directory, "model.onnx"))
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    model_path = os.path.join(directory, "model.onnx")
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:
        model = version_converter.convert_version(model, 13)
        model_path = os.path.join(work, "model13.onnx")
        onnx.save(model, model_path)
    case = os.path.join(directory, "test_data_set_0")
    inputs = [numpy_helper.to_array(onnx.load_tensor(p)) for p in sorted(glob.glob(os.path.join(case, "input_*.pb")))]
    outputs = [numpy_helper.to_array(onnx.load_tensor(p)) for p in sorted(glob.glob(os.path.join(case, "output_*.pb")))]
    ranges = {}
    low = min(float(d.min()) for d in inputs)
    high = max(float(d.max()) for d in inputs)
    for info in model.graph.input:
        ranges[info.name] = [low, high]
    for info, data in zip(model.graph.output, outputs):
        ranges[info.name] = [float(data.min()), float(data.max())]
    calibration = os.path.join(work, "ranges.json")
    with open(calibration, "w") as f:
        json.dump(ranges, f)
    mlir = os.path.join(work, "model.mlir")
    result = subprocess.run([os.path.join(args.tools, "shiftadd-translate"), "--import-onnx",
                             model_path, f"--calibration={calibration}", "-o", mlir],
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(f"FAIL {name}: {result.stderr.strip()}")
        failed += 1
        continue
    text = open(mlir).read()
    # Formats of the arguments and results, in order, from the function signature.
    start = text.index("func.func")
    signature = text[start:text.index("{", start)]
    fracs = [int(f) for f in re.findall(r"!shiftadd.fixed<i8, (-?\d+)>", signature)]
    in_fracs, out_fracs = fracs[:len(inputs)], fracs[len(inputs):]
    files = []
    for k, (data, frac) in enumerate(zip(inputs, in_fracs)):
        q = np.clip(np.floor(data * 2.0 ** frac + 0.5), -128, 127).astype(np.int8)
        files.append(os.path.join(work, f"in{k}.npy"))
        np.save(files[-1], q)
    outs = [os.path.join(work, f"out{k}.npy") for k in range(len(outputs))]
    subprocess.run([os.path.join(args.tools, "shiftadd-run"), mlir, "--entry=model", "--quiet"]
                   + [f"--input={p}" for p in files] + [f"--output={p}" for p in outs], check=True)
    worst = 0.0
    for path, expected, frac in zip(outs, outputs, out_fracs):
        got = np.load(path).astype(np.float64) * 2.0 ** -frac
        worst = max(worst, float(np.abs(got - expected).max()) * 2.0 ** frac)
    if worst <= args.tolerance:
        passed += 1
    else:
        print(f"FAIL {name}: off by {worst:.2f} units of the output format")
        failed += 1
print(f"onnx node tests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
