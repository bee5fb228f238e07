# SPDX-License-Identifier: MIT
"""Regenerates the seed corpora in tests/fuzz/corpus/ (committed; run by hand when a format grows).

  python3 tests/fuzz/make_corpus.py SAMPLE.tfrecord CKPT_PREFIX

CKPT_PREFIX: a checkpoint (PREFIX.index, PREFIX.data-00000-of-00001 and the directory's
`checkpoint` file), e.g. from `sf_io_interop ckpt-write DIR/model.ckpt` (tests/interop).

SAMPLE.tfrecord: an uncompressed TFRecord file of Examples, e.g. from
`sf_io_interop write sample.tfrecord` (tests/interop). Valid seeds come from it; broken ones
are it truncated, with flipped CRC bytes, with absurd lengths.
"""
import gzip
import os
import struct
import sys
import zlib

here = os.path.dirname(os.path.abspath(__file__))
sample = open(sys.argv[1], "rb").read()
ckpt = sys.argv[2]


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


def header(length):
    h = struct.pack("<Q", length)
    return h + struct.pack("<I", masked(h))


def records(blob):
    pos = 0
    while pos < len(blob):
        (n,) = struct.unpack("<Q", blob[pos:pos + 8])
        yield blob[pos + 12:pos + 12 + n]
        pos += 16 + n


def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# tfrecord: first byte = mode (bits 0-1 compression none/gzip/zlib, bit 2 skip_corrupt).
put("tfrecord", "valid_none", b"\x00" + sample)
put("tfrecord", "valid_gzip", b"\x01" + gzip.compress(sample, mtime=0))
put("tfrecord", "valid_zlib", b"\x02" + zlib.compress(sample))
put("tfrecord", "empty_file", b"\x00")
put("tfrecord", "zero_length_record", b"\x00" + header(0) + struct.pack("<I", masked(b"")))
put("tfrecord", "truncated", b"\x00" + sample[:len(sample) // 2])
bad = bytearray(sample)
bad[20] ^= 0xFF
put("tfrecord", "bad_data_crc_skip", b"\x04" + bytes(bad))
bad = bytearray(sample)
bad[1] ^= 0x01
put("tfrecord", "bad_length_crc_skip", b"\x04" + bytes(bad))
put("tfrecord", "length_2_63", b"\x00" + header(1 << 63) + b"abc")
put("tfrecord", "truncated_gzip", b"\x01" + gzip.compress(sample, mtime=0)[:60])

# example and protobuf: serialized Examples, whole and damaged.
recs = [r for r in records(sample)]
for i, r in enumerate(recs[:3]):
    put("example", f"example_{i}", r)
    put("protobuf", f"example_{i}", r)
put("example", "empty", b"")
put("example", "truncated", recs[1][:-5])
# SequenceExample{feature_lists{"t": [Feature{int64_list{1,2}}, Feature{}]}}
put("example", "sequence_example", bytes.fromhex("1213 0a11 0a01 74 120c 0a06 1a04 0a02 0102 0a00 0a00".replace(" ", "")))
# Unpacked floats: Feature{float_list{value: 1.0, value: 2.0}} under key "f".
put("example", "unpacked_floats", bytes.fromhex("0a17 0a15 0a01 66 1210 120e 0d 0000803f 0d 00000040".replace(" ", ""))[:25])
put("protobuf", "all_wire_types", bytes.fromhex("0896 01 1104030201efbeadde 1a03616263 2d0000803f".replace(" ", "")))
put("protobuf", "long_varint", b"\x08" + b"\xff" * 10 + b"\x01")
put("protobuf", "huge_length", b"\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01")
put("protobuf", "group", b"\x0b\x08\x01\x0c")

# idx: uint8 2x3, float32 [2], gzip'd, and broken headers.
u8 = b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + bytes(range(6))
put("idx", "uint8_2x3", u8)
put("idx", "float32_2", b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + struct.pack(">ff", 1.5, -2.0))
put("idx", "gzip_uint8", gzip.compress(u8, mtime=0))
put("idx", "bad_magic", b"\x01\x02\x08\x01\x00\x00\x00\x01\x05")
put("idx", "truncated_dims", b"\x00\x00\x08\x03\x00\x00")
put("idx", "huge_dims", b"\x00\x00\x0e\x04" + b"\xff\xff\xff\xff" * 4)

# checkpoint: mode byte 0, u32 index length, index, data; mode 1: a state file's text.
index = open(ckpt + ".index", "rb").read()
data = open(ckpt + ".data-00000-of-00001", "rb").read()
state = open(os.path.join(os.path.dirname(ckpt), "checkpoint"), "rb").read()


def bundle(i, d):
    return b"\x00" + struct.pack("<I", len(i)) + i + d


put("checkpoint", "valid", bundle(index, data))
put("checkpoint", "truncated_data", bundle(index, data[:len(data) // 2]))
put("checkpoint", "truncated_index", bundle(index[:len(index) - 20], data))
bad = bytearray(data)
bad[len(bad) // 3] ^= 0x10
put("checkpoint", "bad_data_crc", bundle(index, bytes(bad)))
bad = bytearray(index)
bad[10] ^= 0x01
put("checkpoint", "bad_block_crc", bundle(bytes(bad), data))
put("checkpoint", "footer_only", bundle(index[-48:], b""))
put("checkpoint", "state", b"\x01" + state)
put("checkpoint", "state_escapes", b"\x01" + b'model_checkpoint_path: "a\\001\\x41\\"b"\nlast_preserved_timestamp: 1e+300\n')
