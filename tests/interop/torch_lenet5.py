# SPDX-License-Identifier: MIT
"""A LeNet-5 trained in PyTorch (Debian python3-torch, CPU), exported by torch.onnx.export and
loaded into staticflow (tests/interop/check_onnx.sh runs both steps).

  torch_lenet5.py train MNIST_DIR OUT_DIR
      trains the network of examples/mnist_lenet5.cpp (conv 6@5x5, relu, max-pool 2, conv 16@5x5,
      relu, max-pool 2, flatten, dense 120, relu, dense 84, relu, dense 10; NCHW, as PyTorch
      computes) for 300 Adam steps of 64 images, seed 1, and writes OUT_DIR/lenet5_torch.onnx
      (opset 13, dynamic batch) and OUT_DIR/torch_logits.npy, its logits on the 10,000 test
      images (pixels / 255, as staticflow's MNIST reader gives them)
  torch_lenet5.py compare OUT_DIR/torch_logits.npy SF_LOGITS.bin MNIST_DIR
      staticflow's logits (float32 [10000, 10], from `onnx_tool lenet5-logits`) against
      PyTorch's: every argmax equal, every logit within LOGIT_TOLERANCE
"""
import struct
import sys
import time

import numpy as np

LOGIT_TOLERANCE = 1e-4  # absolute; the logits are O(10), float32 sums in another order differ by ~1e-6


def idx(path):
    data = open(path, "rb").read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def train(mnist_dir, out_dir):
    import torch

    start = time.time()
    torch.manual_seed(1)
    torch.set_num_threads(1)  # two threads on a shared 2-core machine spin at barriers
    x_train = idx(f"{mnist_dir}/train-images-idx3-ubyte").astype(np.float32) / 255
    y_train = idx(f"{mnist_dir}/train-labels-idx1-ubyte").astype(np.int64)
    x_test = idx(f"{mnist_dir}/t10k-images-idx3-ubyte").astype(np.float32) / 255
    y_test = idx(f"{mnist_dir}/t10k-labels-idx1-ubyte")

    class LeNet5(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 6, 5)
            self.conv2 = torch.nn.Conv2d(6, 16, 5)
            self.fc1 = torch.nn.Linear(16 * 4 * 4, 120)
            self.fc2 = torch.nn.Linear(120, 84)
            self.fc3 = torch.nn.Linear(84, 10)

        def forward(self, x):
            x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)  # (c, h, w) order: staticflow's flatten is (h, w, c)
            x = torch.relu(self.fc1(x))
            x = torch.relu(self.fc2(x))
            return self.fc3(x)

    net = LeNet5()
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    rng = np.random.default_rng(1)
    for _ in range(300):
        i = rng.integers(0, len(x_train), 64)
        loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x_train[i][:, None])), torch.from_numpy(y_train[i]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        logits = net(torch.from_numpy(x_test[:, None])).numpy()
    accuracy = float(np.mean(logits.argmax(1) == y_test))
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), f"{out_dir}/lenet5_torch.onnx", input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13)
    np.save(f"{out_dir}/torch_logits.npy", logits)
    print(f"ok: PyTorch trained LeNet-5 for 300 steps in {time.time() - start:.1f} s; exported {out_dir}/lenet5_torch.onnx")
    print(f"test accuracy {accuracy:.4f}")


def compare(torch_logits, sf_logits, mnist_dir):
    want = np.load(torch_logits)
    have = np.fromfile(sf_logits, dtype=np.float32).reshape(want.shape)
    labels = idx(f"{mnist_dir}/t10k-labels-idx1-ubyte")
    same = int(np.sum(have.argmax(1) == want.argmax(1)))
    err = float(np.max(np.abs(have.astype(np.float64) - want)))
    print(f"staticflow vs PyTorch on {len(want)} test images: {same} argmax equal, largest logit difference {err:.3g}, "
          f"accuracy {np.mean(have.argmax(1) == labels):.4f} vs {np.mean(want.argmax(1) == labels):.4f}")
    assert same == len(want), f"{len(want) - same} predictions differ"
    assert err <= LOGIT_TOLERANCE, f"logits differ by {err:.3g} > {LOGIT_TOLERANCE}"
    print("ok: staticflow's LeNet-5 with PyTorch's weights gives PyTorch's predictions")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "compare":
        compare(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
