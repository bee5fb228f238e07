// SPDX-License-Identifier: MIT
/// \file
/// \brief `device_runtime<cuda>`: how a `session<sf::cuda>` checks, selects and configures its GPU.
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

#include <cuda_runtime_api.h>

#include "staticflow/core/device.hpp"
#include "staticflow/device/config.hpp"
#include "staticflow/device/cuda/device_query.hpp"
#include "staticflow/device/cuda/error.hpp"
#include "staticflow/device/cuda/memory.cuh"

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

  /// Makes `p.device` current for this thread; cudaSetDevice only when it is not already.
  static void activate(const cuda& p) {
    int current = -1;
    SF_CUDA_CHECK(cudaGetDevice(&current));
    if (current != p.device) SF_CUDA_CHECK(cudaSetDevice(p.device));
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
