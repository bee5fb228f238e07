# SPDX-License-Identifier: MIT
"""Regenerates tests/fuzz/corpus/events/ (committed; run by hand when the reader grows).

  protoc -I tests/interop/proto --python_out=GEN tests/interop/proto/{types,tensor_shape,tensor,summary,event,attr_value,versions,graph}.proto
  python3 tests/fuzz/make_events_corpus.py GEN

Seeds: a small events file with one value of each kind staticflow-board draws (written by TF's
own protobuf classes), TF 2.x's plugin tensors, and that file truncated, with a flipped data
byte, with a flipped length byte, and with a record that is not an Event.
"""
import os
import struct
import sys

sys.path.insert(0, sys.argv[1])
import event_pb2  # noqa: E402
import graph_pb2  # noqa: E402
import summary_pb2  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(rec):
    h = struct.pack("<Q", len(rec))
    return h + struct.pack("<I", masked(h)) + rec + struct.pack("<I", masked(rec))


def event(step, **kw):
    e = event_pb2.Event(wall_time=1.7e9 + step, step=step, **kw)
    return e.SerializeToString()


def value(**kw):
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(**kw)])


g = graph_pb2.GraphDef()
n = g.node.add(name="net/w", op="VariableV2")
n.attr["shape"].shape.dim.add(size=3)
n.attr["shape"].shape.dim.add(size=4)
g.node.add(name="y", op="MatMul", input=["x", "net/w"])

histo = summary_pb2.HistogramProto(min=-1, max=2, num=4, sum=1.5, sum_squares=5.25,
                                   bucket_limit=[-0.5, 0.0, 1.0, 2.5], bucket=[1, 0, 2, 1])
text = summary_pb2.Summary.Value(tag="layers")
text.metadata.plugin_data.plugin_name = "text"
text.tensor.dtype = 7
text.tensor.tensor_shape.SetInParent()
text.tensor.string_val.append(b"| Layer | Param # |\n|---|---:|\n| dense | 7850 |\n\nTotal params: 7850")
tf2 = summary_pb2.Summary.Value(tag="lr")
tf2.metadata.plugin_data.plugin_name = "scalars"
tf2.tensor.dtype = 1
tf2.tensor.tensor_shape.SetInParent()
tf2.tensor.float_val.append(0.125)
tf2h = summary_pb2.Summary.Value(tag="w2")
tf2h.metadata.plugin_data.plugin_name = "histograms"
tf2h.tensor.dtype = 2
tf2h.tensor.tensor_shape.dim.add(size=2)
tf2h.tensor.tensor_shape.dim.add(size=3)
tf2h.tensor.double_val.extend([0, 1, 3, 1, 2, 5])
png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010800000000")

recs = [
    event(0, file_version="brain.Event:2"),
    event(0, session_log=event_pb2.SessionLog(status=1)),
    event(1, graph_def=g.SerializeToString()),
    event(1, summary=value(tag="loss", simple_value=2.0)),
    event(2, summary=value(tag="loss", simple_value=float("nan"))),
    event(3, summary=value(tag="loss", simple_value=0.5)),
    event(3, summary=value(tag="w", histo=histo)),
    event(3, summary=summary_pb2.Summary(value=[text, tf2, tf2h])),
    event(4, summary=value(tag="input/image/0", image=summary_pb2.Summary.Image(
        height=1, width=1, colorspace=1, encoded_image_string=png))),
    event(2, summary=value(tag="loss", simple_value=9.0)),  # a step back: a restart
]
whole = b"".join(frame(r) for r in recs)


def put(name, data):
    d = os.path.join(here, "corpus", "events")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


put("valid", whole)
put("empty", b"")
put("truncated", whole[:len(whole) - 9])
bad = bytearray(whole)
bad[len(frame(recs[0])) + 14] ^= 0x40
put("bad_data_crc", bytes(bad))
bad = bytearray(whole)
bad[len(frame(recs[0])) + 2] ^= 0x01
put("bad_length_crc", bytes(bad))
put("not_an_event", frame(recs[0]) + frame(b"\x0b\xff") + frame(recs[3]))
