# SPDX-License-Identifier: MIT
"""Checks ONNX models with ONNX's own Python package (Debian python3-onnx 1.12) and a NumPy
evaluator of their nodes (ONNX 1.12 has no reference evaluator; onnxruntime is not in Debian).

  py_onnx.py check DIR STEM...          for each STEM: DIR/STEM.onnx passes
                                        onnx.checker.check_model(full_check=True) and
                                        onnx.shape_inference.infer_shapes(strict_mode=True), its
                                        outputs' inferred shapes agree with the declared ones, and
                                        evaluated on the inputs of DIR/STEM_io.txt it gives the
                                        outputs listed there (staticflow's) within 1e-5
  py_onnx.py torch-eval MODEL.onnx MNIST_DIR LOGITS.npy
                                        the NumPy evaluator on PyTorch's own export against
                                        PyTorch's logits (the evaluator checked independently)
  py_onnx.py mnist MODEL.onnx MNIST_DIR OUTPUT
                                        checks the model as above and prints the test accuracy
                                        of its output OUTPUT on MNIST's [?, 784] images (float32)

The evaluator computes in float64 from the stored float32 values; it implements the ONNX
operators (opset 13) that staticflow's export and PyTorch's LeNet-5 export use.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

TOLERANCE = 1e-5  # |onnx - staticflow| <= TOLERANCE * max(1, |staticflow|)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def window_pads(node, a, spatial, kernel, strides, dilations):
    """Begin and end padding per spatial axis, as auto_pad / pads say."""
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    n = len(spatial)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for i in range(n):
            out = -(-spatial[i] // strides[i])
            total = max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i], 0)
            small = total // 2
            begin.append(small if auto == "SAME_UPPER" else total - small)
            end.append(total - begin[-1])
        return begin, end
    if auto == "VALID":
        return [0] * n, [0] * n
    pads = list(a.get("pads", [0] * (2 * n)))
    return pads[:n], pads[n:]


def windows(x, kernel, strides, dilations, begin, end, fill):
    """x [N, C, H, W] padded; yields (ky, kx, the strided slice of the window position)."""
    xp = np.pad(x, ((0, 0), (0, 0), (begin[0], end[0]), (begin[1], end[1])), constant_values=fill)
    oh = (xp.shape[2] - ((kernel[0] - 1) * dilations[0] + 1)) // strides[0] + 1
    ow = (xp.shape[3] - ((kernel[1] - 1) * dilations[1] + 1)) // strides[1] + 1
    for ky in range(kernel[0]):
        for kx in range(kernel[1]):
            y0, x0 = ky * dilations[0], kx * dilations[1]
            yield xp[:, :, y0:y0 + strides[0] * (oh - 1) + 1:strides[0], x0:x0 + strides[1] * (ow - 1) + 1:strides[1]]


def conv(node, x, w, b=None):
    a = attrs(node)
    if a.get("group", 1) != 1:
        raise NotImplementedError("Conv with groups")
    kernel = list(w.shape[2:])
    strides = list(a.get("strides", [1, 1]))
    dilations = list(a.get("dilations", [1, 1]))
    begin, end = window_pads(node, a, x.shape[2:], kernel, strides, dilations)
    out = None
    for i, patch in enumerate(windows(x, kernel, strides, dilations, begin, end, 0.0)):
        ky, kx = divmod(i, kernel[1])
        term = np.einsum("nchw,oc->nohw", patch, w[:, :, ky, kx])
        out = term if out is None else out + term
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def pool(node, x, is_max):
    a = attrs(node)
    kernel = list(a["kernel_shape"])
    strides = list(a.get("strides", [1, 1]))
    dilations = list(a.get("dilations", [1, 1]))
    begin, end = window_pads(node, a, x.shape[2:], kernel, strides, dilations)
    if is_max:
        return np.max(np.stack(list(windows(x, kernel, strides, dilations, begin, end, -np.inf))), axis=0)
    total = np.sum(np.stack(list(windows(x, kernel, strides, dilations, begin, end, 0.0))), axis=0)
    if a.get("count_include_pad", 0):
        return total / (kernel[0] * kernel[1])
    ones = np.ones((1, 1) + x.shape[2:])
    count = np.sum(np.stack(list(windows(ones, kernel, strides, dilations, begin, end, 0.0))), axis=0)
    return total / count


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


ONNX_TO_NUMPY = {1: np.float64, 6: np.int32, 7: np.int64, 9: np.bool_, 11: np.float64}


def run_node(node, v):
    a = attrs(node)
    x = [v[i] if i else None for i in node.input]
    op = node.op_type
    unary = {"Relu": lambda t: np.maximum(t, 0), "Sigmoid": lambda t: 1 / (1 + np.exp(-t)), "Tanh": np.tanh,
             "Exp": np.exp, "Log": np.log, "Sqrt": np.sqrt, "Neg": np.negative, "Abs": np.abs,
             "Softplus": lambda t: np.log1p(np.exp(t)), "Softsign": lambda t: t / (1 + np.abs(t)),
             "Identity": lambda t: t, "Not": np.logical_not}
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Pow": np.power,
              "Min": np.minimum, "Max": np.maximum, "Equal": np.equal, "Less": np.less, "Greater": np.greater,
              "LessOrEqual": np.less_equal, "GreaterOrEqual": np.greater_equal, "And": np.logical_and,
              "Or": np.logical_or}
    if op in unary:
        return unary[op](x[0])
    if op in binary:
        return binary[op](x[0], x[1])
    if op == "Constant":
        return numpy_helper.to_array(a["value"]).astype(np.float64) if a["value"].data_type == 1 else \
            numpy_helper.to_array(a["value"])
    if op == "Transpose":
        return np.transpose(x[0], a.get("perm"))
    if op == "Reshape":
        shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(x[1].tolist())]
        return x[0].reshape(shape)
    if op == "Flatten":
        axis = a.get("axis", 1)
        return x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)
    if op == "MatMul":
        return x[0] @ x[1]
    if op == "Gemm":
        p = x[0].T if a.get("transA", 0) else x[0]
        q = x[1].T if a.get("transB", 0) else x[1]
        out = a.get("alpha", 1.0) * (p @ q)
        return out + a.get("beta", 1.0) * x[2] if len(x) > 2 and x[2] is not None else out
    if op == "Conv":
        return conv(node, x[0], x[1], x[2] if len(x) > 2 else None)
    if op in ("MaxPool", "AveragePool"):
        return pool(node, x[0], op == "MaxPool")
    if op == "Softmax":
        return softmax(x[0], a.get("axis", -1))
    if op == "LogSoftmax":
        axis = a.get("axis", -1)
        z = x[0] - np.max(x[0], axis=axis, keepdims=True)
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    if op == "LeakyRelu":
        return np.where(x[0] >= 0, x[0], a.get("alpha", 0.01) * x[0])
    if op == "Elu":
        return np.where(x[0] > 0, x[0], a.get("alpha", 1.0) * (np.exp(x[0]) - 1))
    if op == "Clip":
        lo = x[1] if len(x) > 1 and x[1] is not None else -np.inf
        hi = x[2] if len(x) > 2 and x[2] is not None else np.inf
        return np.clip(x[0], lo, hi)
    if op == "Where":
        return np.where(x[0], x[1], x[2])
    if op == "Cast":
        return x[0].astype(ONNX_TO_NUMPY[a["to"]])
    if op in ("ArgMax", "ArgMin"):
        f = np.argmax if op == "ArgMax" else np.argmin
        out = f(x[0], axis=a.get("axis", 0)).astype(np.int64)
        return np.expand_dims(out, a.get("axis", 0)) if a.get("keepdims", 1) else out
    if op in ("ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean"):
        f = {"ReduceSum": np.sum, "ReduceMax": np.max, "ReduceMin": np.min, "ReduceMean": np.mean}[op]
        axes = tuple(x[1].tolist()) if op == "ReduceSum" and len(x) > 1 else tuple(a.get("axes", range(x[0].ndim)))
        return f(x[0], axis=axes, keepdims=bool(a.get("keepdims", 1)))
    raise NotImplementedError("the NumPy evaluator has no " + op)


def evaluate(model, feeds, real=np.float64):
    values = {}
    for t in model.graph.initializer:
        arr = numpy_helper.to_array(t)
        values[t.name] = arr.astype(real) if arr.dtype == np.float32 else arr
    for name, value in feeds.items():
        values[name] = value
    for node in model.graph.node:
        out = run_node(node, values)
        values[node.output[0]] = out
    return {o.name: values[o.name] for o in model.graph.output}


def read_io(path):
    inputs, outputs = {}, {}
    for line in open(path):
        head, _, tail = line.partition(":")
        kind, name, *dims = head.split()
        value = np.array([float(t) for t in tail.split()], dtype=np.float64).reshape([int(d) for d in dims])
        (inputs if kind == "input" else outputs)[name] = value
    return inputs, outputs


def declared_dims(value_info):
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
            for d in value_info.type.tensor_type.shape.dim]


def check(directory, stem):
    path = f"{directory}/{stem}.onnx"
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    assert model.opset_import[0].version == 13, model.opset_import
    known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for out in model.graph.output:
        dims = declared_dims(known[out.name])
        assert dims == declared_dims(out), (out.name, dims, declared_dims(out))
    print(f"ok: {stem}.onnx passes check_model(full_check=True) and strict shape inference "
          f"({len(model.graph.node)} nodes, {len(model.graph.initializer)} initializers)")
    inputs, expected = read_io(f"{directory}/{stem}_io.txt")
    types = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
    feeds = {k: v.astype(ONNX_TO_NUMPY[types[k]]) for k, v in inputs.items()}
    got = evaluate(model, feeds)
    assert set(got) == set(expected), (sorted(got), sorted(expected))
    for name, want in expected.items():
        have = np.asarray(got[name], dtype=np.float64)
        assert have.shape == want.shape, (name, have.shape, want.shape)
        err = np.max(np.abs(have - want) / np.maximum(1.0, np.abs(want))) if want.size else 0.0
        assert err <= TOLERANCE, f"{stem}: output {name} differs from staticflow's by {err:.3g}"
        print(f"ok: {stem}.onnx output {name} {list(want.shape)} equals staticflow's (largest difference {err:.2g})")
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"    {stem}.onnx operators: {' '.join(ops)}")
    return model


def check_all(directory, stems):
    for stem in stems:
        model = check(directory, stem)
        if stem == "lenet5":
            # Weights are initializers named as the variables, filters stored OIHW.
            inits = {t.name: list(t.dims) for t in model.graph.initializer}
            assert inits["net/layer_1/filter"] == [6, 1, 5, 5], inits
            assert inits["net/layer_4/filter"] == [16, 6, 5, 5], inits
            assert inits["net/layer_8/weights"] == [256, 120], inits
            assert [i.name for i in model.graph.input] == ["input"]
            assert [o.name for o in model.graph.output] == ["output"]
            assert declared_dims(model.graph.input[0]) == ["batch", 28, 28, 1]
        if stem == "mlp":
            ops = [n.op_type for n in model.graph.node]
            assert "Softmax" in ops and "LogSoftmax" in ops and "Gemm" in ops, ops


def idx(path):
    data = open(path, "rb").read()
    ndim = data[3]
    dims = np.frombuffer(data, ">u4", count=ndim, offset=4)
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def torch_eval(model_path, mnist_dir, logits_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    images = idx(f"{mnist_dir}/t10k-images-idx3-ubyte")[:500].astype(np.float64)[:, None] / 255.0
    got = evaluate(model, {model.graph.input[0].name: images})
    want = np.load(logits_path)[:500]
    err = np.max(np.abs(next(iter(got.values())) - want))
    assert err <= 1e-4, f"the NumPy evaluator differs from PyTorch by {err:.3g} on PyTorch's own export"
    print(f"ok: the NumPy evaluator gives PyTorch's logits on its own LeNet-5 export (largest difference {err:.2g})")


def mnist_accuracy(model_path, mnist_dir, output):
    """The test accuracy of a model of 784 pixels in, class scores out, evaluated in float32 as
    staticflow computes (printed as freeze_graph prints its session's)."""
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, strict_mode=True)
    images = idx(f"{mnist_dir}/t10k-images-idx3-ubyte")
    labels = idx(f"{mnist_dir}/t10k-labels-idx1-ubyte")
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)
    out = evaluate(model, {model.graph.input[0].name: x}, np.float32)[output]
    print("%.4f" % np.mean(np.argmax(out, axis=1) == labels))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check_all(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "torch-eval":
        torch_eval(*sys.argv[2:5])
    elif sys.argv[1] == "mnist":
        mnist_accuracy(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
