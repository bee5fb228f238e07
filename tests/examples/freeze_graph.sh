#!/bin/sh
# SPDX-License-Identifier: MIT
# freeze_graph end to end, its model file read by independent code (Python's protobuf with
# classes protoc generates from tests/interop/proto, NumPy for the arithmetic):
#   - trained here: the frozen mlp.pb, evaluated with NumPy on the MNIST test set, has the test
#     accuracy freeze_graph's session printed, and so has its ONNX export (--onnx mlp.onnx: ONNX's
#     checker, strict shape inference and NumPy, tests/interop/py_onnx.py); the .pbtxt of the same
#     weights (--steps 0) parses to the same message as the .pb (py_graph_def.py pair);
#   - restored: from mnist_mlp's checkpoint, the frozen weights equal the checkpoint's moving
#     averages to the bit (inspect_checkpoint reads them) and the accuracy matches again.
#
#   freeze_graph.sh BIN_DIR MNIST_DIR WORK_DIR
set -eu
bin=$1 mnist=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
interop="$here/../interop"
rm -rf "$work" && mkdir -p "$work/gen"
fail() { echo "freeze_graph.sh: FAILED: $*" >&2; exit 1; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
command -v protoc >/dev/null 2>&1 || fail "protoc is not installed (Debian protobuf-compiler; scripts/deps installs it)"
"$py" -c "import google.protobuf, numpy" 2>/dev/null ||
  fail "$py lacks google.protobuf or numpy (Debian python3-protobuf, python3-numpy; scripts/deps installs them)"
(cd "$interop/proto" && protoc -I . --python_out="$work/gen" types.proto tensor_shape.proto versions.proto \
  tensor.proto attr_value.proto graph.proto saver.proto meta_graph.proto) || fail "protoc could not compile tests/interop/proto"

# same_accuracy LOG PB: the session's printed test accuracy equals NumPy's on the frozen graph.
same_accuracy() {
  printed=$(sed -n 's/^test accuracy \([0-9.]*\)$/\1/p' "$1")
  node=$(sed -n 's/.*, output \([^ ]*\)$/\1/p' "$1")
  [ -n "$printed" ] && [ -n "$node" ] || fail "freeze_graph printed no accuracy or output node (see $1)"
  numpy=$("$py" "$interop/py_graph_def.py" "$work/gen" mnist "$2" "$mnist" "$node") || fail "NumPy could not evaluate $2"
  [ "$printed" = "$numpy" ] || fail "$2: the session's test accuracy $printed, NumPy's on the frozen graph $numpy"
  echo "ok: $(basename "$2") evaluated by NumPy: test accuracy $numpy, as the session's"
}

"$bin/freeze_graph" --steps 300 --data-dir "$mnist" --out "$work/mlp.pb" --onnx "$work/mlp.onnx" >"$work/trained.txt" 2>&1 ||
  { cat "$work/trained.txt" >&2; fail "freeze_graph (training) failed"; }
same_accuracy "$work/trained.txt" "$work/mlp.pb"
"$py" -c "import onnx" 2>/dev/null || fail "$py has no onnx (Debian python3-onnx; scripts/deps installs it)"
printed=$(sed -n 's/^test accuracy \([0-9.]*\)$/\1/p' "$work/trained.txt")
onnx_accuracy=$("$py" "$interop/py_onnx.py" mnist "$work/mlp.onnx" "$mnist" probabilities) ||
  fail "ONNX's checker or NumPy could not take mlp.onnx"
[ "$printed" = "$onnx_accuracy" ] || fail "mlp.onnx: the session's test accuracy $printed, NumPy's on the ONNX model $onnx_accuracy"
echo "ok: mlp.onnx passes ONNX's checker and strict shape inference; NumPy: test accuracy $onnx_accuracy, as the session's"

"$bin/freeze_graph" --steps 0 --data-dir "$mnist" --out "$work/initial.pb" >/dev/null || fail "freeze_graph --steps 0"
"$bin/freeze_graph" --steps 0 --data-dir "$mnist" --out "$work/initial.pbtxt" >/dev/null || fail "freeze_graph --steps 0 (text)"
"$py" "$interop/py_graph_def.py" "$work/gen" pair "$work/initial.pb" "$work/initial.pbtxt" || fail "the .pbtxt"

"$bin/mnist_mlp" --steps 100 --data-dir "$mnist" --checkpoint-dir "$work/ckpt" >"$work/mnist_mlp.txt" 2>&1 ||
  { cat "$work/mnist_mlp.txt" >&2; fail "mnist_mlp failed"; }
"$bin/freeze_graph" --checkpoint-dir "$work/ckpt" --data-dir "$mnist" --out "$work/restored.pb" >"$work/restored.txt" 2>&1 ||
  { cat "$work/restored.txt" >&2; fail "freeze_graph (restoring) failed"; }
grep -q "^restored the moving averages of" "$work/restored.txt" || fail "freeze_graph did not say it restored"
: >"$work/averages.txt"
for v in layer1/weights layer1/biases layer2/weights layer2/biases; do
  "$bin/inspect_checkpoint" "$work/ckpt" --tensor "$v/ExponentialMovingAverage" >>"$work/averages.txt" ||
    fail "inspect_checkpoint cannot read $v/ExponentialMovingAverage"
done
"$py" "$interop/py_graph_def.py" "$work/gen" checkpoint "$work/restored.pb" "$work/averages.txt" /ExponentialMovingAverage ||
  fail "the restored weights"
same_accuracy "$work/restored.txt" "$work/restored.pb"
echo "freeze_graph.sh: all passed"
