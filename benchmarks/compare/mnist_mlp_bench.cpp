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
#include <staticflow/expr/quantized.hpp>
#include <staticflow/train/moving_average_op.hpp>
#include <staticflow/train/optimizer.hpp>
#include <staticflow/train/regularizer.hpp>
#include <staticflow/train/schedule.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

namespace sf = staticflow;

namespace {

constexpr std::size_t input = 784, hidden = 500, classes = 10, batch = 100, num_batches = 50;
constexpr std::int64_t steps_per_epoch = 55000 / batch;  // the trainer's decay period on the full split
using images_t = sf::tensor<float, sf::shape<sf::dyn, input>>;
using labels_t = sf::tensor<float, sf::shape<sf::dyn, classes>>;

using options = bench::options;

using batches = bench::batches<images_t, labels_t>;
using bench::median_us_per_step;
using bench::peak_mib;

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
  const double infer_us = bench::median_latency_us(o.infer_runs, [&] { return sess.run(y, sf::feed(x, one)); });
  // The same model with the first layer's weights stored as bfloat16 (the layer that streams
  // 1.5 MB of float32 weights per call; host kernels only).
  double infer_bf16_us = 0, infer_int8_us = 0;
  if constexpr (std::is_same_v<Policy, sf::host>) {
    const sf::tensor<sf::bfloat16, sf::shape<input, hidden>> w1_bf16 = sf::cast<sf::bfloat16>(sess.value(w1));
    auto y_bf16 = inference(x, w1_bf16, b1, w2, b2);
    infer_bf16_us = bench::median_latency_us(o.infer_runs, [&] { return sess.run(y_bf16, sf::feed(x, one)); });
    // And quantized to 8 bits per weight (integer dot products; the input row quantized per call).
    const auto w1_int8 = sf::quantize(sess.value(w1));
    auto y_int8 = inference(x, w1_int8, b1, w2, b2);
    infer_int8_us = bench::median_latency_us(o.infer_runs, [&] { return sess.run(y_int8, sf::feed(x, one)); });
  }

  std::printf("staticflow device=%s samples_per_s=%.1f step_us=%.1f infer_us=%.2f infer_bf16_us=%.2f "
              "infer_int8_us=%.2f peak_mib=%.1f final_loss=%.4f\n",
              o.device.c_str(), double(batch) * 1e6 / step_us, step_us, infer_us, infer_bf16_us, infer_int8_us,
              peak_mib(), double(last_loss));
  if (o.breakdown) {
    // Each part of the step alone: forward only (the loss), the SGD op (forward + backward +
    // update), the moving averages alone.
    const long n = o.window;
    volatile float sink = 0;
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
    (void)sink;
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
    return run(bench::parse(argc, argv, {.warmup = 200, .window = 500}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnist_mlp_bench: %s\n", e.what());
    return 1;
  }
}
