// SPDX-License-Identifier: MIT
/// \file
/// \brief Is there a usable GPU? Device count, availability and the reason when there is none.
///
/// Needs only the CUDA runtime (no kernels): include it from `.cu` files or from host `.cpp`
/// files that link `CUDA::cudart`. Nothing here throws or aborts: on a machine without a driver
/// `cudaGetDeviceCount` fails (35: insufficient driver, 34: stub library, 100: no device), and
/// every such failure simply means "no GPU".
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_DEVICE_QUERY_HPP
#define STATICFLOW_DEVICE_CUDA_DEVICE_QUERY_HPP

#include <string>

#include <cuda_runtime_api.h>

namespace staticflow {

namespace detail {

/// The device count, or the runtime's error; the sticky error is cleared either way.
struct cuda_device_probe {
  int count = 0;
  cudaError_t status = cudaSuccess;
};

inline cuda_device_probe probe_cuda_devices() noexcept {
  cuda_device_probe p;
  p.status = cudaGetDeviceCount(&p.count);
  if (p.status != cudaSuccess) p.count = 0;
  cudaGetLastError();  // later checked calls must not see this failure
  return p;
}

}  // namespace detail

/// Number of usable CUDA devices; 0 whenever the runtime reports any error (no driver, no device).
inline int cuda_device_count() noexcept { return detail::probe_cuda_devices().count; }

/// True when at least one CUDA device can be used.
inline bool cuda_available() noexcept { return cuda_device_count() > 0; }

/// Why no device is usable ("" when one is): the runtime's error name and string, e.g.
/// "cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version".
inline std::string cuda_unavailable_reason() {
  const auto p = detail::probe_cuda_devices();
  if (p.status != cudaSuccess)
    return std::string(cudaGetErrorName(p.status)) + " (" + std::to_string(static_cast<int>(p.status)) +
           "): " + cudaGetErrorString(p.status);
  if (p.count == 0) return "the CUDA runtime reports 0 devices";
  return {};
}

/// The device's name, e.g. "NVIDIA H100 80GB HBM3", or "" when it cannot be queried.
inline std::string cuda_device_name(int device = 0) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    cudaGetLastError();
    return {};
  }
  return prop.name;
}

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CUDA_DEVICE_QUERY_HPP
