// SPDX-License-Identifier: MIT
/// \file
/// \brief Turns failed CUDA runtime and cuBLAS calls into staticflow exceptions.
///
/// `SF_CUDA_CHECK(cudaMemcpy(...))` throws `sf::internal_error` whose message holds the call as
/// written, file:line and the runtime's error name and string. Usable from nvcc translation units
/// and from host `.cpp` files that link `CUDA::cudart` (no kernels here).
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_ERROR_HPP
#define STATICFLOW_DEVICE_CUDA_ERROR_HPP

#include <string>

#include <cuda_runtime_api.h>

#include "staticflow/core/error.hpp"

namespace staticflow::detail {

/// "call (file:line)" — where a failed call was made, for every CUDA error message.
inline std::string cuda_call_site(const char* call, const char* file, int line) {
  return std::string(call) + " (" + file + ":" + std::to_string(line) + ")";
}

/// Throws `internal_error` unless `status` is success. The sticky "last error" is cleared first,
/// so one failure does not make every later check fail too.
inline void cuda_check(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  cudaGetLastError();
  throw internal_error("sf::cuda: " + cuda_call_site(call, file, line) + " failed: " + cudaGetErrorName(status) +
                       ": " + cudaGetErrorString(status));
}

}  // namespace staticflow::detail

/// Checks a CUDA runtime call; throws `sf::internal_error` naming the call, file:line and the error.
#define SF_CUDA_CHECK(call) ::staticflow::detail::cuda_check((call), #call, __FILE__, __LINE__)
#endif  // STATICFLOW_DEVICE_CUDA_ERROR_HPP
