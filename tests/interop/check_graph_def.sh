#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks staticflow's GraphDefs (sf::export_graph, sf::freeze) against independent readers:
# protoc (`protoc --decode=tensorflow.GraphDef` must print exactly staticflow's .pbtxt), Python's
# protobuf with classes protoc generates from tests/interop/proto (py_graph_def.py: the .pb
# re-serialises to the same bytes and equals the .pbtxt parsed by text_format; the seed's frozen
# v1 + v2; the frozen MLP's Consts equal the session's variables and a NumPy evaluation of the
# graph gives the session's outputs; the conv graph's attributes), and the MetaGraphDef the
# saver writes beside a checkpoint (PREFIX.meta) likewise, with TF's save/restore ops.
#
#   check_graph_def.sh --tool GRAPH_DEF_TOOL --work DIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tool="" work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) tool=$2; shift ;;
    --work) work=$2; shift ;;
    *) echo "check_graph_def.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$tool" ] && [ -n "$work" ] || { echo "check_graph_def.sh: need --tool and --work" >&2; exit 2; }
fail() { echo "check_graph_def.sh: FAILED: $*" >&2; exit 1; }

py=/usr/bin/python3
[ -x "$py" ] || py=python3
command -v protoc >/dev/null 2>&1 || fail "protoc is not installed (Debian protobuf-compiler; scripts/deps installs it)"
"$py" -c "import google.protobuf" 2>/dev/null || fail "$py has no google.protobuf (Debian python3-protobuf; scripts/deps installs it)"
"$py" -c "import numpy" 2>/dev/null || fail "$py has no numpy (Debian python3-numpy; scripts/deps installs it)"

rm -rf "$work" && mkdir -p "$work/gen" "$work/out"
protos="types.proto tensor_shape.proto versions.proto tensor.proto attr_value.proto graph.proto saver.proto meta_graph.proto"
(cd "$here/proto" && protoc -I . --python_out="$work/gen" $protos) || fail "protoc could not compile tests/interop/proto"
"$tool" "$work/out" || fail "graph_def_tool failed"

for stem in seed seed_vars mlp mlp_graph conv; do
  pb="$work/out/$stem.pb" txt="$work/out/$stem.pbtxt"
  (cd "$here/proto" && protoc -I . --decode=tensorflow.GraphDef graph.proto) <"$pb" >"$work/$stem.decoded" ||
    fail "protoc --decode=tensorflow.GraphDef cannot read $stem.pb"
  if ! diff -u "$txt" "$work/$stem.decoded" >"$work/diff.txt"; then
    head -n 40 "$work/diff.txt" >&2
    fail "protoc --decode prints $stem.pb otherwise than staticflow's $stem.pbtxt"
  fi
  echo "ok: protoc --decode=tensorflow.GraphDef prints $stem.pb exactly as $stem.pbtxt"
  "$py" "$here/py_graph_def.py" "$work/gen" pair "$pb" "$txt" || fail "Python's protobuf: $stem"
done
meta="$work/out/model.ckpt.meta"
(cd "$here/proto" && protoc -I . --decode=tensorflow.MetaGraphDef meta_graph.proto) <"$meta" >"$work/meta.decoded" ||
  fail "protoc --decode=tensorflow.MetaGraphDef cannot read model.ckpt.meta"
diff -u "$meta.pbtxt" "$work/meta.decoded" >&2 || fail "protoc --decode prints model.ckpt.meta otherwise than saver_meta_graph's text"
echo "ok: protoc --decode=tensorflow.MetaGraphDef prints the saver's model.ckpt.meta exactly as its text"
"$py" "$here/py_graph_def.py" "$work/gen" pair "$meta" "$meta.pbtxt" MetaGraphDef || fail "Python's protobuf: model.ckpt.meta"
"$py" "$here/py_graph_def.py" "$work/gen" meta "$work/out" || fail "the saver's model.ckpt.meta"
"$py" "$here/py_graph_def.py" "$work/gen" seed "$work/out" || fail "the seed's frozen graph"
"$py" "$here/py_graph_def.py" "$work/gen" mlp "$work/out" || fail "the frozen MLP"
"$py" "$here/py_graph_def.py" "$work/gen" conv "$work/out" || fail "the conv graph"
echo "check_graph_def.sh: all passed"
