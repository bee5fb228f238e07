#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks staticflow's ONNX export and import against ONNX's own Python package and PyTorch
# (Debian python3-onnx 1.12, python3-torch, python3-numpy):
#   1. `onnx_tool export` writes an MLP, examples/mnist_lenet5's network and a conv graph with
#      sf::onnx; py_onnx.py runs onnx.checker.check_model(full_check=True) and strict shape
#      inference on each and evaluates its nodes with NumPy on the inputs the tool wrote: the
#      outputs must equal the session's within 1e-5;
#   2. torch_lenet5.py trains a LeNet-5 of the same architecture in PyTorch (300 steps) and
#      exports it with torch.onnx.export; py_onnx.py checks the NumPy evaluator against PyTorch
#      on that file; `onnx_tool lenet5-logits` loads it into the network type with
#      sf::onnx::load_weights and computes the test set's logits; torch_lenet5.py compares: all
#      10,000 argmax equal, logits within 1e-4; with --lenet5, examples/mnist_lenet5 itself
#      (--onnx-weights) loads the file and prints PyTorch's test accuracy.
#
#   check_onnx.sh --tool ONNX_TOOL --work DIR --mnist-dir DIR [--lenet5 MNIST_LENET5]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tool="" work="" mnist="" lenet5=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) tool=$2; shift ;;
    --work) work=$2; shift ;;
    --mnist-dir) mnist=$2; shift ;;
    --lenet5) lenet5=$2; shift ;;
    *) echo "check_onnx.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$tool" ] && [ -n "$work" ] && [ -n "$mnist" ] || { echo "check_onnx.sh: need --tool, --work and --mnist-dir" >&2; exit 2; }
fail() { echo "check_onnx.sh: FAILED: $*" >&2; exit 1; }

py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" -c "import onnx" 2>/dev/null || fail "$py has no onnx (Debian python3-onnx; scripts/deps installs it)"
"$py" -c "import numpy" 2>/dev/null || fail "$py has no numpy (Debian python3-numpy; scripts/deps installs it)"
"$py" -c "import torch" 2>/dev/null || fail "$py has no torch (Debian python3-torch; scripts/deps installs it)"
[ -f "$mnist/t10k-images-idx3-ubyte" ] || fail "no MNIST in $mnist (scripts/fetch-mnist fetches it)"

rm -rf "$work" && mkdir -p "$work"
"$tool" export "$work" || fail "onnx_tool export"
"$py" "$here/py_onnx.py" check "$work" mlp lenet5 conv || fail "the exported models"
"$py" "$here/torch_lenet5.py" train "$mnist" "$work" >"$work/torch.txt" || { cat "$work/torch.txt"; fail "PyTorch's LeNet-5"; }
cat "$work/torch.txt"
"$py" "$here/py_onnx.py" torch-eval "$work/lenet5_torch.onnx" "$mnist" "$work/torch_logits.npy" ||
  fail "the NumPy evaluator on PyTorch's export"
"$tool" lenet5-logits "$work/lenet5_torch.onnx" "$mnist" "$work/sf_logits.bin" || fail "onnx_tool lenet5-logits"
"$py" "$here/torch_lenet5.py" compare "$work/torch_logits.npy" "$work/sf_logits.bin" "$mnist" ||
  fail "staticflow's predictions with PyTorch's weights"
if [ -n "$lenet5" ]; then
  "$lenet5" --onnx-weights "$work/lenet5_torch.onnx" --data-dir "$mnist" >"$work/lenet5.txt" 2>&1 ||
    { cat "$work/lenet5.txt" >&2; fail "mnist_lenet5 --onnx-weights"; }
  torch_accuracy=$(sed -n 's/^test accuracy \([0-9.]*\)$/\1/p' "$work/torch.txt")
  sf_accuracy=$(sed -n 's/^test accuracy \([0-9.]*\) with the weights of .*/\1/p' "$work/lenet5.txt")
  [ -n "$torch_accuracy" ] && [ "$torch_accuracy" = "$sf_accuracy" ] ||
    fail "mnist_lenet5 --onnx-weights: test accuracy '$sf_accuracy', PyTorch's '$torch_accuracy'"
  echo "ok: examples/mnist_lenet5 --onnx-weights lenet5_torch.onnx: test accuracy $sf_accuracy, as PyTorch's"
fi
echo "check_onnx.sh: all passed"
