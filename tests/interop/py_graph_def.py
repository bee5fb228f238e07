# SPDX-License-Identifier: MIT
"""Python protobuf's and NumPy's side of tests/interop/check_graph_def.sh.

Reads the GraphDefs graph_def_tool wrote with classes protoc generates from tests/interop/proto
(TF's field definitions), so nothing of staticflow's encoder is shared with the reader.

  python3 py_graph_def.py GEN_DIR pair STEM.pb STEM.pbtxt [GraphDef|MetaGraphDef]
      The binary file parses as a GraphDef (or MetaGraphDef); the text file parses with
      text_format to the same message; the binary is protobuf's canonical (deterministic)
      serialisation of it and the text is what text_format.MessageToString prints for it (but
      for whole floats, which Python prints as "10000.0" and protoc as "10000").
  python3 py_graph_def.py GEN_DIR meta DIR
      model.ckpt.meta is the seed's MetaGraphDef as TF 1.x's Saver writes it: the graph (v1, v2,
      add), SaveV2/RestoreV2 over tensors v1 and v2, an Assign per variable from RestoreV2's
      outputs in order, and a SaverDef whose tensor and op names are nodes of the graph.
  python3 py_graph_def.py GEN_DIR seed DIR
      seed.pb is TF's frozen v1 + v2: nodes v1, v2 (Consts 1.0 and 2.0, shape [1]), add (Add of
      v1 and v2); seed_vars.pb has v1 and v2 as VariableV2 of shape [1].
  python3 py_graph_def.py GEN_DIR mlp DIR
      mlp.pb's Consts named after variables hold exactly the values the session held
      (mlp_vars.txt); evaluating mlp.pb with NumPy (Placeholder, Const, MatMul, Add, Sub,
      RealDiv, Relu, Tanh, Exp, Max, Sum, Mean, ArgMax, Equal, Cast) on mlp_io.txt's inputs
      gives the session's outputs within 1e-5; mlp_graph.pb holds the variables as VariableV2
      with their shapes.
  python3 py_graph_def.py GEN_DIR mnist PB MNIST_DIR NODE
      Prints the accuracy (%.4f) on the MNIST test set (IDX files read here) of the frozen graph
      PB evaluated with NumPy, its output NODE's argmax against the labels.
  python3 py_graph_def.py GEN_DIR checkpoint PB DUMP SUFFIX
      Each line of DUMP (`inspect_checkpoint --tensor NAME` lines: NAME dtype [shape] values)
      must be, to the bit, the Const in PB named NAME without SUFFIX.
  python3 py_graph_def.py GEN_DIR conv DIR
      conv.pb's Conv2D, MaxPool, AvgPool, LeakyRelu and Reshape nodes with TF's attributes.
"""
import os
import sys

import numpy as np

gen_dir, cmd = sys.argv[1:3]
sys.path.insert(0, gen_dir)
from google.protobuf import text_format  # noqa: E402
import graph_pb2  # noqa: E402  (generated at test time)
import meta_graph_pb2  # noqa: E402
import types_pb2  # noqa: E402

NP_DTYPES = {types_pb2.DT_FLOAT: np.float32, types_pb2.DT_DOUBLE: np.float64, types_pb2.DT_INT32: np.int32,
             types_pb2.DT_INT64: np.int64, types_pb2.DT_BOOL: np.bool_}


def fail(msg):
    print("py_graph_def.py (%s): FAILED: %s" % (cmd, msg), file=sys.stderr)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def load(path):
    g = graph_pb2.GraphDef()
    with open(path, "rb") as f:
        g.ParseFromString(f.read())
    return g


def nodes_of(g):
    return {n.name: n for n in g.node}


def tensor_value(t):
    """A TensorProto as a NumPy array, from tensor_content (little-endian) or the typed fields."""
    dt = np.dtype(NP_DTYPES[t.dtype]).newbyteorder("<")
    shape = [d.size for d in t.tensor_shape.dim]
    if t.tensor_content:
        return np.frombuffer(t.tensor_content, dtype=dt).reshape(shape)
    vals = {types_pb2.DT_FLOAT: t.float_val, types_pb2.DT_INT32: t.int_val}[t.dtype]
    return np.array(vals, dtype=dt).reshape(shape)


def same_number(a, b):
    ka, _, va = a.partition(": ")
    kb, _, vb = b.partition(": ")
    try:
        return ka == kb and float(va) == float(vb)
    except ValueError:
        return False


def check_pair(pb, pbtxt, message="GraphDef"):
    cls = {"GraphDef": graph_pb2.GraphDef, "MetaGraphDef": meta_graph_pb2.MetaGraphDef}[message]
    with open(pb, "rb") as f:
        raw = f.read()
    g = cls()
    g.ParseFromString(raw)
    with open(pbtxt) as f:
        text = f.read()
    t = text_format.Parse(text, cls())
    expect(g == t, "%s and %s hold different messages" % (pb, pbtxt))
    expect(g.SerializeToString(deterministic=True) == raw,
           "%s is not protobuf's canonical serialisation of its message" % pb)
    printed = text_format.MessageToString(g).splitlines()
    lines = text.splitlines()
    expect(len(printed) == len(lines), "%s has %d lines, text_format prints %d" % (pbtxt, len(lines), len(printed)))
    for i, (a, b) in enumerate(zip(printed, lines)):
        # Python prints a whole float as "10000.0" where protoc (and staticflow) print "10000".
        if a != b and not same_number(a, b):
            fail("%s differs from text_format's printing at line %d: %r vs %r" % (pbtxt, i + 1, b, a))
    print("ok: %s (a %s) parses, re-serialises to the same bytes and equals %s" % (
        os.path.basename(pb), message, os.path.basename(pbtxt)))


def check_seed(d):
    g = load(os.path.join(d, "seed.pb"))
    expect([n.name for n in g.node] == ["v1", "v2", "add"], "seed nodes: %s" % [n.name for n in g.node])
    n = nodes_of(g)
    for name, value in (("v1", 1.0), ("v2", 2.0)):
        expect(n[name].op == "Const", "%s is %s, not Const" % (name, n[name].op))
        expect(n[name].attr["dtype"].type == types_pb2.DT_FLOAT, "%s dtype" % name)
        v = tensor_value(n[name].attr["value"].tensor)
        expect(v.shape == (1,) and v[0] == np.float32(value), "%s holds %s, not [%s]" % (name, v, value))
    expect(n["add"].op == "Add" and list(n["add"].input) == ["v1", "v2"], "add: %s" % n["add"])
    expect(n["add"].attr["T"].type == types_pb2.DT_FLOAT, "add's T")
    expect(g.versions.producer > 0, "no producer version")
    gv = nodes_of(load(os.path.join(d, "seed_vars.pb")))
    for name in ("v1", "v2"):
        expect(gv[name].op == "VariableV2", "unfrozen %s is %s" % (name, gv[name].op))
        expect([x.size for x in gv[name].attr["shape"].shape.dim] == [1], "unfrozen %s shape" % name)
    print("ok: seed.pb is v1 = 1, v2 = 2, add = Add(v1, v2); seed_vars.pb has VariableV2 v1 and v2")


def check_meta(d):
    m = meta_graph_pb2.MetaGraphDef()
    with open(os.path.join(d, "model.ckpt.meta"), "rb") as f:
        m.ParseFromString(f.read())
    n = nodes_of(m.graph_def)
    expect(n["v1"].op == "VariableV2" and n["add"].op == "Add", "the model graph is missing")
    save = n["save/SaveV2"]
    expect(list(save.input) == ["save/Const", "save/SaveV2/tensor_names", "save/SaveV2/shape_and_slices", "v1", "v2"],
           "SaveV2 inputs %s" % list(save.input))
    expect(list(save.attr["dtypes"].list.type) == [types_pb2.DT_FLOAT] * 2, "SaveV2 dtypes")
    for op in ("SaveV2", "RestoreV2"):
        names = n["save/%s/tensor_names" % op].attr["value"].tensor
        expect(names.dtype == types_pb2.DT_STRING and list(names.string_val) == [b"v1", b"v2"], "%s names" % op)
        slices = n["save/%s/shape_and_slices" % op].attr["value"].tensor
        expect(list(slices.string_val) == [b"", b""], "%s slices" % op)
    expect(list(n["save/Assign_1"].input) == ["v2", "save/RestoreV2:1"], "Assign_1 inputs")
    expect(list(n["save/restore_all"].input) == ["^save/Assign", "^save/Assign_1"], "restore_all inputs")
    s = m.saver_def
    for tensor in (s.filename_tensor_name, s.save_tensor_name):
        name, _, port = tensor.partition(":")
        expect(name in n and port == "0", "SaverDef names %s, not a node's output" % tensor)
    expect(s.restore_op_name in n, "SaverDef names the op %s, not in the graph" % s.restore_op_name)
    expect(s.version == 2 and s.max_to_keep == 5, "SaverDef version/max_to_keep")
    for node in m.graph_def.node:
        for i in node.input:
            expect(i.lstrip("^").split(":")[0] in n, "%s reads %s, not in the graph" % (node.name, i))
    print("ok: model.ckpt.meta holds the graph, TF's save/restore ops over v1 and v2, and a SaverDef naming them")


def read_values(line):
    head, vals = line.split(":")
    return head.split(), np.array([float(x) for x in vals.split()], dtype=np.float32)


def evaluate(g, feeds, fetch):
    """The value of node `fetch`, each op computed with NumPy from its definition."""
    n = nodes_of(g)
    cache = dict(feeds)

    def value(name):
        name = name.split(":")[0]
        if name in cache:
            return cache[name]
        node = n[name]
        args = [value(i) for i in node.input]
        op = node.op
        if op == "Const":
            r = tensor_value(node.attr["value"].tensor)
        elif op == "MatMul":
            a, b = args
            if node.attr["transpose_a"].b:
                a = a.T
            if node.attr["transpose_b"].b:
                b = b.T
            r = a @ b
        elif op in ("Add", "AddV2", "BiasAdd"):
            r = args[0] + args[1]
        elif op == "Sub":
            r = args[0] - args[1]
        elif op == "Mul":
            r = args[0] * args[1]
        elif op == "RealDiv":
            r = args[0] / args[1]
        elif op == "Relu":
            r = np.maximum(args[0], 0)
        elif op == "Tanh":
            r = np.tanh(args[0])
        elif op == "Sigmoid":
            r = 1 / (1 + np.exp(-args[0]))
        elif op == "Exp":
            r = np.exp(args[0])
        elif op == "Softmax":
            e = np.exp(args[0] - args[0].max(axis=-1, keepdims=True))
            r = e / e.sum(axis=-1, keepdims=True)
        elif op == "ArgMax":
            expect(node.attr["output_type"].type == types_pb2.DT_INT64, "ArgMax's output_type")
            r = np.argmax(args[0], axis=int(args[1])).astype(np.int64)
        elif op == "Equal":
            r = args[0] == args[1]
        elif op == "Cast":
            r = args[0].astype(NP_DTYPES[node.attr["DstT"].type])
        elif op in ("Max", "Sum", "Mean"):
            fn = {"Max": np.max, "Sum": np.sum, "Mean": np.mean}[op]
            r = fn(args[0], axis=tuple(int(a) for a in np.atleast_1d(args[1])), keepdims=node.attr["keep_dims"].b)
        else:
            fail("the NumPy evaluator has no op %s (node %s)" % (op, name))
        r = np.asarray(r, dtype=np.float32) if op not in ("Const", "ArgMax", "Equal") else r
        cache[name] = r
        return r

    return value(fetch)


def check_mlp(d):
    g = load(os.path.join(d, "mlp.pb"))
    n = nodes_of(g)
    with open(os.path.join(d, "mlp_vars.txt")) as f:
        for line in f:
            head, expected = read_values(line)
            name, dims = head[0], [int(x) for x in head[1:]]
            expect(name in n and n[name].op == "Const", "variable %s is not a Const in mlp.pb" % name)
            v = tensor_value(n[name].attr["value"].tensor)
            expect(list(v.shape) == dims, "%s has shape %s, the variable %s" % (name, list(v.shape), dims))
            expect(np.array_equal(v.reshape(-1), expected), "%s's Const differs from the session's value" % name)
    with open(os.path.join(d, "mlp_io.txt")) as f:
        lines = f.read().splitlines()
    feeds = {}
    for line in lines:
        head, values = read_values(line)
        if head[0] == "input":
            feeds[head[1]] = values.reshape([int(s) for s in head[2:]])
    for line in lines:
        head, expected = read_values(line)
        if head[0] != "output":
            continue
        node, shape = head[1], [int(s) for s in head[2:]]
        got = evaluate(g, feeds, node)
        expect(list(got.shape) == shape, "%s: NumPy's shape %s, the session's %s" % (node, list(got.shape), shape))
        err = np.max(np.abs(got.reshape(-1) - expected))
        expect(err <= 1e-5, "%s: NumPy's value differs from the session's by %g" % (node, err))
        print("ok: NumPy evaluates mlp.pb's %s to the session's output (max difference %.2g)" % (node, err))
    gt = nodes_of(load(os.path.join(d, "mlp_graph.pb")))
    for name, dims in (("layer1/weights", [6, 8]), ("layer1/biases", [8]), ("layer2/weights", [4, 8]),
                       ("layer2/biases", [4])):
        expect(gt[name].op == "VariableV2", "mlp_graph.pb: %s is %s" % (name, gt[name].op))
        expect([x.size for x in gt[name].attr["shape"].shape.dim] == dims, "mlp_graph.pb: %s shape" % name)
    xent = gt["SoftmaxCrossEntropyWithLogits"]
    expect(list(xent.input) == ["add_1", "y-input"], "loss inputs: %s" % list(xent.input))
    expect([x.size for x in gt["x-input"].attr["shape"].shape.dim] == [-1, 6], "x-input's shape")
    print("ok: mlp.pb's Consts are the session's variables; mlp_graph.pb has the VariableV2s and the loss")


def check_conv(d):
    n = nodes_of(load(os.path.join(d, "conv.pb")))
    c = n["Conv2D"]
    expect(list(c.input) == ["Reshape", "conv1/kernel"], "Conv2D inputs %s" % list(c.input))
    expect(list(c.attr["strides"].list.i) == [1, 1, 1, 1], "Conv2D strides")
    expect(c.attr["padding"].s == b"SAME" and c.attr["data_format"].s == b"NHWC", "Conv2D padding/format")
    expect(list(n["MaxPool"].attr["ksize"].list.i) == [1, 2, 2, 1], "MaxPool ksize")
    expect(n["AvgPool"].attr["padding"].s == b"VALID", "AvgPool padding")
    expect(list(tensor_value(n["Reshape/shape"].attr["value"].tensor)) == [-1, 28, 28, 1], "Reshape/shape")
    expect(list(tensor_value(n["Reshape_1/shape"].attr["value"].tensor)) == [-1, 392], "Reshape_1/shape")
    expect(list(n["Relu"].input) == ["Conv2D"] and list(n["MaxPool"].input) == ["Relu"], "conv wiring")
    expect(n["LeakyRelu"].attr["alpha"].f == np.float32(0.3), "LeakyRelu alpha %r" % n["LeakyRelu"].attr["alpha"].f)
    expect(list(n["Reshape_1"].input) == ["LeakyRelu", "Reshape_1/shape"], "Reshape_1 inputs")
    print("ok: conv.pb's Conv2D, MaxPool, AvgPool and Reshapes carry TF's attributes")


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    expect(raw[2] == 0x08, "%s: not an unsigned-byte IDX file" % path)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def mnist_accuracy(pb, mnist_dir, node):
    images = read_idx(os.path.join(mnist_dir, "t10k-images-idx3-ubyte"))
    labels = read_idx(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte"))
    x = (images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255))
    out = evaluate(load(pb), {"x-input": x}, node)
    print("%.4f" % np.mean(np.argmax(out, axis=1) == labels))


def check_checkpoint(pb, dump, suffix):
    n = nodes_of(load(pb))
    count = 0
    with open(dump) as f:
        for line in f:
            parts = line.split()
            name, dims = parts[0], parts[2:]
            end = next(i for i, p in enumerate(dims) if p.endswith("]"))
            shape = [int(p.strip("[],")) for p in dims[:end + 1] if p.strip("[],")]
            values = np.array([float(v) for v in dims[end + 1:]], dtype=np.float32)
            const = name[:-len(suffix)] if suffix and name.endswith(suffix) else name
            expect(const in n and n[const].op == "Const", "%s: no Const %s" % (pb, const))
            v = tensor_value(n[const].attr["value"].tensor)
            expect(list(v.shape) == shape, "%s: shape %s, the checkpoint's %s" % (const, list(v.shape), shape))
            expect(np.array_equal(v.reshape(-1), values), "%s differs from the checkpoint's %s" % (const, name))
            count += 1
    expect(count > 0, "%s holds no tensors" % dump)
    print("ok: %d Consts of %s equal the checkpoint's tensors" % (count, os.path.basename(pb)))


if cmd == "pair":
    check_pair(*sys.argv[3:6])
elif cmd == "meta":
    check_meta(sys.argv[3])
elif cmd == "seed":
    check_seed(sys.argv[3])
elif cmd == "mlp":
    check_mlp(sys.argv[3])
elif cmd == "mnist":
    mnist_accuracy(sys.argv[3], sys.argv[4], sys.argv[5])
elif cmd == "checkpoint":
    check_checkpoint(sys.argv[3], sys.argv[4], sys.argv[5])
elif cmd == "conv":
    check_conv(sys.argv[3])
else:
    fail("unknown command")
