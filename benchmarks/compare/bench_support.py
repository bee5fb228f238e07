# SPDX-License-Identifier: MIT
"""What the PyTorch sides of the comparisons share (the C++ sides share bench_support.hpp):
reading a prefix of an IDX file, the common flags, device setup, timing a training step by
median over windows, batch-1 latency of a traced and frozen model, and the result line."""
import argparse
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch


def read_idx_prefix(path, header, count):
    """The first `count` bytes after the IDX header (plain files only, like the C++ side)."""
    with open(path, "rb") as f:
        raw = f.read(header + count)
    if len(raw) != header + count or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{os.path.basename(sys.argv[0])}: '{path}' is not a uint8 IDX file with {count} bytes of data")
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


def arguments(warmup, window):
    """The flags every comparison takes, with the program's own step counts as defaults."""
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data-dir", default="data/mnist")
    p.add_argument("--warmup", type=int, default=warmup)
    p.add_argument("--window", type=int, default=window)
    p.add_argument("--windows", type=int, default=5)
    p.add_argument("--infer-runs", type=int, default=10000)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    return p


def setup(o):
    """Threads, seed and, on a GPU, full float32 (staticflow's cuBLAS calls use no TF32 either)."""
    torch.set_num_threads(o.threads)
    torch.manual_seed(1)
    if o.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    return torch.device(o.device)


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


def time_training(o, train):
    """`o.warmup` untimed steps, then the median microseconds per step over the windows."""
    step = 0
    for _ in range(o.warmup):
        train(step)
        step += 1
    step_us, _ = median_us_per_step(o.window, o.windows, step, train)
    return step_us


def batch1_latency_us(model, one, runs):
    """Median microseconds of single inferences of the traced, frozen model, until the logits
    are on the host (as the C++ side returns them)."""
    model.eval()
    lat = []
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.trace(model, one))
        for _ in range(1000):
            frozen(one)
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            out = frozen(one).cpu()
            lat.append((time.perf_counter_ns() - t0) / 1e3)
        del out
    return statistics.median(lat)


def report(o, batch, step_us, infer_us, final_loss):
    print(f"torch device={o.device} threads={o.threads} openblas={os.environ.get('OPENBLAS_NUM_THREADS', '-')} "
          f"samples_per_s={batch * 1e6 / step_us:.1f} step_us={step_us:.1f} "
          f"infer_us={infer_us:.2f} peak_mib={peak_mib():.1f} final_loss={final_loss:.4f}")
