// SPDX-License-Identifier: MIT
/// \file
/// \brief Small Thrust passes over raw device pointers (fill, divide, scale) used by the CUDA executor.
///
/// Each takes the Thrust execution policy to run under: the CUDA executor passes
/// `thrust::cuda::par_nosync.on(stream)` (its current stream, no wait for the result); with no
/// CUDA runtime call here, the same code also compiles with g++/clang and runs on the CPU under
/// `thrust::device` when Thrust's device system is `THRUST_DEVICE_SYSTEM_CPP` (tests/thrust_cpp
/// check it that way in GPU-less CI). Under the CUDA system the pointers must be device memory;
/// under the CPP system they are host memory.
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_ALGORITHMS_HPP
#define STATICFLOW_DEVICE_CUDA_ALGORITHMS_HPP

#include <cstddef>
#include <exception>
#include <string>

#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/transform.h>

#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"

namespace staticflow::detail {

template <class T>
struct divide_by {
  T divisor;
  SF_HD T operator()(T x) const { return x / divisor; }
};

template <class T>
struct multiply_by {
  T factor;
  SF_HD T operator()(T x) const { return x * factor; }
};

/// Runs a Thrust call and turns its exceptions (thrust::system_error, bad_alloc) into ours.
template <class F>
void thrust_checked(const char* what, std::size_t n, F&& f) {
  try {
    f();
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw internal_error(std::string("sf::cuda: ") + what + " over " + std::to_string(n) +
                         " elements failed: " + e.what());
  }
}

/// data[i] = value for i < n.
template <class Exec, class T>
void device_fill(const Exec& exec, T* data, std::size_t n, T value) {
  if (n == 0) return;
  thrust_checked("thrust::fill_n", n, [&] { thrust::fill_n(exec, data, n, value); });
}

/// data[i] = data[i] / divisor for i < n (a mean from a sum: divides, as the host executor does,
/// rather than multiplying by a rounded reciprocal).
template <class Exec, class T>
void device_divide(const Exec& exec, T* data, std::size_t n, T divisor) {
  if (n == 0) return;
  thrust_checked("thrust::transform (divide)", n,
                 [&] { thrust::transform(exec, data, data + n, data, divide_by<T>{divisor}); });
}

/// data[i] = data[i] * factor for i < n; factor 0 writes zeros (BLAS's beta = 0 ignores NaNs in C).
template <class Exec, class T>
void device_scale(const Exec& exec, T* data, std::size_t n, T factor) {
  if (n == 0 || factor == T(1)) return;
  if (factor == T(0)) return device_fill(exec, data, n, T(0));
  thrust_checked("thrust::transform (scale)", n,
                 [&] { thrust::transform(exec, data, data + n, data, multiply_by<T>{factor}); });
}

}  // namespace staticflow::detail
#endif  // STATICFLOW_DEVICE_CUDA_ALGORITHMS_HPP
