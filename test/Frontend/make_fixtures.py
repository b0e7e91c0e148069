#!/usr/bin/python3
"""Writes the ONNX fixtures of the frontend tests (run with Debian's python3).

  /usr/bin/python3 test/Frontend/make_fixtures.py test/Frontend/Inputs

cnn_qdq.onnx is a small CNN exported by torch.onnx.export with power-of-two
weights and QDQ activations (torch.fake_quantize_per_tensor_affine with scales
2^-f); the others are written with onnx.helper: the adder convolution of the
ai.shiftadd domain, and one file per error the importer must report. Each
fixture's input and torch's float output are saved next to it as .npy.
"""

import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

torch.manual_seed(0)
rng = np.random.default_rng(0)


def pow2(shape, lo=-6, hi=0, zeros=0.15):
    exps = rng.integers(lo, hi + 1, size=shape)
    w = np.sign(rng.standard_normal(shape)) * np.exp2(exps)
    w[rng.random(shape) < zeros] = 0
    return torch.tensor(w, dtype=torch.float32)


class FQ(torch.nn.Module):
    def __init__(self, frac):
        super().__init__()
        self.scale = 2.0 ** -frac

    def forward(self, x):
        return torch.fake_quantize_per_tensor_affine(x, self.scale, 0, -128, 127)


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.q_in = FQ(5)
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(4)
        self.q1 = FQ(4)
        self.conv2 = torch.nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(4)
        self.q2 = FQ(4)
        self.q3 = FQ(4)
        self.pool = torch.nn.MaxPool2d(2)
        self.conv3 = torch.nn.Conv2d(4, 8, 1)
        self.q4 = FQ(4)
        self.avg = torch.nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.fc = torch.nn.Linear(8, 10)
        self.q5 = FQ(3)
        with torch.no_grad():
            for conv in (self.conv1, self.conv2, self.conv3, self.fc):
                conv.weight.copy_(pow2(conv.weight.shape))
                if conv.bias is not None:
                    conv.bias.copy_(torch.randn(conv.bias.shape) * 0.1)
            for bn in (self.bn1, self.bn2):
                bn.weight.copy_(torch.rand(4) + 0.5)
                bn.bias.copy_(torch.randn(4) * 0.1)
                bn.running_mean.copy_(torch.randn(4) * 0.1)
                bn.running_var.copy_(torch.rand(4) + 0.5)

    def forward(self, x):
        x = self.q_in(x)
        a = self.q1(torch.clamp(self.bn1(self.conv1(x)), 0, 6))
        b = self.q2(self.bn2(self.conv2(a)))
        r = self.q3(torch.relu(a + b))
        p = self.pool(r)
        c = self.q4(torch.relu(self.conv3(p)))
        c = self.q4(self.avg(c))
        g = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(c, 1), 1)
        g = self.q4(g)
        return self.q5(self.fc(g))


class Branches(torch.nn.Module):
    """Two convolution branches concatenated along channels, then a classifier."""

    def __init__(self):
        super().__init__()
        self.q_in, self.q, self.q_out = FQ(5), FQ(4), FQ(3)
        self.a = torch.nn.Conv2d(2, 3, 3, padding=1)
        self.b = torch.nn.Conv2d(2, 2, 1)
        self.fc = torch.nn.Linear(5, 4, bias=False)
        with torch.no_grad():
            for layer in (self.a, self.b, self.fc):
                layer.weight.copy_(pow2(layer.weight.shape, lo=-4))
                if layer.bias is not None:
                    layer.bias.copy_(torch.randn(layer.bias.shape) * 0.1)

    def forward(self, x):
        x = self.q_in(x)
        y = torch.cat([self.q(torch.relu(self.a(x))), self.q(self.b(x))], dim=1)
        return self.q_out(self.fc(self.q(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(y, 1), 1))))


def save_case(out, name, x, y):
    np.save(os.path.join(out, f"{name}.input.npy"), x)
    np.save(os.path.join(out, f"{name}.torch.npy"), y)


def export_branches(out):
    model = Branches().eval()
    x = torch.tensor(np.round(rng.uniform(-3.9, 3.9, size=(2, 2, 5, 5)) * 32) / 32, dtype=torch.float32)
    torch.onnx.export(model, x, os.path.join(out, "concat_qdq.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"])
    with torch.no_grad():
        save_case(out, "concat_qdq", x.numpy(), model(x).numpy())


def export_cnn(out):
    model = SmallCNN().eval()
    x = torch.tensor(np.round(rng.uniform(-3.9, 3.9, size=(2, 1, 8, 8)) * 32) / 32, dtype=torch.float32)
    path = os.path.join(out, "cnn_qdq.onnx")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["image"], output_names=["logits"],
                      do_constant_folding=True)
    with torch.no_grad():
        save_case(out, "cnn_qdq", x.numpy(), model(x).numpy())


def qdq(name, frac, nodes, inits):
    inits += [numpy_helper.from_array(np.array(2.0 ** -frac, dtype=np.float32), f"{name}_s"),
              numpy_helper.from_array(np.array(0, dtype=np.int8), f"{name}_z")]
    nodes += [helper.make_node("QuantizeLinear", [name, f"{name}_s", f"{name}_z"], [f"{name}_q"]),
              helper.make_node("DequantizeLinear", [f"{name}_q", f"{name}_s", f"{name}_z"], [f"{name}_dq"])]
    return f"{name}_dq"


def adder_model(dynamic=False, opset=13, extra=None, conv_weights=None):
    """x -> QDQ -> AdderConv(3x3, 2 -> 3) -> BatchNorm -> Relu -> QDQ."""
    nodes, inits = [], []
    x = qdq("x", 4, nodes, inits)
    w = rng.integers(-40, 40, size=(3, 2, 3, 3)).astype(np.int8) if conv_weights is None else conv_weights
    inits += [numpy_helper.from_array(w.astype(np.float32) / 16, "w")]
    nodes.append(helper.make_node("AdderConv", [x, "w"], ["acc"], domain="ai.shiftadd",
                                  kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], group=1, name="adder1"))
    bn = {"scale": np.array([0.5, 0.25, 1.0], np.float32), "B": np.array([0.5, 1.0, 2.0], np.float32),
          "mean": np.array([-8.0, -6.0, -10.0], np.float32), "var": np.array([1.0, 1.0, 1.0], np.float32)}
    inits += [numpy_helper.from_array(v, f"bn_{k}") for k, v in bn.items()]
    nodes.append(helper.make_node("BatchNormalization", ["acc", "bn_scale", "bn_B", "bn_mean", "bn_var"], ["bn"],
                                  epsilon=0.0, name="bn1"))
    nodes.append(helper.make_node("Relu", ["bn"], ["relu"], name="relu1"))
    y = qdq("relu", 3, nodes, inits)
    if extra:
        y = extra(nodes, inits, y)
    dims = ["N", 2, 6, 6] if dynamic else [1, 2, 6, 6]
    graph = helper.make_graph(nodes, "adder", [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, ["N" if dynamic else 1, 3, 6, 6])],
                              inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset),
                                                   helper.make_opsetid("ai.shiftadd", 1)])


def main(out):
    os.makedirs(out, exist_ok=True)
    export_cnn(out)
    export_branches(out)
    float_mlp(out)
    onnx.save(adder_model(), os.path.join(out, "adder.onnx"))
    # Error cases, one per file.
    onnx.save(adder_model(dynamic=True), os.path.join(out, "error_dynamic_shape.onnx"))
    onnx.save(adder_model(opset=11), os.path.join(out, "error_opset.onnx"))

    def sigmoid(nodes, inits, y):
        nodes.append(helper.make_node("Sigmoid", [y], ["sig"], name="sigmoid1"))
        return "sig"
    onnx.save(adder_model(extra=sigmoid), os.path.join(out, "error_unsupported_op.onnx"))

    bad = adder_model()
    for init in bad.graph.initializer:
        if init.name == "bn_var":
            init.CopyFrom(numpy_helper.from_array(np.array([1.0, np.nan, 1.0], np.float32), "bn_var"))
    onnx.save(bad, os.path.join(out, "error_non_finite.onnx"))

    bad = adder_model(conv_weights=rng.integers(-40, 40, size=(3, 5, 3, 3)).astype(np.int8))
    onnx.save(bad, os.path.join(out, "error_weight_shape.onnx"))

    with open(os.path.join(out, "adder.onnx"), "rb") as f:
        data = f.read()
    with open(os.path.join(out, "error_truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])

    # A float layer whose weights are not powers of two, and what --quantize-weights=pow2 makes of it.
    nodes, inits = [], []
    x = qdq("x", 4, nodes, inits)
    inits.append(numpy_helper.from_array(np.array([[0.3, -0.5, 0.24, 1.0]], np.float32), "w"))
    nodes.append(helper.make_node("Gemm", [x, "w"], ["fc"], transB=1, name="fc1"))
    y = qdq("fc", 4, nodes, inits)
    graph = helper.make_graph(nodes, "fc", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 1])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(out, "not_pow2.onnx"))
    int8_matmul(out)  # last: fixtures written before it keep their random draws


def int8_matmul(out):
    """x -> QDQ -> Reshape -> MatMul(DequantizeLinear(int8 W)) -> QDQ: an int8 (mul_linear) layer."""
    nodes, inits = [], []
    x = qdq("x", 4, nodes, inits)
    inits.append(numpy_helper.from_array(np.array([2, 6], np.int64), "shape"))
    nodes.append(helper.make_node("Reshape", [x, "shape"], ["flat"], name="reshape1"))
    w = np.array([[12, -7, 3], [-128, 127, 0], [5, 5, -5], [1, -1, 64], [-20, 30, 9], [7, 0, -2]], np.int8)  # (I, O)
    inits += [numpy_helper.from_array(w, "w_int8"), numpy_helper.from_array(np.array(2.0 ** -6, np.float32), "w_s"),
              numpy_helper.from_array(np.array(0, np.int8), "w_z")]
    nodes.append(helper.make_node("DequantizeLinear", ["w_int8", "w_s", "w_z"], ["w"], name="w_dq"))
    nodes.append(helper.make_node("MatMul", ["flat", "w"], ["mm"], name="matmul1"))
    y = qdq("mm", 3, nodes, inits)
    graph = helper.make_graph(nodes, "matmul", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2, 3])],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, [2, 3])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(out, "int8_matmul.onnx"))
    xs = np.round(rng.uniform(-4, 4, size=(2, 2, 3)) * 16) / 16
    save_case(out, "int8_matmul", xs.astype(np.float32),
              (xs.reshape(2, 6) @ (w.astype(np.float64) / 64)).astype(np.float32))


def float_mlp(out):
    """A float model without QDQ: formats come from a calibration file."""
    w1 = np.array([[0.5, -0.25, 1, 0], [0.125, 0.5, -0.5, 0.25], [-1, 0.5, 0.25, 0.5]], np.float32)
    w2 = np.array([[1, -0.5, 0.25], [0.5, 0.5, -1]], np.float32)
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(np.array([0.1, -0.2, 0.3], np.float32), "b1"),
             numpy_helper.from_array(w2, "w2")]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["fc1"], transB=1, name="fc1"),
             helper.make_node("Relu", ["fc1"], ["h"], name="relu1"),
             helper.make_node("Gemm", ["h", "w2"], ["y"], transB=1, name="fc2")]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(out, "float_mlp.onnx"))
    with open(os.path.join(out, "float_mlp.calibration.json"), "w") as f:
        f.write('{"x": [-1.0, 1.0], "h": [0.0, 3.5], "y": [-4.0, 4.0]}\n')
    x = np.array([[0.5, -0.25, 0.75, 1.0], [-1.0, 0.5, 0.25, -0.5]], np.float32)
    h = np.maximum(x @ w1.T + np.array([0.1, -0.2, 0.3], np.float32), 0)
    save_case(out, "float_mlp", x, h @ w2.T)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "Inputs"))
