// SPDX-License-Identifier: MIT
/// \file
/// \brief Device policy tags and the memory interface each policy implements.
#pragma once
#ifndef STATICFLOW_CORE_DEVICE_HPP
#define STATICFLOW_CORE_DEVICE_HPP

#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>

#include "staticflow/core/error.hpp"

namespace staticflow {

/// Runs on the CPU: vectorisable loops split over cores with OpenMP; GEMM through staticflow's
/// own packed kernel (device/host/gemm.hpp).
struct host {
  static constexpr const char* name = "host";
};

/// Runs on an NVIDIA GPU: one generic kernel per elementwise tree; CUB reductions; cuBLAS GEMM.
/// Its kernels exist only in translation units compiled by nvcc that include
/// `staticflow/cuda.hpp`; `device` selects the GPU (after `CUDA_VISIBLE_DEVICES`).
struct cuda {
  static constexpr const char* name = "cuda";
  int device = 0;
};

namespace detail {
template <class>
inline constexpr bool dependent_false_v = false;
}

/// `device_kernel<Kernels, Policy>`: a heavy op's kernels on one device, specialised in the
/// file named by op and device (`device_kernel<conv2d_kernels, host>` in device/host/conv2d.hpp,
/// `<conv2d_kernels, cuda>` in device/cuda/conv2d.cuh), so the algorithm a device runs is
/// chosen there, not in the op.
template <class Kernels, class Policy>
struct device_kernel {
  static_assert(detail::dependent_false_v<Policy>,
                "sf: no kernels of this op for this device: the host umbrella staticflow/staticflow.hpp includes "
                "device/host/*, staticflow/cuda.hpp (from a .cu file) device/cuda/*");
};

/// `memory<Policy>`: allocate, free and copy raw element storage on a policy's device.
/// The primary template is only declared usefully for the host here; the CUDA
/// specialisation lives in `staticflow/device/cuda/memory.cuh`.
template <class Policy>
struct memory {
  static_assert(detail::dependent_false_v<Policy>,
                "sf::cuda: the CUDA policy needs its kernels: include staticflow/cuda.hpp from a .cu file "
                "compiled by nvcc");
  // Declared, never defined: the tensor that calls them adds no errors to the one above.
  template <class T>
  static T* allocate(std::size_t n);
  template <class T>
  static void deallocate(T* p, std::size_t n) noexcept;
  template <class T>
  static void copy(T* dst, const T* src, std::size_t n);
  template <class T>
  static void to_host(T* dst, const T* src, std::size_t n);
  template <class T>
  static void from_host(T* dst, const T* src, std::size_t n);
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
#endif  // STATICFLOW_CORE_DEVICE_HPP
