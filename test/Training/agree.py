"""Checks a shiftadd-train output directory against the compiler's reference
interpreter: the logits shiftadd-run computes from the exported model.onnx must
equal, image for image, the trainer's integer simulation (samples-logits.npy),
and the integer accuracy must clear a floor (and equal the trainer's when the
samples are the whole test set).
  agree.py RUNDIR INTERPRETER_OUTPUT.npy MIN_ACCURACY
"""
import json
import sys

import numpy as np

run, out, floor = sys.argv[1], sys.argv[2], float(sys.argv[3])
interp = np.load(out)
trainer = np.load(run + "/samples-logits.npy")
labels = np.load(run + "/samples-labels.npy")
final = json.load(open(run + "/final.json"))
assert interp.shape == trainer.shape, (interp.shape, trainer.shape)
mismatched = int((interp != trainer).any(axis=1).sum())
print("images", len(labels), "mismatched", mismatched)
assert mismatched == 0, "trainer and interpreter disagree"
accuracy = 100.0 * float((interp.argmax(1) == labels).mean())
print("interpreter accuracy %.2f trainer integer accuracy %.2f" % (accuracy, final["integer_test_accuracy"]))
if len(labels) == final["test_images"]:
    assert abs(accuracy - final["integer_test_accuracy"]) < 1e-3, "accuracies differ"
assert accuracy >= floor, "accuracy %.2f below %.2f" % (accuracy, floor)
