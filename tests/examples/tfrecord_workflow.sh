#!/bin/sh
# SPDX-License-Identifier: MIT
# The TFRecord programs end to end, as a user runs them: mnist_to_tfrecord writes MNIST's
# training split as shards, tfrecord_tool counts, verifies, dumps, and finds a flipped byte,
# and mnist_mlp trains from the shards to 90% validation accuracy in 300 steps.
#
#   tfrecord_workflow.sh BIN_DIR MNIST_DIR WORK_DIR
set -eu
bin=$1 mnist=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "tfrecord_workflow.sh: FAILED: $*" >&2; exit 1; }
expect() {  # expect WHAT PATTERN FILE: grep -E PATTERN must match in FILE
  grep -Eq "$2" "$3" || { cat "$3" >&2; fail "$1: no line matches /$2/"; }
  echo "ok: $1"
}

"$bin/mnist_to_tfrecord" --data-dir "$mnist" --out "$work/train" --shards 3 >"$work/write.txt"
expect "55000 examples written to 3 shards" '^wrote 55000 train examples to 3 files' "$work/write.txt"

"$bin/tfrecord_tool" count "$work"/train-0000?-of-00003 >"$work/count.txt"
expect "count: 18334 in the first shard (records 0, 3, 6, ...)" "^18334	$work/train-00000-of-00003\$" "$work/count.txt"
expect "count: 55000 in all" '^55000	total$' "$work/count.txt"

"$bin/tfrecord_tool" verify "$work"/train-0000?-of-00003 >"$work/verify.txt"
[ "$(grep -c '^OK' "$work/verify.txt")" = 3 ] || { cat "$work/verify.txt" >&2; fail "verify: three OK lines"; }
echo "ok: verify passes every shard"

# Byte 100 lies in the data of record 0 (each record is ~860 bytes): a data CRC mismatch.
cp "$work/train-00001-of-00003" "$work/bad"
printf '\377' | dd of="$work/bad" bs=1 seek=100 conv=notrunc 2>/dev/null
if "$bin/tfrecord_tool" verify "$work/bad" >"$work/bad.txt"; then fail "verify accepted a flipped byte"; fi
expect "verify names the file and the record's offset" "^CORRUPT	.*'$work/bad'.*record at byte 0: data CRC mismatch" "$work/bad.txt"
"$bin/tfrecord_tool" verify --skip-corrupt "$work/bad" >"$work/skip.txt" || true
expect "verify --skip-corrupt counts it" '18332 good records, 1 corrupt skipped' "$work/skip.txt"

"$bin/tfrecord_tool" dump --limit 2 "$work/train-00000-of-00003" >"$work/dump.txt"
[ "$(wc -l <"$work/dump.txt")" = 3 ] || fail "dump --limit 2: a schema line and two records"
expect "dump infers the seed's schema" \
  '^\{"schema":\{"image_raw":\{"dtype":"string","feature":"FixedLenFeature","shape":\[1\],"present_in":2\},"label":\{"dtype":"int64","feature":"FixedLenFeature","shape":\[1\],"present_in":2\},"pixels":\{"dtype":"int64",' \
  "$work/dump.txt"
expect "dump prints pixels = 784 as proto3 JSON" '"pixels":\{"int64List":\{"value":\["784"\]\}\}' "$work/dump.txt"

OMP_NUM_THREADS=1 "$bin/mnist_mlp" --steps 300 --data-dir "$mnist" --tfrecord "$work/train-*" --expect-validation 0.90 \
  >"$work/train.txt" || { cat "$work/train.txt" >&2; fail "mnist_mlp --tfrecord: below 90% validation accuracy after 300 steps"; }
expect "mnist_mlp trains from the shards" '^training from 55000 examples in the TFRecord files' "$work/train.txt"
