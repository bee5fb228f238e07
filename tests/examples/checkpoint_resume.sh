#!/bin/sh
# SPDX-License-Identifier: MIT
# The trainers killed mid-run resume from their last checkpoint to the same result as an
# uninterrupted run, as a user sees it: mnist_mlp (graph API, moving averages) and mnist_lenet5
# (nn::classifier::fit with Adam) each run once without interruption, then once killed with
# SIGKILL after their first checkpoint and restarted with the same command. The final
# checkpoints' data files must be equal byte for byte, and so must the printed test accuracy;
# inspect_checkpoint must list the final checkpoint through the directory's state file.
#
#   checkpoint_resume.sh BIN_DIR MNIST_DIR WORK_DIR
set -eu
bin=$1 mnist=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "checkpoint_resume.sh: FAILED: $*" >&2; exit 1; }

# run_killed NAME DIR ARGS...: starts the trainer, kills it once DIR has a checkpoint state
# file, then runs it again to the end; its last output goes to $work/NAME.resumed.txt.
run_killed() {
  name=$1 dir=$2
  shift 2
  "$@" >"$work/$name.killed.txt" 2>&1 &
  pid=$!
  tries=0
  while [ ! -f "$dir/checkpoint" ]; do
    kill -0 "$pid" 2>/dev/null || fail "$name finished or died before its first checkpoint (see $work/$name.killed.txt)"
    tries=$((tries + 1))
    [ "$tries" -lt 1200 ] || fail "$name wrote no checkpoint in 120 s"
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "ok: $name killed after $(sed -n 's/^model_checkpoint_path: //p' "$dir/checkpoint")"
  "$@" >"$work/$name.resumed.txt" 2>&1 || { cat "$work/$name.resumed.txt" >&2; fail "$name did not resume"; }
  grep -q '^resumed from' "$work/$name.resumed.txt" || fail "$name did not say it resumed"
}

# same NAME STEPS: the uninterrupted and the resumed run ended in the same checkpoint and accuracy.
same() {
  name=$1 steps=$2
  cmp "$work/$name.full/model.ckpt-$steps.data-00000-of-00001" "$work/$name.resumed/model.ckpt-$steps.data-00000-of-00001" ||
    fail "$name: the resumed run's weights differ from the uninterrupted run's"
  a=$(grep -oE 'test accuracy [0-9.]+' "$work/$name.full.txt" | head -n 1)
  b=$(grep -oE 'test accuracy [0-9.]+' "$work/$name.resumed.txt" | head -n 1)
  [ -n "$a" ] && [ "$a" = "$b" ] || fail "$name: test accuracy '$a' uninterrupted, '$b' resumed"
  echo "ok: $name resumed to the same weights, byte for byte ($a)"
}

mlp="$bin/mnist_mlp --data-dir $mnist --steps 3000 --save-every 100"
$mlp --checkpoint-dir "$work/mlp.full" >"$work/mlp.full.txt" 2>&1 || fail "mnist_mlp did not run"
run_killed mlp "$work/mlp.resumed" $mlp --checkpoint-dir "$work/mlp.resumed"
same mlp 3000

lenet="$bin/mnist_lenet5 --data-dir $mnist --steps 400 --save-every 50"
$lenet --checkpoint-dir "$work/lenet.full" >"$work/lenet.full.txt" 2>&1 || fail "mnist_lenet5 did not run"
run_killed lenet "$work/lenet.resumed" $lenet --checkpoint-dir "$work/lenet.resumed"
same lenet 400

"$bin/inspect_checkpoint" "$work/lenet.resumed" >"$work/inspect.txt" || fail "inspect_checkpoint could not read the directory"
grep -q '^classifier/global_step int64 \[\]$' "$work/inspect.txt" || { cat "$work/inspect.txt" >&2; fail "inspect_checkpoint: no global step"; }
grep -q '/Adam_1 float32' "$work/inspect.txt" || fail "inspect_checkpoint: no Adam slots"
echo "ok: inspect_checkpoint lists the latest checkpoint ($(wc -l <"$work/inspect.txt") tensors)"
