// SPDX-License-Identifier: MIT
/// \file
/// \brief End-to-end benchmark of the LeNet-5 network of examples/mnist_lenet5.cpp: training
/// samples/s (Adam 1e-3, batch 64), batch-1 inference latency and peak resident memory, printed
/// as one machine-readable line for benchmarks/compare/run_lenet5 (lenet5.py measures the same
/// in PyTorch).
///
/// Usage: compare_lenet5 [--data-dir data/mnist] [--warmup 100] [--window 200] [--windows 5]
///                       [--infer-runs 10000] [--breakdown 0|1]
///
/// Both sides read the same first 3200 training images straight from the IDX file into 50
/// preloaded batches of 64, so neither data loading nor the 47 MB training file is in the
/// timings or in the peak memory. The graph is the one `nn::classifier` builds (same ops, same
/// seed), driven directly so that the batches are fed without a copy.
#include <staticflow/staticflow.hpp>
#include <staticflow/nn/conv.hpp>
#include <staticflow/nn/trainer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
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
using clock_type = std::chrono::steady_clock;

struct options {
  std::string data_dir = "data/mnist";
  long warmup = 100;
  long window = 200;
  int windows = 5;
  long infer_runs = 10000;
  bool breakdown = false;  ///< also time the forward pass (loss only) of a batch
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw sf::invalid_argument("lenet5_bench: flag " + flag + " needs a value");
    const std::string value = argv[++i];
    try {
      if (flag == "--data-dir") o.data_dir = value;
      else if (flag == "--warmup") o.warmup = std::stol(value);
      else if (flag == "--window") o.window = std::stol(value);
      else if (flag == "--windows") o.windows = std::stoi(value);
      else if (flag == "--infer-runs") o.infer_runs = std::stol(value);
      else if (flag == "--breakdown") o.breakdown = std::stoi(value) != 0;
      else throw sf::invalid_argument("lenet5_bench: unknown flag " + flag);
    } catch (const std::logic_error&) {
      throw sf::invalid_argument("lenet5_bench: bad value '" + value + "' for " + flag);
    }
  }
  if (o.warmup < 0 || o.window <= 0 || o.windows <= 0 || o.infer_runs <= 0)
    throw sf::invalid_argument("lenet5_bench: --window, --windows and --infer-runs must be positive");
  return o;
}

/// The first `bytes` bytes after an IDX header of `header` bytes (plain files only: reading a
/// prefix keeps the training file out of the peak-memory figure).
std::vector<std::uint8_t> read_idx_prefix(const std::string& path, std::size_t header, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sf::not_found("lenet5_bench: cannot open '" + path + "' (needs the uncompressed IDX files)");
  std::vector<std::uint8_t> out(header + bytes);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (static_cast<std::size_t>(in.gcount()) != out.size())
    throw sf::data_loss("lenet5_bench: '" + path + "' is shorter than " + std::to_string(out.size()) + " bytes");
  if (out[0] != 0 || out[1] != 0 || out[2] != 0x08)
    throw sf::data_loss("lenet5_bench: '" + path + "' is not a uint8 IDX file");
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(header));
  return out;
}

struct batches {
  std::vector<images_t> x;
  std::vector<labels_t> y;
};

/// Batch i holds training examples [64 i, 64 i + 64), pixels / 255 (NHWC, one channel),
/// one-hot labels.
batches load_batches(const std::string& dir) {
  const std::size_t n = batch * num_batches;
  const auto pixels = read_idx_prefix(dir + "/train-images-idx3-ubyte", 16, n * pixels_per_image);
  const auto labels = read_idx_prefix(dir + "/train-labels-idx1-ubyte", 8, n);
  batches b;
  for (std::size_t i = 0; i < num_batches; ++i) {
    images_t x(batch);
    labels_t y(batch);
    const std::size_t base = i * batch * pixels_per_image;
    for (std::size_t j = 0; j < batch * pixels_per_image; ++j) x.data()[j] = float(pixels[base + j]) / 255.0f;
    std::fill(y.data(), y.data() + batch * classes, 0.0f);
    for (std::size_t r = 0; r < batch; ++r) {
      const std::uint8_t label = labels[i * batch + r];
      if (label >= classes) throw sf::data_loss("lenet5_bench: label " + std::to_string(label) + " out of range");
      y.data()[r * classes + label] = 1.0f;
    }
    b.x.push_back(std::move(x));
    b.y.push_back(std::move(y));
  }
  return b;
}

/// Peak resident set (VmHWM) in MiB, from /proc/self/status.
double peak_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // the value is in kB
  return -1.0;
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// Median microseconds per call of `f(step)` over `windows` windows of `steps` calls.
template <class F>
double median_us_per_step(long steps, int windows, long& step, F&& f) {
  std::vector<double> us;
  for (int w = 0; w < windows; ++w) {
    const auto t0 = clock_type::now();
    for (long i = 0; i < steps; ++i, ++step) f(step);
    us.push_back(seconds_since(t0) * 1e6 / double(steps));
  }
  return median(us);
}

int run(const options& o) {
  const batches data = load_batches(o.data_dir);

  // nn::classifier<lenet5, adam>'s graph, built the same way (seed 1 as in the example).
  using x_type = sf::placeholder_node<float, lenet5::input_shape, "lenet5/x">;
  using y_type = sf::placeholder_node<float, sf::shape<sf::dyn, classes>, "lenet5/y">;
  nn::model<lenet5> net(sf::default_graph(), 1);
  auto logits = net(x_type{});
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_type{}, logits));
  auto train_step = sf::train::adam(0.001).minimize(loss);
  sf::session<sf::host> sess;
  sess.run(sf::global_variables_initializer());

  float last_loss = 0;
  auto train = [&](long step) {
    const std::size_t i = static_cast<std::size_t>(step) % num_batches;
    last_loss = sess.run(train_step, sf::feed(x_type{}, data.x[i]), sf::feed(y_type{}, data.y[i]));
  };
  long step = 0;
  for (; step < o.warmup;) train(step++);
  const double step_us = median_us_per_step(o.window, o.windows, step, train);

  // Batch-1 latency of the trained model, one timed call at a time.
  images_t one(1);
  std::copy(data.x[0].data(), data.x[0].data() + pixels_per_image, one.data());
  volatile float sink = 0;
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(o.infer_runs));
  for (long i = 0; i < 1000; ++i) sink = sess.run(logits, sf::feed(x_type{}, one)).data()[0];
  for (long i = 0; i < o.infer_runs; ++i) {
    const auto t0 = clock_type::now();
    const auto out = sess.run(logits, sf::feed(x_type{}, one));
    lat.push_back(seconds_since(t0) * 1e6);
    sink = out.data()[0];
  }

  std::printf("staticflow samples_per_s=%.1f step_us=%.1f infer_us=%.2f peak_mib=%.1f final_loss=%.4f\n",
              double(batch) * 1e6 / step_us, step_us, median(lat), peak_mib(), double(last_loss));
  if (o.breakdown) {
    // The forward pass alone (loss of a batch), to split a step into forward and backward+Adam.
    auto fwd = [&](long s) {
      const std::size_t i = static_cast<std::size_t>(s) % num_batches;
      sink = sess.run(loss, sf::feed(x_type{}, data.x[i]), sf::feed(y_type{}, data.y[i])).data()[0];
    };
    const double f_us = median_us_per_step(o.window, o.windows, step, fwd);
    std::printf("staticflow-breakdown forward_us=%.1f backward_and_adam_us=%.1f\n", f_us, step_us - f_us);
  }
  (void)sink;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lenet5_bench: %s\n", e.what());
    return 1;
  }
}
