#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks staticflow's TFRecord/Example files against independent implementations:
#   npm     the npm registry's `tfrecord` package (its reader checks both CRCs), installed into
#           WORK/npm on first use: staticflow writes, npm reads; npm writes, staticflow reads.
#   python  Python's protobuf (Debian python3-protobuf) with classes protoc generates from
#           tests/interop/proto, and a CRC32C written from its definition: both directions, for
#           each compression; and staticflow's file must equal Python's byte for byte.
#
#           Also: tfrecord_tool's JSON dump parsed by json_format, and mnist_to_tfrecord's
#           Examples compared with the IDX files.
#
#   checkpoint  staticflow's V2 checkpoints (tensor bundles) against LevelDB's own table reader
#           and writer (Debian libleveldb-dev, through leveldb_table) and Python's protobuf
#           (py_checkpoint.py): LevelDB reads staticflow's .index and, given the same entries,
#           writes the same bytes; Python decodes every entry and tensor and writes a checkpoint
#           as TensorFlow would, which inspect_checkpoint and sf::train::saver read back; the
#           `checkpoint` state file parses as CheckpointState.
#
#   check_interop.sh --part npm|python --tool SF_IO_INTEROP --work DIR
#                    [--tfrecord-tool T --mnist-to-tfrecord M --mnist-dir DIR]   (python)
#   check_interop.sh --part checkpoint --tool SF_IO_INTEROP --leveldb-table LEVELDB_TABLE
#                    --inspect INSPECT_CHECKPOINT --work DIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
part="" tool="" work="" tfrecord_tool="" mnist_to_tfrecord="" mnist_dir="" leveldb_table="" inspect=""
while [ $# -gt 0 ]; do
  case "$1" in
    --part) part=$2; shift ;;
    --tool) tool=$2; shift ;;
    --work) work=$2; shift ;;
    --tfrecord-tool) tfrecord_tool=$2; shift ;;
    --mnist-to-tfrecord) mnist_to_tfrecord=$2; shift ;;
    --mnist-dir) mnist_dir=$2; shift ;;
    --leveldb-table) leveldb_table=$2; shift ;;
    --inspect) inspect=$2; shift ;;
    *) echo "check_interop.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$part" ] && [ -x "$tool" ] && [ -n "$work" ] || { echo "check_interop.sh: need --part, --tool and --work" >&2; exit 2; }
case "$part" in
  npm|python|checkpoint) ;;
  *) echo "check_interop.sh: unknown part '$part' (npm, python or checkpoint)" >&2; exit 2 ;;
esac
mkdir -p "$work"

fail() { echo "check_interop.sh ($part): FAILED: $*" >&2; exit 1; }

# same_dump WHAT A B: the two canonical dumps must be equal (the diff is shown otherwise).
same_dump() {
  if ! diff -u "$2" "$3" >"$work/diff.txt"; then
    cat "$work/diff.txt" >&2
    fail "$1"
  fi
  echo "ok: $1 ($(wc -l <"$2") records)"
}

if [ "$part" = npm ]; then
  command -v node >/dev/null 2>&1 || fail "node is not installed (scripts/deps installs nodejs and npm)"
  mod="$work/npm/node_modules/tfrecord"
  if [ ! -f "$mod/package.json" ]; then
    command -v npm >/dev/null 2>&1 || fail "npm is not installed (scripts/deps installs it)"
    echo "installing the npm package tfrecord@0.2.0 into $work/npm"
    # Bounded: an unreachable registry fails here with npm's message instead of hanging the test.
    if ! timeout 180 npm install --prefix "$work/npm" --no-audit --no-fund --fetch-retries=1 \
         --fetch-timeout=60000 tfrecord@0.2.0 >"$work/npm-install.log" 2>&1; then
      tail -n 20 "$work/npm-install.log" >&2
      fail "could not install the npm package tfrecord@0.2.0 (is the npm registry reachable?); log: $work/npm-install.log"
    fi
  fi
  "$tool" write "$work/sf.tfrecord"
  "$tool" dump "$work/sf.tfrecord" >"$work/sf_by_sf.txt"
  node "$here/npm_tfrecord.js" "$mod" dump "$work/sf.tfrecord" >"$work/sf_by_npm.txt" || fail "npm could not read staticflow's file"
  same_dump "staticflow writes, npm tfrecord reads" "$work/sf_by_sf.txt" "$work/sf_by_npm.txt"
  node "$here/npm_tfrecord.js" "$mod" write "$work/npm.tfrecord" || fail "npm could not write its file"
  node "$here/npm_tfrecord.js" "$mod" dump "$work/npm.tfrecord" >"$work/npm_by_npm.txt"
  "$tool" dump "$work/npm.tfrecord" >"$work/npm_by_sf.txt" || fail "staticflow could not read npm's file"
  same_dump "npm tfrecord writes, staticflow reads" "$work/npm_by_npm.txt" "$work/npm_by_sf.txt"
  same_dump "both wrote the same sample" "$work/sf_by_sf.txt" "$work/npm_by_sf.txt"
fi

if [ "$part" = python ] || [ "$part" = checkpoint ]; then
  py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  command -v protoc >/dev/null 2>&1 || fail "protoc is not installed (Debian protobuf-compiler; scripts/deps installs it)"
  "$py" -c "import google.protobuf" 2>/dev/null || fail "$py has no google.protobuf (Debian python3-protobuf; scripts/deps installs it)"
fi

if [ "$part" = checkpoint ]; then
  # CMake names a tool that does not exist when it found no LevelDB: fail, never skip.
  [ -x "$leveldb_table" ] || fail "LevelDB's table tool leveldb_table was not built ('$leveldb_table'): CMake found no LevelDB; install the Debian package libleveldb-dev (scripts/deps installs it) and re-run cmake"
  [ -x "$inspect" ] || fail "need --inspect INSPECT_CHECKPOINT (the example program inspect_checkpoint)"
  rm -rf "$work/gen" "$work/sf" "$work/py" && mkdir -p "$work/gen"
  protoc -I "$here/proto" --python_out="$work/gen" "$here/proto/types.proto" "$here/proto/tensor_shape.proto" \
    "$here/proto/versions.proto" "$here/proto/tensor_slice.proto" "$here/proto/tensor_bundle.proto" \
    "$here/proto/checkpoint_state.proto"
  pyck() { "$py" "$here/py_checkpoint.py" "$work/gen" "$@"; }

  # a. staticflow writes; LevelDB reads the index (checking every block's CRC); Python decodes
  #    the entries and the data file and prints what inspect_checkpoint prints.
  sfp=$("$tool" ckpt-write "$work/sf/model.ckpt") || fail "sf_io_interop could not write its checkpoint"
  [ "$sfp" = "$work/sf/model.ckpt-1234" ] || fail "the saver wrote '$sfp', expected '$work/sf/model.ckpt-1234'"
  "$leveldb_table" dump "$sfp.index" >"$work/sf.index.txt" || fail "LevelDB cannot read staticflow's index $sfp.index"
  echo "ok: LevelDB reads staticflow's index ($(wc -l <"$work/sf.index.txt") entries, block CRCs checked)"
  "$inspect" "$sfp" --all-tensors >"$work/sf_by_inspect.txt" || fail "inspect_checkpoint cannot read staticflow's checkpoint"
  pyck dump "$sfp" "$work/sf.index.txt" >"$work/sf_by_py.txt" || fail "Python protobuf rejects staticflow's checkpoint"
  same_dump "staticflow writes a checkpoint, Python protobuf decodes every entry and tensor" \
    "$work/sf_by_inspect.txt" "$work/sf_by_py.txt"

  # b. LevelDB's TableBuilder, given the entries LevelDB read, writes staticflow's index byte for
  #    byte. A checkpoint's index fits one data block, so a table of several blocks (whose index
  #    keys are shortened separators) is compared too.
  "$leveldb_table" write "$work/leveldb.index" <"$work/sf.index.txt" || fail "LevelDB could not write the index's entries"
  cmp "$sfp.index" "$work/leveldb.index" || fail "staticflow's index $sfp.index differs from LevelDB's TableBuilder output $work/leveldb.index for the same entries"
  echo "ok: staticflow's index equals LevelDB's TableBuilder output byte for byte"
  "$tool" table-write "$work/sf.table" || fail "sf_io_interop could not write its table"
  "$leveldb_table" dump "$work/sf.table" >"$work/sf.table.txt" || fail "LevelDB cannot read staticflow's table $work/sf.table"
  "$leveldb_table" write "$work/leveldb.table" <"$work/sf.table.txt" || fail "LevelDB could not write the table's entries"
  cmp "$work/sf.table" "$work/leveldb.table" || fail "staticflow's table $work/sf.table differs from LevelDB's TableBuilder output $work/leveldb.table for the same entries"
  echo "ok: a table of several blocks ($(wc -l <"$work/sf.table.txt") entries, $(wc -c <"$work/sf.table") bytes) equals LevelDB's byte for byte"

  # c. Python writes a checkpoint as TensorFlow would (its own values, LevelDB's table):
  #    inspect_checkpoint reads it, and sf::train::saver restores it into the model's variables.
  pyp="$work/py/model.ckpt"
  pyck write "$pyp" "$leveldb_table" || fail "Python could not write its checkpoint"
  "$leveldb_table" dump "$pyp.index" >"$work/py.index.txt" || fail "LevelDB cannot read Python's index"
  pyck dump "$pyp" "$work/py.index.txt" >"$work/py_by_py.txt" || fail "Python could not read its own checkpoint"
  "$inspect" "$pyp" --all-tensors >"$work/py_by_inspect.txt" || fail "inspect_checkpoint cannot read Python's checkpoint"
  same_dump "Python writes a checkpoint, inspect_checkpoint reads it" "$work/py_by_py.txt" "$work/py_by_inspect.txt"
  "$tool" ckpt-restore "$pyp" >"$work/py_by_restore.txt" || fail "sf::train::saver cannot restore Python's checkpoint"
  same_dump "Python writes a checkpoint, sf::train::saver restores it into the model's variables" \
    "$work/py_by_py.txt" "$work/py_by_restore.txt"
  if cmp -s "$work/sf_by_py.txt" "$work/py_by_py.txt"; then
    fail "staticflow's and Python's checkpoints hold the same values: the restore check proves nothing"
  fi
  "$tool" ckpt-restore "$sfp" >"$work/sf_by_restore.txt" || fail "sf::train::saver cannot restore its own checkpoint"
  same_dump "staticflow restores its own checkpoint" "$work/sf_by_inspect.txt" "$work/sf_by_restore.txt"

  # d. The state file is a CheckpointState in text format, with the path relative to its
  #    directory (TF's save_relative_paths) and one timestamp per kept checkpoint.
  pyck state "$work/sf/checkpoint" >"$work/state.txt" || fail "Python protobuf cannot parse staticflow's state file $work/sf/checkpoint"
  got=$(sed -n 's/^model_checkpoint_path //p' "$work/state.txt")
  [ "$got" = "model.ckpt-1234" ] || fail "the state file's model_checkpoint_path is '$got', expected 'model.ckpt-1234'"
  paths=$(grep -c '^all_model_checkpoint_paths ' "$work/state.txt" || true)
  stamps=$(grep -c '^all_model_checkpoint_timestamps ' "$work/state.txt" || true)
  [ "$paths" -ge 1 ] && [ "$paths" = "$stamps" ] || fail "the state file lists $paths checkpoints and $stamps timestamps"
  grep -qx 'all_model_checkpoint_paths model.ckpt-1234' "$work/state.txt" || fail "the state file does not list model.ckpt-1234 among all_model_checkpoint_paths"
  echo "ok: Python's text_format parses staticflow's state file (model_checkpoint_path model.ckpt-1234, $paths kept)"
elif [ "$part" = python ]; then
  rm -rf "$work/gen" && mkdir -p "$work/gen"
  protoc -I "$here/proto" --python_out="$work/gen" "$here/proto/feature.proto" "$here/proto/example.proto"
  for c in none gzip zlib; do
    "$tool" write "$work/sf.$c" "$c"
    "$tool" dump "$work/sf.$c" "$c" >"$work/sf_by_sf.$c.txt"
    "$py" "$here/py_protobuf.py" "$work/gen" dump "$work/sf.$c" "$c" >"$work/sf_by_py.$c.txt" || fail "Python could not read staticflow's $c file"
    same_dump "staticflow writes ($c), Python protobuf reads" "$work/sf_by_sf.$c.txt" "$work/sf_by_py.$c.txt"
    "$py" "$here/py_protobuf.py" "$work/gen" write "$work/py.$c" "$c"
    "$py" "$here/py_protobuf.py" "$work/gen" dump "$work/py.$c" "$c" >"$work/py_by_py.$c.txt"
    "$tool" dump "$work/py.$c" "$c" >"$work/py_by_sf.$c.txt" || fail "staticflow could not read Python's $c file"
    same_dump "Python protobuf writes ($c), staticflow reads" "$work/py_by_py.$c.txt" "$work/py_by_sf.$c.txt"
  done
  if [ -z "$tfrecord_tool" ]; then
    echo "ok: all (the example programs are not built: tfrecord_tool and mnist_to_tfrecord not checked)"
    exit 0
  fi
  # tfrecord_tool's JSON lines are proto3's JSON mapping of the file's Examples.
  "$tfrecord_tool" dump "$work/py.none" >"$work/py.json" || fail "tfrecord_tool could not dump Python's file"
  "$py" "$here/py_protobuf.py" "$work/gen" json "$work/py.none" "$work/py.json" || fail "tfrecord_tool's JSON is not the file's Examples"
  # mnist_to_tfrecord writes the seed's Examples of the IDX images.
  "$mnist_to_tfrecord" --data-dir "$mnist_dir" --split test --out "$work/mnist_test.tfrecord" >/dev/null
  "$py" "$here/py_protobuf.py" "$work/gen" mnist "$work/mnist_test.tfrecord" "$mnist_dir" || fail "mnist_to_tfrecord's Examples are not MNIST's"
  # Both serialize maps in key order, so the uncompressed files must be identical.
  cmp "$work/sf.none" "$work/py.none" || fail "staticflow's file differs from Python's serialization of the same Examples"
  echo "ok: staticflow's TFRecord file equals Python's byte for byte"
fi
