# SPDX-License-Identifier: MIT
"""Checks the DOM Chromium dumped of a staticflow-board page against the events themselves, read
with Python's protobuf (classes protoc generated from tests/interop/proto):

- the page's script ran to the end (<body data-rendered="ok">);
- every scalar tag of every run has its chart (<svg class="chart scalar-chart" data-tag=TAG>)
  holding, for that run, a raw and a smoothed path with one point per finite value ("M"/"L"
  commands, and data-points), and the page's smoothed values are TensorBoard's formula applied
  here to the values in the files;
- every histogram tag of every run has a chart with one curve per step drawn;
- the input images are on the page as data: URIs;
- the trainer's layer table (text 'layers') is a rendered table.

    board_dom.py GEN LOGDIR DOM SMOOTHING [--truncated RUN]

--truncated RUN: RUN's events file lost its last record (the page must show all the others).
"""
import glob
import html.parser
import json
import math
import os
import re
import struct
import sys

gen, logdir, dom_path, weight = sys.argv[1:5]
weight = float(weight)
truncated = sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--truncated" else None
sys.path.insert(0, gen)
import event_pb2  # noqa: E402


def fail(msg):
    print("board_dom.py: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        if pos + 16 + length > len(data):
            break
        yield data[pos + 12:pos + 12 + length]
        pos += 16 + length


def tb_smooth(values, w):
    """TensorBoard's resmoothDataset, written again here from its source."""
    out, last, n = [], 0.0, 0
    constant = all(v == values[0] for v in values)
    for v in values:
        if constant or not math.isfinite(v):
            out.append(v)
            continue
        last = last * w + (1 - w) * v
        n += 1
        out.append(last / (1 - w ** n) if w != 1 else last)
    return out


# What the files hold: run -> tag -> [(step, value)], and histogram tags per run.
scalars, histos, texts, images = {}, {}, {}, set()
for path in sorted(glob.glob(os.path.join(logdir, "**", "*tfevents*"), recursive=True)):
    run = os.path.relpath(os.path.dirname(path), logdir)
    recs = list(records(path))
    if run == truncated:
        recs = recs[:-1]
    for rec in recs:
        e = event_pb2.Event()
        e.ParseFromString(rec)
        if e.WhichOneof("what") != "summary":
            continue
        for v in e.summary.value:
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                scalars.setdefault(run, {}).setdefault(v.tag, []).append((e.step, v.simple_value))
            elif kind == "histo":
                histos.setdefault(run, set()).add(v.tag)
            elif kind == "image":
                images.add((run, v.tag))
            elif kind == "tensor" and v.metadata.plugin_data.plugin_name == "text":
                texts.setdefault(run, {})[v.tag] = v.tensor.string_val[0].decode()
if len(scalars) < 4:
    fail(f"expected 4 runs with scalars in {logdir}, found {sorted(scalars)}")


class Dom(html.parser.HTMLParser):
    """Collects the charts: svg data-tag -> paths (attributes), the body's attributes, tables, the data."""

    def __init__(self):
        super().__init__()
        self.body, self.charts, self.tables, self.data, self.images = {}, [], 0, "", 0
        self.in_data = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "svg" and "chart" in a.get("class", ""):
            self.charts.append({"class": a["class"], "tag": a.get("data-tag"), "run": a.get("data-run"), "paths": []})
        elif tag == "path" and self.charts:
            self.charts[-1]["paths"].append(a)
        elif tag == "img" and a.get("src", "").startswith("data:image/png;base64,"):
            self.images += 1
        elif tag == "table" and a.get("class") == "md":
            self.tables += 1
        elif tag == "script" and a.get("id") == "board-data":
            self.in_data = True

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_data = False

    def handle_data(self, data):
        if self.in_data:
            self.data += data


with open(dom_path, encoding="utf-8") as f:
    dom = Dom()
    dom.feed(f.read())
if dom.body.get("data-rendered") != "ok":
    fail(f"the page's script did not finish: data-rendered={dom.body.get('data-rendered')!r}")
page = json.loads(dom.data)
runs = [r["name"] for r in page["runs"]]

checked = 0
for run, tags in sorted(scalars.items()):
    for tag, points in sorted(tags.items()):
        charts = [c for c in dom.charts if "scalar-chart" in c["class"] and c["tag"] == tag]
        if len(charts) != 1:
            fail(f"{len(charts)} charts for the scalar {tag!r}, not 1")
        n = sum(1 for _, v in points if math.isfinite(v))
        for cls in ("raw", "smoothed"):
            paths = [p for p in charts[0]["paths"] if p.get("data-run") == run and cls in p.get("class", "").split()]
            if len(paths) != 1:
                fail(f"scalar {tag!r}, run {run}: {len(paths)} {cls} paths, not 1")
            d = paths[0].get("d", "")
            drawn = len(re.findall(r"[ML]", d))
            if drawn != n or paths[0].get("data-points") != str(n):
                fail(f"scalar {tag!r}, run {run}: the {cls} path has {drawn} points "
                     f"(data-points {paths[0].get('data-points')}), the events {n}")
        # The page's smoothing against TensorBoard's formula on the file's values.
        chart = next(c for c in page["scalars"] if c["tag"] == tag)
        series = next(s for s in chart["series"] if runs[s["run"]] == run)
        if series["steps"] != [s for s, _ in points]:
            fail(f"scalar {tag!r}, run {run}: steps {series['steps']} on the page, {[s for s, _ in points]} in the file")
        want = tb_smooth([v for _, v in points], weight)
        for got, expected in zip(series["smoothed"], want):
            if abs(got - expected) > 1e-5 * max(1.0, abs(expected)):
                fail(f"scalar {tag!r}, run {run}: smoothed {series['smoothed']} on the page, TensorBoard's {want}")
        checked += 1

for run, tags in sorted(histos.items()):
    for tag in sorted(tags):
        charts = [c for c in dom.charts if "histogram-chart" in c["class"] and c["tag"] == tag and c["run"] == run]
        if len(charts) != 1 or not charts[0]["paths"]:
            fail(f"histogram {tag!r} of run {run}: {len(charts)} charts, {sum(len(c['paths']) for c in charts)} curves")
        checked += 1

if not images:
    fail("no run logged input images (LeNet-5's input/image/<i>)")
if dom.images < len(images):
    fail(f"{dom.images} images on the page as data: URIs, fewer than the {len(images)} image tags logged")
if not any("layers" in t for t in texts.values()):
    fail("no run logged the layer table (text 'layers')")
if dom.tables < 1:
    fail("the layer table is not rendered as a table")
print(f"board_dom.py: {dom_path}: {checked} charts of {len(runs)} runs drawn as the events say")
