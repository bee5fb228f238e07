# SPDX-License-Identifier: MIT
"""LeNet-5 (examples/mnist_lenet5.cpp) in PyTorch, measured like compare_lenet5.

Same model (conv 6@5x5 valid, relu, maxpool 2, conv 16@5x5 valid, relu,
maxpool 2, flatten, 120 relu, 84 relu, 10), same loss (mean softmax cross
entropy of one-hot labels), Adam 1e-3, batch 64, same data (the first 3200
training images, read straight from the IDX file into 50 preloaded batches of
64). Prints one line:

    torch threads=N samples_per_s=... step_us=... infer_us=... peak_mib=... final_loss=...

With --time-to ACC it instead trains on the full 60000-image training set
(shuffled every epoch, preloaded) and evaluates the 10000 test images after
every epoch, printing the training seconds at which the test accuracy first
reaches ACC (evaluation time excluded, as in examples/mnist_lenet5.cpp).

Usage: /usr/bin/python3 lenet5.py [--threads 1] [--data-dir data/mnist]
       [--warmup 100] [--window 200] [--windows 5] [--infer-runs 10000]
       [--time-to 0.99 --epochs 15]
"""
import os
import time

import numpy as np
import torch

from bench_support import arguments, batch1_latency_us, peak_mib, read_idx_prefix, report, setup, time_training

PIXELS, CLASSES, BATCH, NUM_BATCHES = 28 * 28, 10, 64, 50


def load(data_dir, prefix, n):
    """n images as a [n, 1, 28, 28] float tensor in [0, 1] and their labels as int64."""
    pixels = read_idx_prefix(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte"), 16, n * PIXELS)
    labels = read_idx_prefix(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"), 8, n)
    images = torch.from_numpy(pixels.astype(np.float32) / np.float32(255.0)).reshape(n, 1, 28, 28)
    return images, torch.from_numpy(labels.astype(np.int64))


def load_batches(data_dir):
    images, labels = load(data_dir, "train", BATCH * NUM_BATCHES)
    onehot = torch.nn.functional.one_hot(labels, CLASSES).float()
    xs = [images[i * BATCH:(i + 1) * BATCH].contiguous() for i in range(NUM_BATCHES)]
    ys = [onehot[i * BATCH:(i + 1) * BATCH].contiguous() for i in range(NUM_BATCHES)]
    return xs, ys


class LeNet5(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(256, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def make_step(model, opt):
    def step(x, y):
        logits = model(x)
        loss = torch.sum(-y * torch.log_softmax(logits, dim=1), dim=1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss
    return step


def time_to_accuracy(o):
    """Training seconds (evaluation excluded) until the test accuracy first reaches o.time_to."""
    train_x, train_y = load(o.data_dir, "train", 60000)
    test_x, test_y = load(o.data_dir, "t10k", 10000)
    train_onehot = torch.nn.functional.one_hot(train_y, CLASSES).float()
    model = LeNet5()
    step = make_step(model, torch.optim.Adam(model.parameters(), lr=1e-3))
    trained = 0.0
    for epoch in range(1, o.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(60000)
        for first in range(0, 60000 - BATCH + 1, BATCH):  # full batches only, like nn::classifier::fit
            idx = order[first:first + BATCH]
            step(train_x[idx], train_onehot[idx])
        trained += time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum())
                          for i in range(0, 10000, 1000))
        accuracy = correct / 10000
        print(f"torch-epoch threads={o.threads} epoch={epoch} accuracy={accuracy:.4f} train_s={trained:.1f}",
              flush=True)
        if accuracy >= o.time_to:
            print(f"torch-time-to threads={o.threads} target={o.time_to} epochs={epoch} train_s={trained:.1f} "
                  f"peak_mib={peak_mib():.1f}")
            return
    print(f"torch-time-to threads={o.threads} target={o.time_to} epochs=none train_s={trained:.1f} "
          f"last_accuracy={accuracy:.4f}")


def main():
    p = arguments(warmup=100, window=200)
    p.add_argument("--breakdown", type=int, default=0)  # accepted for symmetry with the C++ side
    p.add_argument("--time-to", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=15)
    o = p.parse_args()
    dev = setup(o)
    if o.time_to > 0:
        time_to_accuracy(o)
        return

    xs, ys = load_batches(o.data_dir)
    xs, ys = [x.to(dev) for x in xs], [y.to(dev) for y in ys]
    model = LeNet5().to(dev)
    step_fn = make_step(model, torch.optim.Adam(model.parameters(), lr=1e-3))
    state = {"loss": 0.0}

    def train(step):
        i = step % NUM_BATCHES
        state["loss"] = step_fn(xs[i], ys[i])

    step_us = time_training(o, train)
    final_loss = float(state["loss"])
    # Batch-1 latency of the trained model.
    report(o, BATCH, step_us, batch1_latency_us(model, xs[0][:1].clone(), o.infer_runs), final_loss)


if __name__ == "__main__":
    main()
