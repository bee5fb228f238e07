// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::device_config` (TensorFlow's ConfigProto/GPUOptions device controls) and the log
/// sink for placement messages. (`device_runtime<Policy>`, through which a session applies the
/// config, is in core/device.hpp with the other per-policy templates.)
///
/// Host-compilable: no CUDA headers.
#pragma once
#ifndef STATICFLOW_DEVICE_CONFIG_HPP
#define STATICFLOW_DEVICE_CONFIG_HPP

#include <cmath>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "staticflow/core/error.hpp"

namespace staticflow {

/// How a session uses its device (TF 1.x: `ConfigProto.allow_soft_placement`,
/// `log_device_placement`, `GPUOptions.allow_growth`, `per_process_gpu_memory_fraction`).
///
/// Device selection itself is the policy's: `sf::session<sf::cuda> s(g, sf::cuda{1}, config)`
/// runs on the second *visible* device. `CUDA_VISIBLE_DEVICES` is applied by the CUDA runtime
/// before staticflow sees any device, so index 0 is the first device it lists.
///
/// **Example:** `sf::session<sf::cuda> s(g, sf::cuda{0}, {.allow_soft_placement = true, .allow_growth = true});`
struct device_config {
  /// When the policy's device is unusable (no driver, no GPU, index out of range), run the whole
  /// session on the host and warn once instead of throwing `sf::invalid_argument`.
  bool allow_soft_placement = false;
  /// Print (to the log sink, stderr by default) the device of each op kind the first time a
  /// session runs it: `sf: placement: sf::matmul -> cuda:0`.
  bool log_device_placement = false;
  /// false: reserve the device's memory pool up front when the session is created (TF's default);
  /// true: take device memory only as tensors need it. The environment variable
  /// `SF_FORCE_GPU_ALLOW_GROWTH=true` forces true (as TF_FORCE_GPU_ALLOW_GROWTH does).
  bool allow_growth = false;
  /// Upper bound on the device memory the process's allocator takes, as a fraction of the
  /// device's total memory, in (0, 1]. Exceeding it throws `sf::resource_exhausted`.
  double per_process_gpu_memory_fraction = 1.0;
  /// Check every value a run computes into memory (each op's output, the fetched result) and
  /// every gradient of a step for NaN and infinity (TF 1.x's `add_check_numerics_ops`): the
  /// first bad one throws `sf::invalid_argument` naming the op that produced it and the flat
  /// index. A step that throws applies no update. Costs a pass over each value (and, on a GPU,
  /// a copy to the host): for finding where a NaN comes from, not for every run.
  bool check_numerics = false;

  /// Throws `sf::invalid_argument` naming the bad field and value.
  void validate() const {
    const double f = per_process_gpu_memory_fraction;
    if (!(f > 0.0 && f <= 1.0))  // also rejects NaN
      detail::fail<invalid_argument>({"sf::device_config: per_process_gpu_memory_fraction must lie in (0, 1], got ",
                                      f});
  }

  friend bool operator==(const device_config&, const device_config&) = default;
};

// ---- log sink ---------------------------------------------------------------------------------------

/// Receives one line (without the trailing newline) of placement logs and placement warnings.
using log_sink = std::function<void(std::string_view line)>;

namespace detail {

struct log_sink_state {
  std::mutex mutex;
  log_sink sink;  ///< empty: stderr
};
inline log_sink_state& log_sink_instance() {
  static log_sink_state state;
  return state;
}

}  // namespace detail

/// Replaces the process's log sink (an empty function restores stderr) and returns the previous
/// one. Lets applications route staticflow's messages into their own logging, and tests capture them.
inline log_sink set_log_sink(log_sink sink) {
  auto& s = detail::log_sink_instance();
  std::lock_guard<std::mutex> lock(s.mutex);
  return std::exchange(s.sink, std::move(sink));
}

/// Writes one line to the log sink.
inline void log_line(std::string_view line) {
  auto& s = detail::log_sink_instance();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.sink) return s.sink(line);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CONFIG_HPP
