// SPDX-License-Identifier: MIT
/// \file
/// \brief What TensorBoard logging costs a training step (issue 20: a step with a scalar summary
/// costs <= 1 % more than one without).
///
/// - `BM_step` / `BM_step_scalar`: one SGD step of the book's MLP (784-500-10, batch 100) run by
///   a session, without and with `file_writer::add_scalar("loss", ...)` after every step: the
///   summary's own cost (encode the Event, queue it; the file is written by the writer's thread);
///   `BM_add_scalar`: that call alone.
/// - `BM_fit/no_log`, `BM_fit/logdir_100`, `BM_fit/logdir_1`: 100 steps of `classifier::fit` on the
///   same network, without a log, with `training_log` reporting every 100 steps (4 scalars, the
///   batch's accuracy: one extra forward pass, and histograms of 4 variables and 4 gradients
///   every 1000 steps), reporting every step with histograms every 10 steps (the default ratio)
///   and reporting every step without histograms (the scalars and the extra forward pass).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "staticflow/staticflow.hpp"
#include "staticflow/summary/training_log.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t batch = 100, examples = 10000;
using net_t = nn::sequential<nn::input<28, 28, 1>, nn::flatten, nn::dense<500>, nn::relu, nn::dense<10>>;

/// A temporary log directory, removed at exit.
struct temp_logdir {
  fs::path path = fs::temp_directory_path() / ("sf_summary_bench_" + std::to_string(std::random_device{}()));
  ~temp_logdir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

sf::data::dataset synthetic_set() {
  std::mt19937 rng(1);
  std::vector<std::uint8_t> images(examples * 784), labels(examples);
  for (auto& p : images) p = static_cast<std::uint8_t>(rng() & 0xFF);
  for (auto& l : labels) l = static_cast<std::uint8_t>(rng() % 10);
  return sf::data::dataset(images, labels, 784, {.one_hot = true, .num_classes = 10});
}

template <bool Scalar>
void session_step(benchmark::State& state) {
  temp_logdir dir;
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(0, 1);
  sf::graph g;
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 784>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 10>, "y">();
  auto w1 = g.variable<float, sf::shape<784, 500>>("w1", sf::init::truncated_normal(0.1, 1));
  auto b1 = g.variable<float, sf::shape<500>>("b1", sf::init::constant(0.1));
  auto w2 = g.variable<float, sf::shape<500, 10>>("w2", sf::init::truncated_normal(0.1, 2));
  auto b2 = g.variable<float, sf::shape<10>>("b2", sf::init::constant(0.1));
  auto logits = sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, logits));
  auto step = sf::train::gradient_descent(0.1).minimize(loss);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 784>> bx(batch);
  sf::tensor<float, sf::shape<sf::dyn, 10>> by(batch);
  for (std::size_t i = 0; i < bx.size(); ++i) bx.data()[i] = u(rng);
  for (std::size_t i = 0; i < batch; ++i) by.data()[i * 10 + rng() % 10] = 1;
  std::unique_ptr<sf::summary::file_writer> writer;
  if constexpr (Scalar) writer = std::make_unique<sf::summary::file_writer>(dir.path);
  std::int64_t n = 0;
  for (auto _ : state) {
    const float l = sess.run(step, sf::feed(x, bx), sf::feed(y_, by));
    if constexpr (Scalar) writer->add_scalar("loss", l, ++n);
    benchmark::DoNotOptimize(l);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}
void BM_step(benchmark::State& state) { session_step<false>(state); }
void BM_step_scalar(benchmark::State& state) { session_step<true>(state); }

/// The scalar summary alone: encode the Event and queue it (the writer's thread writes the file).
void BM_add_scalar(benchmark::State& state) {
  temp_logdir dir;
  sf::summary::file_writer writer(dir.path);
  std::int64_t n = 0;
  for (auto _ : state) writer.add_scalar("loss", 0.25, ++n);
  writer.flush();
}

void fit(benchmark::State& state, std::size_t log_every, bool histograms) {
  temp_logdir dir;
  auto set = synthetic_set();
  sf::graph g;
  nn::classifier<net_t, sf::train::gradient_descent> clf(sf::train::gradient_descent(0.01), 1, g);
  std::shared_ptr<nn::fit_observer> log;
  sf::summary::training_log_options options;
  if (!histograms) options.histogram_every_steps = std::size_t{1} << 40;
  if (log_every) log = std::make_shared<sf::summary::training_log>(dir.path, log_every, options);
  constexpr std::size_t steps = 100;
  std::size_t done = 0;
  for (auto _ : state) {
    done += steps;
    clf.fit(set, {.epochs = 1000000, .batch = batch, .max_steps = done, .progress = false, .log = log,
                  .log_every_steps = log_every ? log_every : 100});
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * steps * batch));
}

}  // namespace

BENCHMARK(BM_step)->Unit(benchmark::kMicrosecond)->MinTime(2.0)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_add_scalar)->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_step_scalar)->Unit(benchmark::kMicrosecond)->MinTime(2.0)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(fit, no_log, std::size_t{0}, false)->Unit(benchmark::kMillisecond)->MinTime(2.0)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(fit, logdir_100, std::size_t{100}, true)->Unit(benchmark::kMillisecond)->MinTime(2.0)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(fit, logdir_1, std::size_t{1}, true)->Unit(benchmark::kMillisecond)->MinTime(2.0)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(fit, logdir_1_no_histograms, std::size_t{1}, false)->Unit(benchmark::kMillisecond)->MinTime(2.0)->Repetitions(5)->ReportAggregatesOnly(true);

BENCHMARK_MAIN();
