# SPDX-License-Identifier: MIT
"""Python protobuf's side of the checkpoint part of tests/interop/check_interop.sh.

A V2 checkpoint is PREFIX.index, a LevelDB table mapping "" to a BundleHeaderProto and each
tensor's name to a BundleEntryProto, and PREFIX.data-00000-of-00001, the tensors' little-endian
bytes back to back. The table itself is read and written by LevelDB (leveldb_table, as
`HEXKEY HEXVALUE` lines); everything inside it is decoded and encoded here with classes protoc
generates from tests/interop/proto, with a CRC32C written from its definition, so staticflow's
encoding is checked by code that shares none of it.

  python3 py_checkpoint.py GEN_DIR dump PREFIX INDEX_DUMP
      INDEX_DUMP is `leveldb_table dump PREFIX.index`. Checks the header, that every entry
      re-serialises to the bytes stored (staticflow's encoding is protobuf's canonical one),
      that the tensors lie back to back in key order (as TF's Saver writes them) and their
      CRCs, and prints each tensor as `inspect_checkpoint --all-tensors` does.
  python3 py_checkpoint.py GEN_DIR write PREFIX LEVELDB_TABLE
      Writes MODEL's checkpoint as TensorFlow's BundleWriter would, with values of its own
      (not staticflow's), the index through `LEVELDB_TABLE write`.
  python3 py_checkpoint.py GEN_DIR state FILE
      Parses a `checkpoint` state file with text_format into CheckpointState, checks that it is
      the text TF's update_checkpoint_state writes (text_format.MessageToString), and prints
      its fields one per line: `FIELD VALUE`.
"""
import os
import struct
import subprocess
import sys

gen_dir, cmd = sys.argv[1:3]
sys.path.insert(0, gen_dir)
import checkpoint_state_pb2  # noqa: E402  (generated at test time)
import tensor_bundle_pb2  # noqa: E402

# TF's DataType number -> (name as inspect_checkpoint prints it, struct format, printf format).
DTYPES = {
    1: ("float32", "<f", "%.9g"),
    2: ("float64", "<d", "%.17g"),
    3: ("int32", "<i", "%d"),
    4: ("uint8", "<B", "%d"),
    5: ("int16", "<h", "%d"),
    6: ("int8", "<b", "%d"),
    9: ("int64", "<q", "%d"),
    10: ("bool", "<B", "%d"),
    14: ("bfloat16", "<H", "%.9g"),
}
NUMBER = {name: number for number, (name, _, _) in DTYPES.items()}

# The variables of sf_io_interop's checkpoint model (struct model there), in no particular
# order: name, dtype, shape.
MODEL = [
    ("global_step", "int64", []),
    ("layer1/weights", "float32", [3, 4]),
    ("layer1/biases", "float32", [4]),
    ("layer10/weights", "float32", [2]),
    ("layer2/weights", "float64", [4, 2]),
    ("layer2/biases", "float64", [2]),
    ("conv1/kernel", "float32", [2, 2, 1, 3]),
    ("BatchNorm/moving_mean", "float32", [3]),
    ("embedding/table", "bfloat16", [5, 3]),
    ("embedding/scale", "bfloat16", []),
    ("quant/weights", "int8", [2, 3, 4]),
    ("quant/accumulator", "int16", [6]),
    ("quant/zero_point", "int32", []),
    ("counters/per_class", "int32", [2, 2]),
    ("counters/total", "int64", [3]),
    ("image/pixels", "uint8", [2, 2, 3]),
    ("mask/keep", "bool", [7]),
    ("mask/flag", "bool", []),
    ("special/float32", "float32", [8]),
    ("special/float64", "float64", [8]),
    ("special/int64", "int64", [4]),
    ("a", "int16", []),
]


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


def fail(what):
    sys.exit("py_checkpoint.py %s: %s" % (cmd, what))


def data_filename(prefix):
    return prefix + ".data-00000-of-00001"


def elements(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def canonical(name, dtype, shape, data):
    """`name dtype [d0, d1] v0 v1 ...`, as inspect_checkpoint --all-tensors prints a tensor."""
    label, fmt, out = DTYPES[dtype]
    width = struct.calcsize(fmt)
    values = [struct.unpack_from(fmt, data, i)[0] for i in range(0, len(data), width)]
    if label == "bfloat16":  # the upper half of a float32
        values = [struct.unpack("<f", struct.pack("<I", v << 16))[0] for v in values]
    elif label == "bool":
        values = [int(v != 0) for v in values]
    text = "%s %s [%s]" % (name, label, ", ".join(str(d) for d in shape))
    return text + "".join(" " + out % v for v in values)


def dump(prefix, index_dump):
    with open(index_dump) as f:
        table = [line.rstrip("\n").split(" ", 1) for line in f]
    table = [(bytes.fromhex(k), bytes.fromhex(v)) for k, v in table]
    if not table or table[0][0] != b"":
        fail("the index has no header (key \"\") first")
    header = tensor_bundle_pb2.BundleHeaderProto.FromString(table[0][1])
    if header.num_shards != 1:
        fail("header: num_shards %d, expected 1" % header.num_shards)
    if header.endianness != tensor_bundle_pb2.BundleHeaderProto.LITTLE:
        fail("header: endianness %d, expected LITTLE" % header.endianness)
    if header.version.producer != 1 or header.version.min_consumer != 0 or header.version.bad_consumers:
        fail("header: version %s, expected {producer: 1}" % header.version)
    if header.SerializeToString() != table[0][1]:
        fail("header: stored %s, protobuf serialises it as %s" % (table[0][1].hex(), header.SerializeToString().hex()))
    with open(data_filename(prefix), "rb") as f:
        blob = f.read()
    expected_offset = 0
    lines = []
    for (key, value), (previous, _) in zip(table[1:], table):
        name = key.decode("utf-8")
        if key <= previous:
            fail("'%s': keys out of order" % name)
        e = tensor_bundle_pb2.BundleEntryProto.FromString(value)
        again = e.SerializeToString()
        if again != value:
            fail("'%s': stored entry %s, protobuf serialises it as %s" % (name, value.hex(), again.hex()))
        if e.dtype not in DTYPES:
            fail("'%s': dtype %d is not one staticflow has" % (name, e.dtype))
        # TF's BundleWriter always sets the shape (a scalar's is an empty message, still there).
        if not e.HasField("shape") or e.shape.unknown_rank or any(d.name or d.size < 0 for d in e.shape.dim):
            fail("'%s': shape %s is not a known, unnamed shape" % (name, e.shape))
        shape = [d.size for d in e.shape.dim]
        if e.shard_id != 0 or e.slices:
            fail("'%s': shard %d, %d slices; expected one shard and a whole tensor" % (name, e.shard_id, len(e.slices)))
        size = elements(shape) * struct.calcsize(DTYPES[e.dtype][1])
        if e.size != size:
            fail("'%s': %d bytes, %s %s needs %d" % (name, e.size, DTYPES[e.dtype][0], shape, size))
        # Saver adds its tensors in name order and BundleWriter appends each: no gaps, key order.
        if e.offset != expected_offset:
            fail("'%s': offset %d, expected %d (the tensors back to back in key order)" % (name, e.offset, expected_offset))
        data = blob[e.offset:e.offset + e.size]
        if len(data) != e.size:
            fail("'%s': %d bytes at offset %d lie past the data file's end (%d bytes)" % (name, e.size, e.offset, len(blob)))
        if masked(data) != e.crc32c:
            fail("'%s': CRC32C stored %08x, computed %08x" % (name, e.crc32c, masked(data)))
        expected_offset += e.size
        lines.append(canonical(name, e.dtype, shape, data))
    if expected_offset != len(blob):
        fail("the data file has %d bytes, its tensors %d" % (len(blob), expected_offset))
    print("\n".join(lines))


def sample(k, i, name, dtype):
    """Element i of MODEL's variable k: other values than staticflow's, as bytes."""
    u = ((k + 1) * 0x2545F4914F6CDD1D + (i + 1) * 0x9E3779B97F4A7C15 + 12345) % (1 << 64)
    u ^= u >> 31
    fmt = DTYPES[NUMBER[dtype]][1]
    if name == "global_step":
        return struct.pack(fmt, 5678)
    if name == "special/float32":
        return struct.pack(fmt, [-0.0, float("inf"), 3 * 2.0**-149, 3.4028234663852886e38, -1e-40, 1 / 7, 1e10, -2.5][i])
    if name == "special/float64":
        return struct.pack(fmt, [float("-inf"), 5e-324, -0.0, 2.0**1023, 1 / 7, -1e-300, 123456789.125, 0.2][i])
    if name == "special/int64":
        return struct.pack(fmt, [2**63 - 1, -2**63, 1, -2**62][i])
    if dtype == "bool":
        return struct.pack(fmt, 1 if (k + i) % 3 == 0 else 0)
    if dtype in ("float32", "float64", "bfloat16"):
        x = ((u >> 40) % 200001 - 100000) / 7.0 * 10.0 ** (i % 5 - 2)
        if dtype == "bfloat16":  # any upper half of a float32 is a bfloat16
            return struct.pack(fmt, struct.unpack("<I", struct.pack("<f", x))[0] >> 16)
        return struct.pack(fmt, x)
    bits = 8 * struct.calcsize(fmt)
    v = u % (1 << bits)
    if fmt.islower():  # signed: two's complement
        v -= (1 << bits) if v >> (bits - 1) else 0
    return struct.pack(fmt, v)


def write(prefix, leveldb_table):
    # TF's Saver adds the tensors in name order; BundleWriter appends each to the data file.
    model = sorted(enumerate(MODEL), key=lambda kv: kv[1][0].encode())
    blob = b""
    entries = []
    for k, (name, dtype, shape) in model:
        data = b"".join(sample(k, i, name, dtype) for i in range(elements(shape)))
        e = tensor_bundle_pb2.BundleEntryProto(dtype=NUMBER[dtype], shard_id=0, offset=len(blob), size=len(data),
                                               crc32c=masked(data))
        e.shape.SetInParent()  # a scalar's shape is an empty message, still written (as TF's mutable_shape)
        for d in shape:
            e.shape.dim.add(size=d)
        entries.append((name.encode(), e.SerializeToString()))
        blob += data
    header = tensor_bundle_pb2.BundleHeaderProto(num_shards=1, endianness=tensor_bundle_pb2.BundleHeaderProto.LITTLE)
    header.version.producer = 1
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    with open(data_filename(prefix), "wb") as f:  # TF writes the data file first, then the index
        f.write(blob)
    lines = "".join("%s %s\n" % (k.hex(), v.hex()) for k, v in [(b"", header.SerializeToString())] + entries)
    subprocess.run([leveldb_table, "write", prefix + ".index"], input=lines.encode(), check=True)


def state(path):
    from google.protobuf import text_format
    with open(path) as f:
        text = f.read()
    s = text_format.Parse(text, checkpoint_state_pb2.CheckpointState())
    # TF writes the file as text_format.MessageToString(state) (update_checkpoint_state).
    if text_format.MessageToString(s) != text:
        fail("'%s' is not the text TensorFlow writes for it:\n--- file\n%s--- text_format\n%s" %
             (path, text, text_format.MessageToString(s)))
    print("model_checkpoint_path", s.model_checkpoint_path)
    for p in s.all_model_checkpoint_paths:
        print("all_model_checkpoint_paths", p)
    for t in s.all_model_checkpoint_timestamps:
        print("all_model_checkpoint_timestamps", repr(t))
    print("last_preserved_timestamp", repr(s.last_preserved_timestamp))


if cmd == "dump":
    dump(sys.argv[3], sys.argv[4])
elif cmd == "write":
    write(sys.argv[3], sys.argv[4])
elif cmd == "state":
    state(sys.argv[3])
else:
    fail("unknown command")
