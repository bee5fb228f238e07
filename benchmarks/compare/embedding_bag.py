#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The embedding bag of embedding_bag_bench.cpp in PyTorch (issue 23): a [vocabulary, 64] float
table, torch.nn.EmbeddingBag(mode="mean", sparse=True), batches of 4096 bags of 20 ids, loss
0.5 * sum(bag^2), torch.optim.Adagrad(lr=0.1, initial_accumulator_value=0.1) on the sparse
gradient. The ids are the C++ side's: splitmix64 with seed batch * 2^32 + bag, modulo the
vocabulary. Prints one line per vocabulary.

Usage: /usr/bin/python3 embedding_bag.py [--threads 1] [--vocab both|1m|10k]
"""
import argparse
import time
import statistics

import numpy as np
import torch

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64_ids(b, batch, per_bag, vocab):
    """ids[r, k]: the k-th splitmix64 draw from state b * 2^32 + r, modulo vocab (uint64 wraps)."""
    with np.errstate(over="ignore"):
        state = (np.uint64(b) << np.uint64(32)) + np.arange(batch, dtype=np.uint64)
        out = np.empty((batch, per_bag), dtype=np.int64)
        for k in range(per_bag):
            state = state + np.uint64(0x9E3779B97F4A7C15)
            z = state
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
            out[:, k] = (z % np.uint64(vocab)).astype(np.int64)
    return out


def run(o, vocab, batch=4096, per_bag=20, distinct=8, dim=64):
    torch.manual_seed(1)
    bag = torch.nn.EmbeddingBag(vocab, dim, mode="mean", sparse=True)
    opt = torch.optim.Adagrad(bag.parameters(), lr=0.1, initial_accumulator_value=0.1)
    batches = [torch.from_numpy(splitmix64_ids(b, batch, per_bag, vocab)) for b in range(distinct)]
    last = [0.0]

    def train(step):
        ids = batches[step % distinct]
        opt.zero_grad()
        out = bag(ids)  # 2-D input: one bag per row
        loss = 0.5 * out.pow(2).sum()
        loss.backward()
        opt.step()
        last[0] = loss.item()

    step = 0
    for _ in range(o.warmup):
        train(step)
        step += 1
    us = []
    for _ in range(o.windows):
        t0 = time.perf_counter()
        for _ in range(o.window):
            train(step)
            step += 1
        us.append((time.perf_counter() - t0) * 1e6 / o.window)
    step_us = statistics.median(us)
    print(f"torch vocab={vocab} batch={batch} ids_per_bag={per_bag} threads={o.threads} "
          f"steps_per_s={1e6 / step_us:.2f} step_us={step_us:.1f} loss={last[0]:.4f}", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--vocab", default="both", choices=["both", "1m", "10k"])
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--window", type=int, default=10)
    p.add_argument("--windows", type=int, default=5)
    o = p.parse_args()
    torch.set_num_threads(o.threads)
    if o.vocab in ("1m", "both"):
        run(o, 1000000)
    if o.vocab in ("10k", "both"):
        run(o, 10000)


if __name__ == "__main__":
    main()
