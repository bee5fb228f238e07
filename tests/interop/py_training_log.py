# SPDX-License-Identifier: MIT
"""Checks a trainer's --logdir with Python's protobuf (classes protoc generated from
tests/interop/proto): LOGDIR/train and LOGDIR/eval each hold one events file whose records parse
as TF's Event; train/ starts with file_version, a SessionLog START and one GraphDef that parses
and names the input placeholder, and the layer table as a text summary `layers` (Markdown); for
LeNet-5 (INPUT_NODE classifier/x) three 28 x 28 grey input images that Pillow decodes; it
holds the scalars loss, accuracy, learning_rate and
samples_per_sec at every multiple of EVERY up to STEPS (finite; accuracy in [0, 1]; rate > 0),
histograms of the weights (with num equal to the bucket counts' sum) and of their gradients,
and eval/ holds the EVAL_TAGS scalars with values in [0, 1].

    py_training_log.py GEN LOGDIR STEPS EVERY INPUT_NODE EVAL_TAGS(comma-separated)
"""
import glob
import math
import os
import struct
import sys

gen, logdir, steps, every, input_node, eval_tags = sys.argv[1:7]
steps, every = int(steps), int(every)
sys.path.insert(0, gen)
import event_pb2  # noqa: E402
import graph_pb2  # noqa: E402


def fail(msg):
    print("py_training_log.py: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        pos += 12
        yield data[pos:pos + length]
        pos += length + 4


def events(folder):
    files = glob.glob(os.path.join(logdir, folder, "events.out.tfevents.*"))
    if len(files) != 1:
        fail(f"{folder}/ holds {len(files)} events files, not 1")
    out = []
    for rec in records(files[0]):
        e = event_pb2.Event()
        e.ParseFromString(rec)
        out.append(e)
    if not out or out[0].file_version != "brain.Event:2":
        fail(f"{folder}/: the first record is not file_version brain.Event:2")
    return out[1:]


train = events("train")
if train[0].WhichOneof("what") != "session_log" or train[0].session_log.status != 1:
    fail("train/: the first event is not a SessionLog START")
graphs = [e for e in train if e.WhichOneof("what") == "graph_def"]
if len(graphs) != 1:
    fail(f"train/: {len(graphs)} graph events, not 1")
g = graph_pb2.GraphDef()
g.ParseFromString(graphs[0].graph_def)
names = [n.name for n in g.node]
if input_node not in names:
    fail(f"train/: the graph has no node {input_node} (nodes: {names[:10]}...)")

scalars, histos, texts, images = {}, {}, {}, {}
for e in train:
    if e.WhichOneof("what") != "summary":
        continue
    for v in e.summary.value:
        kind = v.WhichOneof("value")
        if kind == "simple_value":
            scalars.setdefault(v.tag, []).append((e.step, v.simple_value))
        elif kind == "histo":
            histos.setdefault(v.tag, []).append((e.step, v.histo))
        elif kind == "image":
            images.setdefault(v.tag, []).append((e.step, v.image))
        elif kind == "tensor" and v.metadata.plugin_data.plugin_name == "text":
            texts.setdefault(v.tag, []).append((e.step, v.tensor.string_val[0].decode()))
        else:
            fail(f"train/: value {v.tag} holds {kind}")

# The layer table, once: a Markdown table ending in the parameter count.
if len(texts.get("layers", [])) != 1:
    fail(f"train/: {len(texts.get('layers', []))} layer tables (text 'layers'), not 1")
table = texts["layers"][0][1]
if not table.startswith("| Layer (type) | Output Shape | Param # |") or "Total params: " not in table:
    fail(f"train/: the layer table is not the Markdown table expected: {table!r}")

want_steps = list(range(every, steps + 1, every))
for tag in ("loss", "accuracy", "learning_rate", "samples_per_sec"):
    got = [s for s, _ in scalars.get(tag, [])]
    if got != want_steps:
        fail(f"train/: {tag} at steps {got}, expected {want_steps}")
    for s, x in scalars[tag]:
        if not math.isfinite(x):
            fail(f"train/: {tag} at step {s} is {x}")
if any(not 0 <= x <= 1 for _, x in scalars["accuracy"]):
    fail("train/: an accuracy outside [0, 1]")
if any(x <= 0 for _, x in scalars["learning_rate"] + scalars["samples_per_sec"]):
    fail("train/: a learning rate or samples/s that is not positive")

weights = [t for t in histos if t.endswith("weights")]
if not weights:
    fail(f"train/: no weight histograms (histograms: {sorted(histos)})")
for t in weights:
    if t + "/gradient" not in histos:
        fail(f"train/: a histogram of {t} but none of its gradient")
for t, hs in histos.items():
    for s, h in hs:
        if h.num <= 0 or abs(sum(h.bucket) - h.num) > 1e-6 * h.num or h.min > h.max:
            fail(f"train/: histogram {t} at step {s} is inconsistent (num {h.num}, buckets {sum(h.bucket)})")

# Sample input images (image-shaped inputs only: LeNet-5's [N, 28, 28, 1]), decoded by Pillow.
if input_node == "classifier/x":
    if sorted(images) != ["input/image/0", "input/image/1", "input/image/2"]:
        fail(f"train/: input images {sorted(images)}, expected input/image/0..2")
    import io
    from PIL import Image
    for tag, shots in images.items():
        for s, im in shots:
            pil = Image.open(io.BytesIO(im.encoded_image_string))
            pil.load()
            if pil.size != (28, 28) or pil.mode != "L" or (im.height, im.width, im.colorspace) != (28, 28, 1):
                fail(f"train/: {tag} at step {s}: {pil.size} {pil.mode}, Summary.Image {im.height}x{im.width}x{im.colorspace}")
            if max(pil.getdata()) < 128:
                fail(f"train/: {tag} at step {s} has no bright pixel: not an MNIST digit")

evals = {}
for e in events("eval"):
    for v in e.summary.value:
        evals.setdefault(v.tag, []).append((e.step, v.simple_value))
for tag in eval_tags.split(","):
    if tag not in evals:
        fail(f"eval/: no {tag} (tags: {sorted(evals)})")
    if any(not 0 <= x <= 1 for _, x in evals[tag]):
        fail(f"eval/: {tag} outside [0, 1]")

print(f"py_training_log.py: {logdir}: {len(train)} train events ({len(want_steps)} reports, "
      f"{len(histos)} histogram tags, a graph of {len(names)} nodes); eval/ {sorted(evals)}")
