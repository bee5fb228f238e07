// SPDX-License-Identifier: MIT
/// \file
/// \brief End-to-end benchmark of the LeNet-5 network of examples/mnist_lenet5.cpp: training
/// samples/s (Adam 1e-3, batch 64), batch-1 inference latency and peak resident memory, printed
/// as one machine-readable line for benchmarks/compare/run_lenet5 (lenet5.py measures the same
/// in PyTorch).
///
/// Usage: compare_lenet5 [--data-dir data/mnist] [--warmup 100] [--window 200] [--windows 5]
///                       [--infer-runs 10000] [--breakdown 0|1] [--device host|cuda]
///
/// Both sides read the same first 3200 training images straight from the IDX file into 50
/// preloaded batches of 64, so neither data loading nor the 47 MB training file is in the
/// timings or in the peak memory. The graph is the one `nn::classifier` builds (same ops, same
/// seed), driven directly so that the batches are fed without a copy. compare_lenet5_cuda is
/// this file compiled by nvcc (`--device cuda`: batches preloaded on the GPU, batch-1 logits
/// timed until they are back on the host).
#include <staticflow/staticflow.hpp>
#if defined(__CUDACC__)
#include <staticflow/cuda.hpp>
#endif

#include "bench_support.hpp"
#include <staticflow/nn/conv.hpp>
#include <staticflow/nn/trainer.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace sf = staticflow;
namespace nn = staticflow::nn;

namespace {

using lenet5 = nn::sequential<nn::input<28, 28, 1>,                                 //
                              nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,  // [?, 12, 12, 6]
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>, // [?, 4, 4, 16]
                              nn::flatten,                                          // [?, 256]
                              nn::dense<120>, nn::relu, nn::dense<84>, nn::relu,    // [?, 84]
                              nn::dense<10>>;                                       // [?, 10]
static_assert(lenet5::parameter_count == 44426);

constexpr std::size_t pixels_per_image = 28 * 28, classes = 10, batch = 64, num_batches = 50;
using images_t = sf::tensor<float, lenet5::input_shape>;
using labels_t = sf::tensor<float, sf::shape<sf::dyn, classes>>;

using options = bench::options;

using batches = bench::batches<images_t, labels_t>;
using bench::median_us_per_step;
using bench::peak_mib;

batches load_batches(const std::string& dir) {
  return bench::load_batches<images_t, labels_t>(dir, batch, num_batches, pixels_per_image, classes);
}

/// Trains and times on `Policy`; `xs`, `ys` and `one` already live on its device.
template <class Policy, class Images, class Labels, class One>
int run(const options& o, const Images& xs, const Labels& ys, const One& one) {

  // nn::classifier<lenet5, adam>'s graph, built the same way (seed 1 as in the example).
  using x_type = sf::placeholder_node<float, lenet5::input_shape, "lenet5/x">;
  using y_type = sf::placeholder_node<float, sf::shape<sf::dyn, classes>, "lenet5/y">;
  nn::model<lenet5> net(sf::default_graph(), 1);
  auto logits = net(x_type{});
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_type{}, logits));
  auto train_step = sf::train::adam(0.001).minimize(loss);
  sf::session<Policy> sess;
  sess.run(sf::global_variables_initializer());

  float last_loss = 0;
  auto train = [&](long step) {
    const std::size_t i = static_cast<std::size_t>(step) % num_batches;
    last_loss = sess.run(train_step, sf::feed(x_type{}, xs[i]), sf::feed(y_type{}, ys[i]));
  };
  long step = 0;
  for (; step < o.warmup;) train(step++);
  const double step_us = median_us_per_step(o.window, o.windows, step, train);

  // Batch-1 latency of the trained model, one timed call at a time.
  const double infer_us = bench::median_latency_us(o.infer_runs, [&] { return sess.run(logits, sf::feed(x_type{}, one)); });

  std::printf("staticflow device=%s samples_per_s=%.1f step_us=%.1f infer_us=%.2f peak_mib=%.1f final_loss=%.4f\n",
              o.device.c_str(), double(batch) * 1e6 / step_us, step_us, infer_us, peak_mib(), double(last_loss));
  if (o.breakdown) {
    // The forward pass alone (loss of a batch), to split a step into forward and backward+Adam.
    volatile float sink = 0;
    auto fwd = [&](long s) {
      const std::size_t i = static_cast<std::size_t>(s) % num_batches;
      sink = sess.run(loss, sf::feed(x_type{}, xs[i]), sf::feed(y_type{}, ys[i])).data()[0];
    };
    const double f_us = median_us_per_step(o.window, o.windows, step, fwd);
    std::printf("staticflow-breakdown forward_us=%.1f backward_and_adam_us=%.1f\n", f_us, step_us - f_us);
    (void)sink;
  }
  return 0;
}

int run(const options& o) {
  const batches data = load_batches(o.data_dir);
  images_t one(1);
  std::copy(data.x[0].data(), data.x[0].data() + pixels_per_image, one.data());
#if defined(__CUDACC__)
  if (o.device == "cuda")
    return run<sf::cuda>(o, bench::to_device(data.x), bench::to_device(data.y), sf::to_device(one.view()));
#endif
  return run<sf::host>(o, data.x, data.y, one);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(bench::parse(argc, argv, {.warmup = 100, .window = 200}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lenet5_bench: %s\n", e.what());
    return 1;
  }
}
