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

/// `value` when this build can run on that device, else invalid_argument saying which build can.
inline std::string checked_device(const std::string& program, const std::string& value) {
#if defined(__CUDACC__)
  if (value == "host" || value == "cuda") return value;
  throw sf::invalid_argument(program + ": --device must be host or cuda, not '" + value + "'");
#else
  if (value == "host") return value;
  throw sf::invalid_argument(program + ": --device " + value +
                             ": this is the host build; the _cuda build of this program runs on the GPU");
#endif
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

}  // namespace bench
