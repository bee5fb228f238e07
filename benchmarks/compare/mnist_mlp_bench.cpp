// SPDX-License-Identifier: MIT
/// \file
/// \brief End-to-end benchmark of the chapter-5 MNIST trainer (examples/mnist_mlp.cpp):
/// training samples/s, batch-1 inference latency and peak resident memory, printed as one
/// machine-readable line for benchmarks/compare/run (mnist_mlp.py measures the same in PyTorch).
///
/// Usage: compare_mnist_mlp [--data-dir data/mnist] [--warmup 200] [--window 500]
///                          [--windows 5] [--infer-runs 10000] [--breakdown 0|1]
///                          [--device host|cuda]
///
/// Both sides read the same first 5000 training images straight from the IDX file into 50
/// preloaded batches of 100, so neither data loading nor the 47 MB training file is in the
/// timings or in the peak memory. compare_mnist_mlp_cuda is this file compiled by nvcc: with
/// `--device cuda` the batches are preloaded on the GPU, and a batch-1 inference is timed until
/// its logits are back on the host.
#include <staticflow/staticflow.hpp>
#if defined(__CUDACC__)
#include <staticflow/cuda.hpp>
#endif

#include "bench_support.hpp"
#include <staticflow/train/moving_average_op.hpp>
#include <staticflow/train/optimizer.hpp>
#include <staticflow/train/regularizer.hpp>
#include <staticflow/train/schedule.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace sf = staticflow;

namespace {

constexpr std::size_t input = 784, hidden = 500, classes = 10, batch = 100, num_batches = 50;
constexpr std::int64_t steps_per_epoch = 55000 / batch;  // the trainer's decay period on the full split
using images_t = sf::tensor<float, sf::shape<sf::dyn, input>>;
using labels_t = sf::tensor<float, sf::shape<sf::dyn, classes>>;
using clock_type = std::chrono::steady_clock;

struct options {
  std::string data_dir = "data/mnist";
  long warmup = 200;
  long window = 500;
  int windows = 5;
  long infer_runs = 10000;
  bool breakdown = false;  ///< also time forward, train op and moving averages separately
  std::string device = "host";
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw sf::invalid_argument("mnist_mlp_bench: flag " + flag + " needs a value");
    const std::string value = argv[++i];
    try {
      if (flag == "--data-dir") o.data_dir = value;
      else if (flag == "--warmup") o.warmup = std::stol(value);
      else if (flag == "--window") o.window = std::stol(value);
      else if (flag == "--windows") o.windows = std::stoi(value);
      else if (flag == "--infer-runs") o.infer_runs = std::stol(value);
      else if (flag == "--breakdown") o.breakdown = std::stoi(value) != 0;
      else if (flag == "--device") o.device = bench::checked_device("mnist_mlp_bench", value);
      else throw sf::invalid_argument("mnist_mlp_bench: unknown flag " + flag);
    } catch (const std::logic_error&) {
      throw sf::invalid_argument("mnist_mlp_bench: bad value '" + value + "' for " + flag);
    }
  }
  if (o.warmup < 0 || o.window <= 0 || o.windows <= 0 || o.infer_runs <= 0)
    throw sf::invalid_argument("mnist_mlp_bench: --window, --windows and --infer-runs must be positive");
  return o;
}

using batches = bench::batches<images_t, labels_t>;
using bench::median;
using bench::median_us_per_step;
using bench::peak_mib;
using bench::seconds_since;

batches load_batches(const std::string& dir) {
  return bench::load_batches<images_t, labels_t>(dir, batch, num_batches, input, classes);
}

template <class X, class W1, class B1, class W2, class B2>
auto inference(const X& x, const W1& w1, const B1& b1, const W2& w2, const B2& b2) {
  return sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;
}

/// Trains and times on `Policy`; `xs`, `ys` and `one` already live on its device.
template <class Policy, class Images, class Labels, class One>
int run(const options& o, const Images& xs, const Labels& ys, const One& one) {

  // The trainer's graph, exactly as examples/mnist_mlp.cpp builds it (seed 1).
  auto x = sf::placeholder<float, sf::shape<sf::dyn, input>, "x-input">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, classes>, "y-input">();
  auto w1 = sf::variable<float, sf::shape<input, hidden>>("layer1/weights", sf::init::truncated_normal(0.1, 1));
  auto b1 = sf::variable<float, sf::shape<hidden>>("layer1/biases", sf::init::constant(0.1));
  auto w2 = sf::variable<float, sf::shape<hidden, classes>>("layer2/weights", sf::init::truncated_normal(0.1, 2));
  auto b2 = sf::variable<float, sf::shape<classes>>("layer2/biases", sf::init::constant(0.1));
  auto global_step = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  auto y = inference(x, w1, b1, w2, b2);
  const auto l2 = sf::train::l2_regularizer(1e-4);
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, y)) + l2(w1) + l2(w2);
  sf::train::gradient_descent sgd(sf::train::exponential_decay{0.8, steps_per_epoch, 0.99, true});
  auto averages = sf::train::apply_moving_averages(sf::train::exponential_moving_average(0.99), global_step, w1, b1, w2, b2);
  auto sgd_step = sgd.minimize(loss, global_step);
  auto train_step = sf::group(sgd_step, averages);

  sf::session<Policy> sess;
  sess.run(sf::global_variables_initializer());

  float last_loss = 0;
  auto train = [&](long step) {
    const std::size_t i = static_cast<std::size_t>(step) % num_batches;
    last_loss = sess.run(train_step, sf::feed(x, xs[i]), sf::feed(y_, ys[i]));
  };
  long step = 0;
  for (; step < o.warmup;) train(step++);
  const double step_us = median_us_per_step(o.window, o.windows, step, train);

  // Batch-1 latency of the trained (raw, not averaged) model, one timed call at a time.
  volatile float sink = 0;
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(o.infer_runs));
  for (long i = 0; i < 1000; ++i) sink = sess.run(y, sf::feed(x, one)).data()[0];
  for (long i = 0; i < o.infer_runs; ++i) {
    const auto t0 = clock_type::now();
    const auto out = sess.run(y, sf::feed(x, one));
    lat.push_back(seconds_since(t0) * 1e6);
    sink = out.data()[0];
  }
  (void)sink;

  std::printf("staticflow device=%s samples_per_s=%.1f step_us=%.1f infer_us=%.2f peak_mib=%.1f final_loss=%.4f\n",
              o.device.c_str(), double(batch) * 1e6 / step_us, step_us, median(lat), peak_mib(), double(last_loss));
  if (o.breakdown) {
    // Each part of the step alone: forward only (the loss), the SGD op (forward + backward +
    // update), the moving averages alone.
    const long n = o.window;
    auto fwd = [&](long s) {
      const std::size_t i = static_cast<std::size_t>(s) % num_batches;
      sink = sess.run(loss, sf::feed(x, xs[i]), sf::feed(y_, ys[i])).data()[0];
    };
    auto sgd_only = [&](long s) {
      const std::size_t i = static_cast<std::size_t>(s) % num_batches;
      last_loss = sess.run(sgd_step, sf::feed(x, xs[i]), sf::feed(y_, ys[i]));
    };
    auto ema_only = [&](long) { sess.run(averages); };
    const double f_us = median_us_per_step(n, o.windows, step, fwd);
    const double s_us = median_us_per_step(n, o.windows, step, sgd_only);
    const double e_us = median_us_per_step(n, o.windows, step, ema_only);
    std::printf("staticflow-breakdown forward_us=%.1f sgd_step_us=%.1f ema_us=%.1f\n", f_us, s_us, e_us);
  }
  return 0;
}

int run(const options& o) {
  const batches data = load_batches(o.data_dir);
  images_t one(1);
  std::copy(data.x[0].data(), data.x[0].data() + input, one.data());
#if defined(__CUDACC__)
  if (o.device == "cuda")
    return run<sf::cuda>(o, bench::to_device(data.x), bench::to_device(data.y), sf::to_device(one.view()));
#endif
  return run<sf::host>(o, data.x, data.y, one);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnist_mlp_bench: %s\n", e.what());
    return 1;
  }
}
