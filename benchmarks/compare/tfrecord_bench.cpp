// SPDX-License-Identifier: MIT
/// \file
/// \brief TFRecord input speed (benchmarks/compare/run_tfrecord runs it beside `cat` and the npm
/// `tfrecord` reader): each command prints one machine-readable line.
///
///   compare_tfrecord write-mnist MNIST_DIR OUT          MNIST's training split as the seed's Examples
///   compare_tfrecord write-big OUT [RECORDS [BYTES]]    RECORDS (64) records of BYTES (1 MiB) random bytes
///   compare_tfrecord read FILE [REPS]                   read every record, both CRCs checked (best of REPS)
///   compare_tfrecord parse FILE THREADS [REPS]          MNIST Examples to [100, 784] float batches and one-hot
///                                                       labels, on THREADS threads (records preloaded)
///   compare_tfrecord train MNIST_DIR GLOB [STEPS]       LeNet-5 (batch 64) fed from preloaded arrays and
///                                                       from the TFRecord files, alternated, samples/s each
#include <staticflow/staticflow.hpp>
#include <staticflow/data.hpp>
#include <staticflow/io.hpp>
#include <staticflow/nn/conv.hpp>
#include <staticflow/nn/trainer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sf = staticflow;
namespace sd = staticflow::data;
namespace io = staticflow::io;
namespace nn = staticflow::nn;

namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

int write_mnist(const std::string& dir, const std::string& out) {
  const auto data = sd::read_data_sets(dir);
  sd::write_mnist_tfrecord(data.train, out);
  std::printf("wrote %zu examples to %s\n", data.train.num_examples(), out.c_str());
  return 0;
}

int write_big(const std::string& out, std::size_t records, std::size_t bytes) {
  std::mt19937_64 rng(1);
  std::string rec(bytes, '\0');
  io::tfrecord_writer w(out);
  for (std::size_t r = 0; r < records; ++r) {
    for (std::size_t i = 0; i + 8 <= bytes; i += 8) {
      const std::uint64_t v = rng();
      std::memcpy(rec.data() + i, &v, 8);
    }
    w.write(rec);
  }
  w.close();
  std::printf("wrote %zu records of %zu bytes to %s\n", records, bytes, out.c_str());
  return 0;
}

int read(const std::string& file, int reps) {
  double best = 1e30;
  std::uint64_t records = 0, bytes = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t = clock_type::now();
    io::tfrecord_reader reader(file);
    while (reader.next()) {}
    best = std::min(best, seconds_since(t));
    records = reader.records_read(), bytes = reader.offset();
  }
  std::printf("staticflow-read file=%s records=%llu bytes=%llu mb_per_s=%.1f records_per_s=%.0f\n", file.c_str(),
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(bytes), double(bytes) / best / 1e6,
              double(records) / best);
  return 0;
}

int parse(const std::string& file, std::size_t threads, int reps) {
  constexpr std::size_t batch = 100;
  const std::vector<std::string> records = io::read_tfrecord_file(file);
  std::vector<std::vector<std::string>> batches;
  for (std::size_t i = 0; i + batch <= records.size(); i += batch)
    batches.emplace_back(records.begin() + static_cast<std::ptrdiff_t>(i), records.begin() + static_cast<std::ptrdiff_t>(i + batch));
  double best = 1e30;
  volatile float sink = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t = clock_type::now();
    std::vector<std::thread> pool;
    for (std::size_t k = 0; k < threads; ++k)
      pool.emplace_back([&, k] {
        float s = 0;
        for (std::size_t b = k; b < batches.size(); b += threads) {
          const auto [x, y] = sd::decode_mnist_examples(batches[b]);
          s += x.data()[400] + y.data()[3];
        }
        sink = s;
      });
    for (auto& th : pool) th.join();
    best = std::min(best, seconds_since(t));
  }
  (void)sink;
  std::printf("staticflow-parse threads=%zu records=%zu records_per_s=%.0f\n", threads, batches.size() * batch,
              double(batches.size() * batch) / best);
  return 0;
}

using lenet5 = nn::sequential<nn::input<28, 28, 1>,                                 //
                              nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,  //
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>, //
                              nn::flatten, nn::dense<120>, nn::relu, nn::dense<84>, nn::relu, nn::dense<10>>;

int train(const std::string& dir, const std::string& glob, std::size_t steps) {
  auto data = sd::read_data_sets(dir, {.one_hot = true, .seed = 1});
  nn::classifier<lenet5, sf::train::adam> trainer(sf::train::adam(0.001), 1);
  const auto from_files = sd::mnist_tfrecord_batches<lenet5::input_shape>(glob, {.batch = 64, .seed = 1});
  nn::fit_options fit;
  fit.batch = 64, fit.max_steps = steps, fit.progress = false;
  trainer.fit(data.train, fit);  // warm-up
  double preloaded = 0, files = 0;
  for (int round = 0; round < 2; ++round) {
    auto t = clock_type::now();
    trainer.fit(data.train, fit);
    preloaded += seconds_since(t);
    t = clock_type::now();
    trainer.fit(from_files, fit);
    files += seconds_since(t);
  }
  const double n = 2.0 * double(steps * 64);
  std::printf("staticflow-train lenet5 steps=%zu preloaded_samples_per_s=%.0f tfrecord_samples_per_s=%.0f ratio=%.3f\n",
              steps, n / preloaded, n / files, preloaded / files);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> a(argv + 1, argv + argc);
    const auto arg = [&](std::size_t i, const char* fallback) { return i < a.size() ? a[i] : std::string(fallback); };
    if (a.size() >= 3 && a[0] == "write-mnist") return write_mnist(a[1], a[2]);
    if (a.size() >= 2 && a[0] == "write-big") return write_big(a[1], std::stoul(arg(2, "64")), std::stoul(arg(3, "1048576")));
    if (a.size() >= 2 && a[0] == "read") return read(a[1], std::stoi(arg(2, "5")));
    if (a.size() >= 3 && a[0] == "parse") return parse(a[1], std::stoul(a[2]), std::stoi(arg(3, "5")));
    if (a.size() >= 3 && a[0] == "train") return train(a[1], a[2], std::stoul(arg(3, "300")));
    std::fputs("usage: compare_tfrecord write-mnist|write-big|read|parse|train ... (see the file comment)\n", stderr);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_tfrecord: %s\n", e.what());
    return 1;
  }
}
