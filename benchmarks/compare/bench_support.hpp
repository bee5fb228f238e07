// SPDX-License-Identifier: MIT
/// \file
/// \brief What the end-to-end comparisons share: preloaded MNIST batches read from a prefix of
/// the IDX files (so the 47 MB training file stays out of the peak-memory figure), timing by
/// median over windows, the process's peak resident memory, and the `--device` choice (the
/// CUDA builds of the comparisons are the same files compiled by nvcc).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <staticflow/core/error.hpp>
#if defined(__CUDACC__)
#include <staticflow/cuda.hpp>
#endif

namespace bench {

namespace sf = staticflow;
using clock_type = std::chrono::steady_clock;

/// The first `bytes` bytes after an IDX header of `header` bytes (plain uint8 files only).
inline std::vector<std::uint8_t> read_idx_prefix(const std::string& path, std::size_t header, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sf::not_found("bench: cannot open '" + path + "' (needs the uncompressed IDX files)");
  std::vector<std::uint8_t> out(header + bytes);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (static_cast<std::size_t>(in.gcount()) != out.size())
    throw sf::data_loss("bench: '" + path + "' is shorter than " + std::to_string(out.size()) + " bytes");
  if (out[0] != 0 || out[1] != 0 || out[2] != 0x08) throw sf::data_loss("bench: '" + path + "' is not a uint8 IDX file");
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(header));
  return out;
}

template <class Images, class Labels>
struct batches {
  std::vector<Images> x;
  std::vector<Labels> y;
};

/// `count` batches of `batch` training examples in file order: pixels / 255, one-hot labels.
template <class Images, class Labels>
batches<Images, Labels> load_batches(const std::string& dir, std::size_t batch, std::size_t count,
                                     std::size_t pixels, std::size_t classes) {
  const std::size_t n = batch * count;
  const auto image_bytes = read_idx_prefix(dir + "/train-images-idx3-ubyte", 16, n * pixels);
  const auto label_bytes = read_idx_prefix(dir + "/train-labels-idx1-ubyte", 8, n);
  batches<Images, Labels> b;
  for (std::size_t i = 0; i < count; ++i) {
    Images x(batch);
    Labels y(batch);
    const std::size_t base = i * batch * pixels;
    for (std::size_t j = 0; j < batch * pixels; ++j) x.data()[j] = float(image_bytes[base + j]) / 255.0f;
    std::fill(y.data(), y.data() + batch * classes, 0.0f);
    for (std::size_t r = 0; r < batch; ++r) {
      const std::uint8_t label = label_bytes[i * batch + r];
      if (label >= classes) throw sf::data_loss("bench: label " + std::to_string(label) + " out of range");
      y.data()[r * classes + label] = 1.0f;
    }
    b.x.push_back(std::move(x));
    b.y.push_back(std::move(y));
  }
  return b;
}

/// The flags both comparison programs take; each program gives its own defaults.
struct options {
  std::string data_dir = "data/mnist";
  long warmup = 100;
  long window = 200;
  int windows = 5;
  long infer_runs = 10000;
  bool breakdown = false;  ///< also time parts of a step separately
  std::string device = "host";
};

/// Parses `--flag value` pairs over `defaults`. **Errors:** unknown flags, bad or non-positive
/// values, and `--device cuda` in a host build: invalid_argument naming the flag (the program's
/// main prefixes its own name).
inline options parse(int argc, char** argv, options defaults) {
  options o = std::move(defaults);
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw sf::invalid_argument("flag " + flag + " needs a value");
    const std::string value = argv[++i];
    try {
      if (flag == "--data-dir") o.data_dir = value;
      else if (flag == "--warmup") o.warmup = std::stol(value);
      else if (flag == "--window") o.window = std::stol(value);
      else if (flag == "--windows") o.windows = std::stoi(value);
      else if (flag == "--infer-runs") o.infer_runs = std::stol(value);
      else if (flag == "--breakdown") o.breakdown = std::stoi(value) != 0;
      else if (flag == "--device") o.device = value;
      else throw sf::invalid_argument("unknown flag " + flag);
    } catch (const std::logic_error&) {
      throw sf::invalid_argument("bad value '" + value + "' for " + flag);
    }
  }
  if (o.warmup < 0 || o.window <= 0 || o.windows <= 0 || o.infer_runs <= 0)
    throw sf::invalid_argument("--window, --windows and --infer-runs must be positive");
#if defined(__CUDACC__)
  if (o.device != "host" && o.device != "cuda")
    throw sf::invalid_argument("--device must be host or cuda, not '" + o.device + "'");
#else
  if (o.device != "host")
    throw sf::invalid_argument("--device " + o.device +
                               ": this is the host build; the _cuda build of this program runs on the GPU");
#endif
  return o;
}

#if defined(__CUDACC__)
/// Device copies of preloaded host batches.
template <class T, class S>
std::vector<sf::tensor<T, S, sf::cuda>> to_device(const std::vector<sf::tensor<T, S, sf::host>>& host_batches) {
  std::vector<sf::tensor<T, S, sf::cuda>> out;
  out.reserve(host_batches.size());
  for (const auto& b : host_batches) out.push_back(sf::to_device(b.view()));
  return out;
}
#endif

/// Peak resident set (VmHWM) in MiB, from /proc/self/status.
inline double peak_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // the value is in kB
  return -1.0;
}

inline double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

inline double median(std::vector<double> v) {
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

/// Median microseconds of `runs` single timed calls of `f()` (after 1000 untimed ones). `f`
/// returns a host tensor whose first element is kept after the clock stops, so neither the
/// call nor the result's release is optimised into or out of the timing.
template <class F>
double median_latency_us(long runs, F&& f) {
  volatile float sink = 0;
  for (long i = 0; i < 1000; ++i) sink = static_cast<float>(f().data()[0]);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(runs));
  for (long i = 0; i < runs; ++i) {
    const auto t0 = clock_type::now();
    const auto out = f();
    us.push_back(seconds_since(t0) * 1e6);
    sink = static_cast<float>(out.data()[0]);
  }
  (void)sink;
  return median(us);
}

}  // namespace bench
