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
import os

import numpy as np
import torch

from bench_support import arguments, batch1_latency_us, read_idx_prefix, report, setup, time_training

INPUT, HIDDEN, CLASSES, BATCH, NUM_BATCHES = 784, 500, 10, 100, 50
STEPS_PER_EPOCH = 55000 // BATCH


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


def main():
    o = arguments(warmup=200, window=500).parse_args()
    dev = setup(o)

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

    step_us = time_training(o, train)
    final_loss = float(state["loss"])
    # Batch-1 latency of the trained (raw, not averaged) model.
    report(o, BATCH, step_us, batch1_latency_us(model, xs[0][:1].clone(), o.infer_runs), final_loss)


if __name__ == "__main__":
    main()
