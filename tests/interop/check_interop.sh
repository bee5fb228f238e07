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
#   check_interop.sh --part npm|python --tool SF_IO_INTEROP --work DIR
#                    [--tfrecord-tool T --mnist-to-tfrecord M --mnist-dir DIR]   (python)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
part="" tool="" work="" tfrecord_tool="" mnist_to_tfrecord="" mnist_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --part) part=$2; shift ;;
    --tool) tool=$2; shift ;;
    --work) work=$2; shift ;;
    --tfrecord-tool) tfrecord_tool=$2; shift ;;
    --mnist-to-tfrecord) mnist_to_tfrecord=$2; shift ;;
    --mnist-dir) mnist_dir=$2; shift ;;
    *) echo "check_interop.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$part" ] && [ -x "$tool" ] && [ -n "$work" ] || { echo "check_interop.sh: need --part, --tool and --work" >&2; exit 2; }
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
elif [ "$part" = python ]; then
  py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  command -v protoc >/dev/null 2>&1 || fail "protoc is not installed (Debian protobuf-compiler; scripts/deps installs it)"
  "$py" -c "import google.protobuf" 2>/dev/null || fail "$py has no google.protobuf (Debian python3-protobuf; scripts/deps installs it)"
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
else
  fail "unknown part '$part'"
fi
