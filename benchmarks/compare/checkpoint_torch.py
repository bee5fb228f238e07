# SPDX-License-Identifier: MIT
"""PyTorch's side of benchmarks/compare/run_checkpoint: torch.save and torch.load of the same
tensors as compare_checkpoint (LeNet-5's and the MLP's variables, 100 x [512, 512] floats), as a
state dict of float32 tensors. Prints `SET save|restore SECONDS MB`, each the median of REPS.

  python3 checkpoint_torch.py DIR REPS
"""
import os
import statistics
import sys
import time

import torch

SETS = {
    "lenet5": [("conv1/weights", (6, 1, 5, 5)), ("conv1/biases", (6,)), ("conv2/weights", (16, 6, 5, 5)),
               ("conv2/biases", (16,)), ("fc1/weights", (120, 256)), ("fc1/biases", (120,)),
               ("fc2/weights", (84, 120)), ("fc2/biases", (84,)), ("fc3/weights", (10, 84)), ("fc3/biases", (10,))],
    "mlp": [("layer1/weights", (784, 500)), ("layer1/biases", (500,)), ("layer2/weights", (500, 10)),
            ("layer2/biases", (10,))],
    "big100": [(f"tensor_{i}", (512, 512)) for i in range(100)],
}


def median_time(reps, f):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    out_dir, reps = sys.argv[1], int(sys.argv[2])
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for name, shapes in SETS.items():
        state = {k: torch.randn(s) * 0.1 for k, s in shapes}
        mb = sum(t.numel() * 4 for t in state.values()) / 1e6
        path = os.path.join(out_dir, name + ".pt")
        n = reps if name != "big100" else max(3, reps // 10)
        torch.save(state, path)
        torch.load(path)
        print(f"{name} save {median_time(n, lambda: torch.save(state, path)):.6f} {mb:.3f}")
        # Restoring means having the values in the model's tensors, as a saver restore does.
        print(f"{name} restore {median_time(n, lambda: [state[k].copy_(v) for k, v in torch.load(path).items()]):.6f} {mb:.3f}",
              flush=True)


if __name__ == "__main__":
    main()
