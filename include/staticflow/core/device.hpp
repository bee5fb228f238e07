// SPDX-License-Identifier: MIT
/// \file
/// \brief Device policy tags and the memory interface each policy implements.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>

#include "staticflow/core/error.hpp"

namespace staticflow {

/// Runs on the CPU: vectorisable loops split over cores with OpenMP; GEMM through Eigen.
struct host {
  static constexpr const char* name = "host";
  /// Kernels split work into a few coarse pieces (a row each): few threads, long loops.
  static constexpr bool fine_grained = false;
};

/// Runs on an NVIDIA GPU: one generic kernel per elementwise tree; CUB reductions; cuBLAS GEMM.
/// Its kernels exist only in translation units compiled by nvcc that include
/// `staticflow/cuda.hpp`; `device` selects the GPU (after `CUDA_VISIBLE_DEVICES`).
struct cuda {
  static constexpr const char* name = "cuda";
  /// Kernels want one thread per element written: tens of thousands of threads, short loops.
  static constexpr bool fine_grained = true;
  int device = 0;
};

template <class P>
inline constexpr bool is_policy_v = std::is_same_v<P, host> || std::is_same_v<P, cuda>;

namespace detail {
template <class>
inline constexpr bool dependent_false_v = false;
}

/// `memory<Policy>`: allocate, free and copy raw element storage on a policy's device.
/// The primary template is only declared usefully for the host here; the CUDA
/// specialisation lives in `staticflow/device/cuda/memory.cuh`.
template <class Policy>
struct memory {
  static_assert(detail::dependent_false_v<Policy>,
                "sf::cuda: the CUDA policy needs its kernels: include staticflow/cuda.hpp from a .cu file "
                "compiled by nvcc");
};

/// Host memory: 64-byte aligned, so whole cache lines and AVX-512 loads line up.
template <>
struct memory<host> {
  static constexpr std::size_t alignment = 64;

  template <class T>
  static T* allocate(std::size_t n) {
    if (n == 0) return nullptr;
    if (n > static_cast<std::size_t>(-1) / sizeof(T))
      detail::fail<resource_exhausted>({"sf::host: cannot allocate ", n, " elements: size overflows"});
    try {
      return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{alignment}));
    } catch (const std::bad_alloc&) {
      detail::fail<resource_exhausted>({"sf::host: out of memory allocating ", n * sizeof(T), " bytes"});
    }
  }
  template <class T>
  static void deallocate(T* p, std::size_t) noexcept {
    if (p) ::operator delete(static_cast<void*>(p), std::align_val_t{alignment});
  }
  template <class T>
  static void copy(T* dst, const T* src, std::size_t n) {
    if (n) std::memcpy(static_cast<void*>(dst), static_cast<const void*>(src), n * sizeof(T));
  }
  template <class T>
  static void to_host(T* dst, const T* src, std::size_t n) { copy(dst, src, n); }
  template <class T>
  static void from_host(T* dst, const T* src, std::size_t n) { copy(dst, src, n); }
};

}  // namespace staticflow
