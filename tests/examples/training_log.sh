#!/bin/sh
# SPDX-License-Identifier: MIT
# example_training_log: mnist_mlp and mnist_lenet5 with --logdir write TensorBoard events that
# Python's protobuf reads (classes protoc generates from tests/interop/proto): per report step
# loss, accuracy, learning_rate and samples_per_sec, weight and gradient histograms, the graph
# once, and eval/ accuracies (tests/interop/py_training_log.py says what is checked).
#
#   training_log.sh EXAMPLES_DIR MNIST_DIR WORK
set -eu
bin=$1 data=$2 work=$3
here=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "training_log.sh: FAILED: $*" >&2; exit 1; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
command -v protoc >/dev/null 2>&1 || fail "protoc is not installed (Debian protobuf-compiler)"
"$py" -c "import google.protobuf" 2>/dev/null || fail "$py has no google.protobuf (Debian python3-protobuf)"

rm -rf "$work" && mkdir -p "$work/gen"
p="$here/interop/proto"
protoc -I "$p" --python_out="$work/gen" "$p/types.proto" "$p/tensor_shape.proto" "$p/tensor.proto" \
  "$p/summary.proto" "$p/event.proto" "$p/attr_value.proto" "$p/versions.proto" "$p/graph.proto"

"$bin/mnist_mlp" --steps 300 --log-every 50 --data-dir "$data" --logdir "$work/mlp" >/dev/null || fail "mnist_mlp --logdir"
"$py" "$here/interop/py_training_log.py" "$work/gen" "$work/mlp" 300 50 x-input validation_accuracy,test_accuracy
"$bin/mnist_lenet5" --steps 120 --log-every 40 --data-dir "$data" --logdir "$work/lenet5" >/dev/null 2>&1 ||
  fail "mnist_lenet5 --logdir"
"$py" "$here/interop/py_training_log.py" "$work/gen" "$work/lenet5" 120 40 classifier/x accuracy
echo "training_log.sh: both trainers' logdirs check out"
