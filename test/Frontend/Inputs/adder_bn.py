"""Writes argv[1]: x -> QDQ(2^-4) -> AdderConv(1x1, 1 -> 2) -> BatchNormalization
(scale 0.75, mean -0.3: a folded bias that no power of two makes exact) -> QDQ(2^-4)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_fixtures import qdq  # noqa: E402

nodes, inits = [], []
x = qdq("x", 4, nodes, inits)
inits.append(numpy_helper.from_array(np.array([0.0, 1.0], np.float32).reshape(2, 1, 1, 1), "w"))
nodes.append(helper.make_node("AdderConv", [x, "w"], ["acc"], domain="ai.shiftadd", kernel_shape=[1, 1],
                              pads=[0, 0, 0, 0], strides=[1, 1], group=1, name="adder1"))
for k, v in {"scale": [0.75, 0.75], "B": [0.0, 0.0], "mean": [-0.3, -0.3], "var": [1.0, 1.0]}.items():
    inits.append(numpy_helper.from_array(np.array(v, np.float32), f"norm_{k}"))
nodes.append(helper.make_node("BatchNormalization", ["acc", "norm_scale", "norm_B", "norm_mean", "norm_var"], ["bn"],
                              epsilon=0.0, name="bn1"))
y = qdq("bn", 4, nodes, inits)
graph = helper.make_graph(nodes, "adder_bn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 2])],
                          [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 2, 2, 2])], inits)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.shiftadd", 1)]),
          sys.argv[1])
