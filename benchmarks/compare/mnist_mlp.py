# SPDX-License-Identifier: MIT
"""The chapter-5 MNIST trainer in PyTorch, measured like compare_mnist_mlp.

Same model (784-500-10 relu), same data (the first 5000 training images, read
straight from the IDX file into 50 preloaded batches of 100), same step: mean
softmax cross entropy + 1e-4 * (sum(w1^2) + sum(w2^2)) / 2, SGD at 0.8 decayed
by 0.99 every 550 steps (staircase), then an exponential moving average of the
four parameters with decay min(0.99, (1 + step) / (10 + step)), done with
torch ops. Prints one line:

    torch threads=N samples_per_s=... step_us=... infer_us=... peak_mib=... final_loss=...

Usage: /usr/bin/python3 mnist_mlp.py [--threads 1] [--data-dir data/mnist]
       [--warmup 200] [--window 500] [--windows 5] [--infer-runs 10000]
"""
import argparse
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

INPUT, HIDDEN, CLASSES, BATCH, NUM_BATCHES = 784, 500, 10, 100, 50
STEPS_PER_EPOCH = 55000 // BATCH


def read_idx_prefix(path, header, count):
    """The first `count` bytes after the IDX header (plain files only, like the C++ side)."""
    with open(path, "rb") as f:
        raw = f.read(header + count)
    if len(raw) != header + count or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"mnist_mlp.py: '{path}' is not a uint8 IDX file with {count} bytes of data")
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


def load_batches(data_dir):
    n = BATCH * NUM_BATCHES
    pixels = read_idx_prefix(os.path.join(data_dir, "train-images-idx3-ubyte"), 16, n * INPUT)
    labels = read_idx_prefix(os.path.join(data_dir, "train-labels-idx1-ubyte"), 8, n)
    images = torch.from_numpy(pixels.astype(np.float32) / np.float32(255.0)).reshape(NUM_BATCHES, BATCH, INPUT)
    onehot = torch.nn.functional.one_hot(torch.from_numpy(labels.astype(np.int64)), CLASSES).float()
    onehot = onehot.reshape(NUM_BATCHES, BATCH, CLASSES)
    return [images[i].contiguous() for i in range(NUM_BATCHES)], [onehot[i].contiguous() for i in range(NUM_BATCHES)]


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = torch.nn.Linear(INPUT, HIDDEN)
        self.layer2 = torch.nn.Linear(HIDDEN, CLASSES)
        with torch.no_grad():
            for layer in (self.layer1, self.layer2):
                torch.nn.init.trunc_normal_(layer.weight, std=0.1, a=-0.2, b=0.2)
                layer.bias.fill_(0.1)

    def forward(self, x):
        return self.layer2(torch.relu(self.layer1(x)))


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synchronize():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def median_us_per_step(steps, windows, step, f):
    us = []
    for _ in range(windows):
        synchronize()
        t0 = time.perf_counter()
        for _ in range(steps):
            f(step)
            step += 1
        synchronize()  # a window ends when the GPU has done its steps, not when they are queued
        us.append((time.perf_counter() - t0) * 1e6 / steps)
    return statistics.median(us), step


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data-dir", default="data/mnist")
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--window", type=int, default=500)
    p.add_argument("--windows", type=int, default=5)
    p.add_argument("--infer-runs", type=int, default=10000)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    o = p.parse_args()
    torch.set_num_threads(o.threads)
    torch.manual_seed(1)
    dev = torch.device(o.device)
    if o.device == "cuda":
        # Full float32 on both sides: staticflow's cuBLAS calls use no TF32 either.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True

    xs, ys = load_batches(o.data_dir)
    xs, ys = [x.to(dev) for x in xs], [y.to(dev) for y in ys]
    model = Mlp().to(dev)
    params = [model.layer1.weight, model.layer1.bias, model.layer2.weight, model.layer2.bias]
    shadows = [q.detach().clone() for q in params]
    # LR is set per step from the staircase schedule; plain SGD as tf.train.GradientDescentOptimizer.
    opt = torch.optim.SGD(params, lr=0.8)
    state = {"loss": 0.0}

    def train(step):
        i = step % NUM_BATCHES
        # TF reads the learning rate of the global step before it is incremented.
        opt.param_groups[0]["lr"] = 0.8 * 0.99 ** (step // STEPS_PER_EPOCH)
        logits = model(xs[i])
        ce = torch.sum(-ys[i] * torch.log_softmax(logits, dim=1), dim=1).mean()
        loss = ce + 1e-4 * 0.5 * (model.layer1.weight.square().sum() + model.layer2.weight.square().sum())
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        # The averages read the incremented global step, as sf::group(step, averages) does.
        n = step + 1
        decay = min(0.99, (1.0 + n) / (10.0 + n))
        with torch.no_grad():
            for shadow, q in zip(shadows, params):
                shadow.lerp_(q, 1.0 - decay)  # one fused pass per parameter, like the C++ update
        state["loss"] = loss

    step = 0
    for _ in range(o.warmup):
        train(step)
        step += 1
    step_us, step = median_us_per_step(o.window, o.windows, step, train)
    final_loss = float(state["loss"])

    # Batch-1 latency of the trained (raw, not averaged) model, traced and frozen.
    model.eval()
    one = xs[0][:1].clone()
    lat = []
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.trace(model, one))
        for _ in range(1000):
            frozen(one)
        for _ in range(o.infer_runs):
            t0 = time.perf_counter_ns()
            out = frozen(one).cpu()  # logits on the host, as the C++ side returns them
            lat.append((time.perf_counter_ns() - t0) / 1e3)
        del out

    print(f"torch device={o.device} threads={o.threads} openblas={os.environ.get('OPENBLAS_NUM_THREADS', '-')} "
          f"samples_per_s={BATCH * 1e6 / step_us:.1f} step_us={step_us:.1f} "
          f"infer_us={statistics.median(lat):.2f} peak_mib={peak_mib():.1f} final_loss={final_loss:.4f}")


if __name__ == "__main__":
    main()
