#!/bin/sh
# SPDX-License-Identifier: MIT
# example_board: staticflow-board's page in a real browser. mnist_mlp and mnist_lenet5 train a
# few steps with --logdir into one log directory (4 runs: mlp/train, mlp/eval, lenet5/train,
# lenet5/eval); staticflow-board writes the page; headless Chromium loads it from a file:// URL,
# runs its script and dumps the DOM, which tests/examples/board_dom.py checks against the
# events as Python's protobuf reads them (every scalar tag of every run drawn with all its points,
# the smoothing TensorBoard's formula gives, a histogram chart per tag and run, the layer
# table); then a screenshot. Last, a copy of the logs with a truncated events file: the
# program names the file and byte offset on stderr, lists it on the page and draws the rest.
# Exits 77 (skipped) without Chromium (Debian chromium; scripts/deps installs it).
#
#   board.sh EXAMPLES_DIR BOARD MNIST_DIR WORK
set -eu
bin=$1 board=$2 data=$3 work=$4
here=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "board.sh: FAILED: $*" >&2; exit 1; }
browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
[ -n "$browser" ] || { echo "board.sh: no chromium found (Debian chromium): skipped"; exit 77; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
command -v protoc >/dev/null 2>&1 || fail "protoc is not installed (Debian protobuf-compiler)"

rm -rf "$work" && mkdir -p "$work/gen"
p="$here/interop/proto"
protoc -I "$p" --python_out="$work/gen" "$p/types.proto" "$p/tensor_shape.proto" "$p/tensor.proto" \
  "$p/summary.proto" "$p/event.proto"

"$bin/mnist_mlp" --steps 200 --log-every 20 --data-dir "$data" --logdir "$work/runs/mlp" >/dev/null 2>&1 ||
  fail "mnist_mlp --logdir"
"$bin/mnist_lenet5" --steps 100 --log-every 10 --data-dir "$data" --logdir "$work/runs/lenet5" >/dev/null 2>&1 ||
  fail "mnist_lenet5 --logdir"
"$board" "$work/runs" -o "$work/board.html" || fail "staticflow-board"

# Chromium: its own profile folder, no sandbox (tests may run as root), no GPU, /tmp instead of a
# small /dev/shm (containers); the DOM after the page's script ran (--dump-dom waits for the load
# event; the script runs before it).
chrome() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars \
    --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"
}
chrome --dump-dom "file://$work/board.html" >"$work/dom.html" || fail "chromium --dump-dom (see $work/chromium.log)"
"$py" "$here/examples/board_dom.py" "$work/gen" "$work/runs" "$work/dom.html" 0.6
chrome --window-size=1280,1600 --screenshot="$work/board.png" "file://$work/board.html" >/dev/null ||
  fail "chromium --screenshot"
[ "$(head -c 4 "$work/board.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "the screenshot is not a PNG"

# A truncated events file: reported (file, offset), listed on the page, the rest still drawn.
cp -r "$work/runs" "$work/cut"
victim=$(ls "$work"/cut/lenet5/train/events.out.tfevents.*)
size=$(wc -c <"$victim")
head -c $((size - 7)) "$victim" >"$work/cut.tmp" && mv "$work/cut.tmp" "$victim"
"$board" "$work/cut" -o "$work/cut.html" 2>"$work/cut.err" >/dev/null || fail "staticflow-board on a truncated file exited $?"
grep -q "$victim': record at byte [0-9]*: truncated record" "$work/cut.err" ||
  fail "stderr does not name the truncated file and offset: $(cat "$work/cut.err")"
chrome --dump-dom "file://$work/cut.html" >"$work/cut_dom.html" || fail "chromium --dump-dom (truncated logs)"
grep -q 'Problems reading the logs' "$work/cut_dom.html" || fail "the page does not list the truncated file"
"$py" "$here/examples/board_dom.py" "$work/gen" "$work/runs" "$work/cut_dom.html" 0.6 --truncated lenet5/train
echo "board.sh: the page renders every chart in $browser; screenshot $work/board.png"
