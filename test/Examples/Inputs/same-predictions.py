"""Checks firmware output ("image i: predicted p, label l" lines) against the
reference interpreter's logits (.npy): every prediction must be its argmax.
  same-predictions.py FIRMWARE_OUTPUT INTERPRETER.npy
"""
import re
import sys

import numpy as np

lines = re.findall(r"image (\d+): predicted (\d+)", open(sys.argv[1]).read())
logits = np.load(sys.argv[2])
for i, p in lines:
    assert logits[int(i)].argmax() == int(p), "image %s: firmware %s, interpreter %d" % (i, p, logits[int(i)].argmax())
print(len(lines), "predictions equal the interpreter's")
