# SPDX-License-Identifier: MIT
"""Python's side of the TensorBoard events interop test (check_events.sh).

Reads the events files sf_events_interop wrote: the TFRecord framing with a CRC32C written here
from its definition, every record decoded by Python's protobuf with classes protoc generates
from tests/interop/proto (TF's event.proto / summary.proto / tensor.proto), and re-serialized by
protobuf to the same bytes; then each event is compared with what the run must hold, computed
here from the formulas in sf_events_interop.cpp: TF 1.x's histogram (bucket limits, bucket
counts, empty runs collapsed) from its published definition, the PNG images decoded by PIL
to the pixels written, and the WAV clips read by Python's wave module to the samples written.

  python3 py_events.py GEN_DIR LOGDIR            the train/ and eval/ runs
  python3 py_events.py GEN_DIR LOGDIR lenet5     the LeNet-5 run: its weights are not known here,
      so each histogram is checked for what TF's definition makes true of any values (counts
      summing to num, limits among TF's, non-empty buckets inside [min, max]) and for the
      layer's parameter count; the input images pixel by pixel
"""
import bisect
import glob
import io
import math
import os
import re
import socket
import struct
import sys
import time
import wave

gen_dir, logdir = sys.argv[1:3]
mode = sys.argv[3] if len(sys.argv) > 3 else "runs"
sys.path.insert(0, gen_dir)
import event_pb2  # noqa: E402  (generated at test time)
from PIL import Image  # noqa: E402

DBL_MAX = sys.float_info.max


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


def records(blob):
    pos = 0
    while pos < len(blob):
        assert len(blob) - pos >= 16, f"truncated record at byte {pos}"
        header = blob[pos:pos + 12]
        (length,) = struct.unpack("<Q", header[:8])
        assert struct.unpack("<I", header[8:12])[0] == masked(header[:8]), f"length CRC mismatch at byte {pos}"
        data = blob[pos + 12:pos + 12 + length]
        (dcrc,) = struct.unpack("<I", blob[pos + 12 + length:pos + 16 + length])
        assert dcrc == masked(data), f"data CRC mismatch at byte {pos}"
        yield data
        pos += 16 + length


def events_of(run):
    files = glob.glob(os.path.join(logdir, run, "events.out.tfevents.*"))
    assert len(files) == 1, f"{run}: expected one events file, found {files}"
    name = os.path.basename(files[0])
    m = re.fullmatch(r"events\.out\.tfevents\.(\d{10})\.(.+)", name)
    assert m, f"{run}: file name {name} is not events.out.tfevents.<10 digits>.<host>"
    assert m.group(2) == socket.gethostname(), f"{run}: host {m.group(2)} is not {socket.gethostname()}"
    assert abs(int(m.group(1)) - time.time()) < 3600, f"{run}: the file's time {m.group(1)} is not now"
    out = []
    with open(files[0], "rb") as f:
        for rec in records(f.read()):
            ev = event_pb2.Event()
            ev.ParseFromString(rec)
            assert ev.SerializeToString() == rec, f"{run}: protobuf serializes event {len(out)} differently"
            out.append(ev)
    first = out[0]
    assert first.WhichOneof("what") == "file_version" and first.file_version == "brain.Event:2", first
    assert abs(first.wall_time - time.time()) < 3600, first.wall_time
    for ev in out[1:]:
        assert ev.wall_time >= first.wall_time, "wall times go back"
    return out[1:]


def bucket_limits():
    """TF 1.x's default buckets (histogram.cc, InitDefaultBuckets)."""
    pos = []
    v = 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(DBL_MAX)
    return [-x for x in reversed(pos)] + [0.0] + pos


LIMITS = bucket_limits()


def expected_histogram(values):
    counts = [0.0] * len(LIMITS)
    for x in values:
        counts[min(bisect.bisect_right(LIMITS, x), len(LIMITS) - 1)] += 1
    limits_out, counts_out = [], []
    i = 0
    while i < len(counts):  # TF's EncodeToProto(preserve_zero_buckets = false)
        end, count = LIMITS[i], counts[i]
        i += 1
        if count <= 0:
            while i < len(counts) and counts[i] <= 0:
                end = LIMITS[i]
                i += 1
        limits_out.append(end)
        counts_out.append(count)
    return dict(min=min(values, default=DBL_MAX), max=max(values, default=-DBL_MAX), num=float(len(values)),
                sum=float(sum(values)), sum_squares=float(sum(x * x for x in values)),
                bucket_limit=limits_out, bucket=counts_out)


def check_histogram(tag, step, h, values):
    want = expected_histogram(values)
    for field, value in want.items():
        got = list(getattr(h, field)) if field.startswith("bucket") else getattr(h, field)
        assert got == value, f"{tag} at step {step}: {field} is {got}, expected {value}"


def check_histogram_shape(tag, step, h, count):
    """What TF's definition makes true of the histogram of any `count` finite values."""
    where = f"{tag} at step {step}"
    assert h.num == count and sum(h.bucket) == count, f"{where}: num {h.num}, buckets sum {sum(h.bucket)}, expected {count}"
    assert h.min <= h.max, f"{where}: min {h.min} > max {h.max}"
    assert abs(h.sum) <= count * max(abs(h.min), abs(h.max)) + 1e-9, f"{where}: sum {h.sum} out of range"
    assert h.sum_squares >= h.sum * h.sum / count - 1e-9 * max(1.0, h.sum_squares), f"{where}: sum_squares below sum^2/n"
    limits = list(h.bucket_limit)
    assert limits == sorted(limits) and len(set(limits)) == len(limits), f"{where}: limits not increasing"
    index = {v: i for i, v in enumerate(LIMITS)}
    for lim, cnt in zip(limits, h.bucket):
        assert lim in index, f"{where}: bucket limit {lim!r} is not one of TF's default limits"
        if cnt > 0:  # the bucket [LIMITS[i-1], LIMITS[i]) holds values in [min, max]
            i = index[lim]
            assert h.min < lim and (i == 0 or LIMITS[i - 1] <= h.max), f"{where}: bucket {lim} outside [min, max]"
    # The bucket of min and of max are not empty.
    for v in (h.min, h.max):
        lim = LIMITS[min(bisect.bisect_right(LIMITS, v), len(LIMITS) - 1)]
        got = dict(zip(limits, h.bucket)).get(lim, 0)
        assert got > 0, f"{where}: the bucket of {v} (limit {lim}) is empty"


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def digits_pixels(n):
    return [tuple((97 * n + 31 * y + 17 * x + 71 * c) % 256 for c in range(3)) for y in range(3) for x in range(4)]


def check_image(value, height, width, mode, pixels):
    im = value.image
    assert (im.height, im.width, im.colorspace) == (height, width, {"L": 1, "RGB": 3}[mode]), value
    png = Image.open(io.BytesIO(im.encoded_image_string))
    assert png.format == "PNG" and png.mode == mode and png.size == (width, height), (png.format, png.mode, png.size)
    got = list(png.getdata())
    assert got == pixels, f"{value.tag}: pixels {got}, expected {pixels}"


def s16(x):
    """TF's FloatToInt16Sample: roundf (half away from zero) of x * 32768, clamped."""
    v = x * 32768.0
    r = math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)
    return max(-32768, min(32767, int(r)))


def tone_samples(i):
    return [s16(f32(f32(((3 * i + 2 * f + c) % 9) / 4.0) - 1.0)) for f in range(5) for c in range(2)]


def check_audio(value, rate, channels, frames, samples):
    a = value.audio
    assert (a.sample_rate, a.num_channels, a.length_frames, a.content_type) == (rate, channels, frames, "audio/wav"), value
    with wave.open(io.BytesIO(a.encoded_audio_string), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (channels, 2, rate, frames)
        data = w.readframes(frames)
    got = list(struct.unpack(f"<{frames * channels}h", data))
    assert got == samples, f"{value.tag}: samples {got}, expected {samples}"


def expected_train():
    """(step, kind, tag, payload) in the order sf_events_interop writes them."""
    out = [(0, "log", "START", None), (0, "text", "notes", b"**hello** TensorBoard"), (0, "histo", "empty", [])]
    for step in range(20):
        out.append((step, "scalar", "loss", f32(1.0 / (step + 1))))
        out.append((step, "scalar", "lr", f32(0.1)))
        if step % 5 == 0:
            out.append((step, "histo", "weights", [(i - 50) * 0.25 * (step + 1) for i in range(100)]))
        if step == 10:
            out.append((step, "image", "digits", [("digits/image/0", 3, 4, "RGB", digits_pixels(0)),
                                                 ("digits/image/1", 3, 4, "RGB", digits_pixels(1))]))
            # trunc(x * 255.5): 0, 63.875, 127.75, 255.5
            out.append((step, "image", "gray", [("gray/image", 2, 2, "L", [0, 63, 127, 255])]))
            out.append((step, "audio", "tone", [("tone/audio/0", tone_samples(0)), ("tone/audio/1", tone_samples(1))]))
    out.append((19, "log", "CHECKPOINT", "model.ckpt-19"))
    return out


def check_run(run, events, expected):
    assert len(events) == len(expected), f"{run}: {len(events)} events, expected {len(expected)}"
    counts = {}
    for ev, (step, kind, tag, payload) in zip(events, expected):
        assert ev.step == step, f"{run}: step {ev.step}, expected {step} ({tag})"
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "log":
            assert ev.WhichOneof("what") == "session_log", ev
            assert event_pb2.SessionLog.SessionStatus.Name(ev.session_log.status) == tag, ev
            assert ev.session_log.checkpoint_path == (payload or ""), ev
            continue
        assert ev.WhichOneof("what") == "summary", ev
        values = ev.summary.value
        if kind == "audio":
            assert [v.tag for v in values] == [p[0] for p in payload], [v.tag for v in values]
            for v, (_, samples) in zip(values, payload):
                check_audio(v, 16000, 2, 5, samples)
            continue
        if kind == "image":
            assert [v.tag for v in values] == [p[0] for p in payload], [v.tag for v in values]
            for v, (_, h, w, mode, pixels) in zip(values, payload):
                check_image(v, h, w, mode, pixels)
            continue
        assert len(values) == 1 and values[0].tag == tag, values
        v = values[0]
        if kind == "scalar":
            assert v.WhichOneof("value") == "simple_value" and v.simple_value == payload, (tag, v.simple_value, payload)
        elif kind == "histo":
            assert v.WhichOneof("value") == "histo", v
            check_histogram(tag, step, v.histo, payload)
        elif kind == "text":
            assert v.metadata.plugin_data.plugin_name == "text", v
            t = v.tensor
            assert t.dtype == 7 and len(t.tensor_shape.dim) == 0 and t.HasField("tensor_shape"), t
            assert list(t.string_val) == [payload], t.string_val
    print(f"ok: {run}: {len(events)} events decoded by Python's protobuf, re-serialized to the same bytes "
          f"and equal to the run's values ({', '.join(f'{n} {k}' for k, n in sorted(counts.items()))})")


def check_lenet5():
    events = events_of("lenet5")
    tags = [(ev.step, ev.WhichOneof("what"), [v.tag for v in ev.summary.value]) for ev in events]
    want = [(0, "session_log", []), (0, "summary", ["inputs/image/0", "inputs/image/1", "inputs/image/2"])]
    for epoch in (1, 2, 3):
        want += [(4 * epoch, "summary", [t]) for t in ("accuracy", "conv1/filter", "fc1/weights", "fc3/biases")]
    want.append((12, "session_log", []))
    assert tags == want, f"lenet5: events {tags}, expected {want}"
    assert events[0].session_log.status == event_pb2.SessionLog.START
    last = events[-1].session_log
    assert last.status == event_pb2.SessionLog.CHECKPOINT, last
    assert os.path.exists(last.checkpoint_path + ".index"), f"lenet5: no checkpoint at {last.checkpoint_path}"
    for i, v in enumerate(events[1].summary.value):
        check_image(v, 28, 28, "L", [(37 * i + 11 * k) % 256 for k in range(28 * 28)])
    counts = {"conv1/filter": 5 * 5 * 1 * 6, "fc1/weights": 256 * 120, "fc3/biases": 10}
    histograms = {}
    for ev in events[2:-1]:
        v = ev.summary.value[0]
        if v.tag == "accuracy":
            assert 0 <= v.simple_value <= 1 and abs(v.simple_value * 64 - round(v.simple_value * 64)) < 1e-4, v
        else:
            check_histogram_shape(v.tag, ev.step, v.histo, counts[v.tag])
            histograms.setdefault(v.tag, []).append(v.histo.SerializeToString())
    # Training moved the weights: each layer's histogram differs between the first and last epoch.
    for tag, seq in histograms.items():
        assert seq[0] != seq[-1], f"lenet5: {tag} did not change between epochs"
    print(f"ok: lenet5: {len(events)} events of a LeNet-5 run decoded by Python's protobuf, re-serialized to the "
          f"same bytes; 9 histograms consistent with TF's buckets and the layers' sizes; 3 input images equal")


if mode == "lenet5":
    check_lenet5()
else:
    check_run("train", events_of("train"), expected_train())
    check_run("eval", events_of("eval"), [(10, "scalar", "accuracy", 0.5), (20, "scalar", "accuracy", 0.75)])
