#!/bin/sh
# SPDX-License-Identifier: MIT
# interop_tensorboard_events: staticflow's TensorBoard events files (sf_events_interop writes a
# small run into WORK/logs, then a short LeNet-5 training run on synthetic images) decoded by Python's protobuf with classes protoc generates from
# tests/interop/proto (TF's event.proto, summary.proto, tensor.proto) and the images by PIL
# (py_events.py says what is checked).
#
#   check_events.sh --tool SF_EVENTS_INTEROP --work DIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tool="" work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) tool=$2; shift ;;
    --work) work=$2; shift ;;
    *) echo "check_events.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$tool" ] && [ -n "$work" ] || { echo "check_events.sh: need --tool and --work" >&2; exit 2; }
fail() { echo "check_events.sh: FAILED: $*" >&2; exit 1; }

py=/usr/bin/python3
[ -x "$py" ] || py=python3
command -v protoc >/dev/null 2>&1 || fail "protoc is not installed (Debian protobuf-compiler; scripts/deps installs it)"
"$py" -c "import google.protobuf" 2>/dev/null || fail "$py has no google.protobuf (Debian python3-protobuf; scripts/deps installs it)"
"$py" -c "import PIL" 2>/dev/null || fail "$py has no PIL (Debian python3-pil; scripts/deps installs it)"

rm -rf "$work/gen" "$work/logs" && mkdir -p "$work/gen"
protoc -I "$here/proto" --python_out="$work/gen" "$here/proto/types.proto" "$here/proto/tensor_shape.proto" \
  "$here/proto/tensor.proto" "$here/proto/summary.proto" "$here/proto/event.proto"
"$tool" "$work/logs" || fail "sf_events_interop could not write its events files"
"$py" "$here/py_events.py" "$work/gen" "$work/logs" || fail "Python rejects staticflow's events files (above)"
"$tool" "$work/logs" lenet5 || fail "sf_events_interop could not train LeNet-5 and write its events file"
"$py" "$here/py_events.py" "$work/gen" "$work/logs" lenet5 || fail "Python rejects the LeNet-5 run's events file (above)"
