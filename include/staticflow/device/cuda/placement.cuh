// SPDX-License-Identifier: MIT
/// \file
/// \brief `device_runtime<cuda>`: how a `session<sf::cuda>` checks, selects and configures its GPU,
/// and the stream it queues its work on.
///
/// Needs only the CUDA runtime. Device indices are those the runtime exposes, i.e. after
/// `CUDA_VISIBLE_DEVICES` has renumbered them (`CUDA_VISIBLE_DEVICES=2,3` makes physical GPU 3
/// `sf::cuda{1}`); nothing here reads the variable except to quote it in error messages.
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_PLACEMENT_CUH
#define STATICFLOW_DEVICE_CUDA_PLACEMENT_CUH

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include <cuda_runtime_api.h>

#include "staticflow/core/device.hpp"
#include "staticflow/device/config.hpp"
#include "staticflow/device/cuda/device_query.hpp"
#include "staticflow/device/cuda/error.hpp"
#include "staticflow/device/cuda/memory.cuh"
#include "staticflow/device/cuda/stream.cuh"

namespace staticflow {

namespace detail {

/// `SF_FORCE_GPU_ALLOW_GROWTH=true` (or 1) turns on allow_growth for every session, like
/// TF_FORCE_GPU_ALLOW_GROWTH: lets CI run GPU tests side by side without each reserving the GPU.
inline bool cuda_force_allow_growth() {
  const char* v = std::getenv("SF_FORCE_GPU_ALLOW_GROWTH");
  return v && (std::strcmp(v, "true") == 0 || std::strcmp(v, "1") == 0);
}

inline std::string cuda_visible_devices_note() {
  const char* v = std::getenv("CUDA_VISIBLE_DEVICES");
  return v ? std::string(" (CUDA_VISIBLE_DEVICES=") + v + ")" : std::string();
}

}  // namespace detail

template <>
struct device_runtime<cuda> {
  /// "" when `p.device` names a usable device; else the runtime's reason or the index problem.
  /// Never throws a CUDA error and never aborts: every probe failure is a reason.
  static std::string unavailable_reason(const cuda& p) {
    const auto probe = detail::probe_cuda_devices();
    if (probe.status != cudaSuccess || probe.count == 0) return cuda_unavailable_reason();
    if (p.device < 0 || p.device >= probe.count)
      return "device index " + std::to_string(p.device) + " is out of range: " + std::to_string(probe.count) +
             " CUDA device(s) visible" + detail::cuda_visible_devices_note();
    return {};
  }

  /// A session's own stream (blocking with respect to the legacy default stream, see
  /// stream.cuh); empty until `make_stream`. Destroying it waits for the work queued on it and
  /// clears the allocator's tags of it, so blocks the session freed are free for any stream.
  class stream {
   public:
    stream() = default;
    explicit stream(cudaStream_t handle) noexcept : handle_(handle) {}
    stream(stream&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    stream& operator=(stream&& other) noexcept {
      if (this != &other) {
        release();
        handle_ = std::exchange(other.handle_, nullptr);
      }
      return *this;
    }
    ~stream() { release(); }
    cudaStream_t get() const noexcept { return handle_; }

   private:
    void release() noexcept {
      if (!handle_) return;
      cudaStreamSynchronize(handle_);
      detail::cuda_block_cache::instance().retire_stream(handle_);
      cudaStreamDestroy(handle_);
      cudaGetLastError();  // nothing useful can be done about a failure in a destructor
      handle_ = nullptr;
    }
    cudaStream_t handle_ = nullptr;
  };

  /// A new stream on the current device (the session activates its device first).
  static stream make_stream(const cuda&) {
    cudaStream_t handle = nullptr;
    SF_CUDA_CHECK(cudaStreamCreate(&handle));
    return stream(handle);
  }

  /// Makes `p.device` current for this thread (cudaSetDevice only when it is not already), and
  /// `s` the thread's current stream until the returned scope ends.
  static detail::stream_scope activate(const cuda& p, const stream& s) {
    int current = -1;
    SF_CUDA_CHECK(cudaGetDevice(&current));
    if (current != p.device) SF_CUDA_CHECK(cudaSetDevice(p.device));
    return detail::stream_scope(s.get());
  }

  /// Applies the memory settings to the (current) device; reports settings that could not be
  /// applied because another session configured the device first and its memory is still held.
  static void configure(const cuda& p, const device_config& c) {
    const bool growth = c.allow_growth || detail::cuda_force_allow_growth();
    if (detail::cuda_block_cache::instance().configure(c.per_process_gpu_memory_fraction, growth)) return;
    const auto i = cuda_memory_usage(p.device);
    log_line("sf: cuda:" + std::to_string(p.device) + " keeps allow_growth = " + (i.allow_growth ? "true" : "false") +
             ", per_process_gpu_memory_fraction = " + std::to_string(i.fraction) +
             " from an earlier session while it holds memory; this session's settings are ignored");
  }

  static std::string placement_name(const cuda& p) { return "cuda:" + std::to_string(p.device); }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CUDA_PLACEMENT_CUH
