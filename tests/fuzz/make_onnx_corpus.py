# SPDX-License-Identifier: MIT
"""Regenerates tests/fuzz/corpus/onnx/ (committed; run by hand when the reader grows).

  python3 tests/fuzz/make_onnx_corpus.py ONNX_TOOL_DIR

ONNX_TOOL_DIR: the output of `onnx_tool export DIR` (tests/interop): staticflow's mlp.onnx and
conv.onnx are seeds as they are. The others are built with ONNX's helpers (Debian python3-onnx):
a small network as PyTorch exports one (Conv, MaxPool, Flatten of NCHW maps, Gemm with transB,
weights in float_data, an int64 shape initializer), and broken models: truncated, raw_data too
short, a negative extent, data in an external file.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "onnx")
os.makedirs(out, exist_ok=True)


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


for stem in ("mlp", "conv"):
    put(stem, open(os.path.join(sys.argv[1], stem + ".onnx"), "rb").read())

rng = np.random.default_rng(1)


def floats(name, *dims, raw=False):
    v = rng.standard_normal(dims).astype(np.float32)
    if raw:
        return numpy_helper.from_array(v, name)
    return helper.make_tensor(name, TensorProto.FLOAT, list(dims), v.flatten().tolist())


nodes = [
    helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name="conv"),
    helper.make_node("Relu", ["c"], ["r"]),
    helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[1, 1]),
    helper.make_node("Flatten", ["p"], ["f"]),
    helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], transB=1, name="fc"),
    helper.make_node("Reshape", ["y", "shape"], ["z"]),
]
inits = [floats("conv.weight", 4, 1, 3, 3), floats("conv.bias", 4, raw=True), floats("fc.weight", 3, 16),
         floats("fc.bias", 3), helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 3])]
graph = helper.make_graph(nodes, "torch_like", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 4, 4])],
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", 3])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
good = model.SerializeToString()
put("torch_like", good)
put("truncated", good[:len(good) // 2])

short = onnx.ModelProto()
short.CopyFrom(model)
short.graph.initializer[1].raw_data = short.graph.initializer[1].raw_data[:-3]
put("raw_data_short", short.SerializeToString())

negative = onnx.ModelProto()
negative.CopyFrom(model)
negative.graph.initializer[3].dims[0] = -3
put("negative_extent", negative.SerializeToString())

external = onnx.ModelProto()
external.CopyFrom(model)
external.graph.initializer[1].data_location = TensorProto.EXTERNAL
put("external_data", external.SerializeToString())

print("wrote", sorted(os.listdir(out)))
