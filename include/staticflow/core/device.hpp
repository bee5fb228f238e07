// SPDX-License-Identifier: MIT
/// \file
/// \brief Device policy tags and what each policy provides (`memory`, `executor`, `device_runtime`),
/// gathered in the concept `device_policy`.
#pragma once
#ifndef STATICFLOW_CORE_DEVICE_HPP
#define STATICFLOW_CORE_DEVICE_HPP

#include <concepts>
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
/// A stand-in index function for the `device_policy` check (never called).
struct index_function {
  void operator()(std::size_t) const;
};
}  // namespace detail

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
/// The host's is below; the CUDA specialisation lives in `staticflow/device/cuda/memory.cuh`.
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

/// `executor<Policy>`: the kernels of a device (elementwise pass, reduce, arg-reduce, GEMM,
/// `for_each`). Specialised in `device/host/executor.hpp` and `device/cuda/executor.cuh`.
template <class Policy>
struct executor {
  static_assert(detail::dependent_false_v<Policy>,
                "sf::executor: no kernels for this policy; for sf::cuda include staticflow/cuda.hpp from a .cu file");
};

struct device_config;  // device/config.hpp: what a session asks of its device

/// A session's stream, and the scope `activate` returns, where a policy has no streams: nothing.
struct no_stream {};

/// `device_runtime<Policy>`: what a session needs from its device, per policy:
/// - `unavailable_reason(policy)`: "" when the device can be used, else why not;
/// - `stream` and `make_stream(policy)`: the session's own queue of work (created after the
///   device is made current);
/// - `activate(policy, stream)`: makes the device current for the calling thread, and `stream`
///   the thread's current stream for as long as the returned object lives (before allocations
///   and kernels);
/// - `configure(policy, config)`: applies the memory settings (called after `activate`);
/// - `placement_name(policy)`: "host", "cuda:1", ...
/// The CUDA specialisation lives in `staticflow/device/cuda/placement.cuh`.
template <class Policy>
struct device_runtime {
  static_assert(detail::dependent_false_v<Policy>,
                "sf::session: the CUDA policy needs its runtime: include staticflow/cuda.hpp from a .cu file "
                "compiled by nvcc");
};

/// The host is always there, queues nothing and has no settings: every hook is free.
template <>
struct device_runtime<host> {
  using stream = no_stream;
  static std::string unavailable_reason(const host&) { return {}; }
  static stream make_stream(const host&) noexcept { return {}; }
  static no_stream activate(const host&, const stream&) noexcept { return {}; }
  static void configure(const host&, const device_config&) noexcept {}
  static std::string placement_name(const host&) { return "host"; }
};

/// A device policy: a tag with a name, and its `memory`, `executor` and `device_runtime`.
/// For `sf::cuda` in a translation unit without staticflow/cuda.hpp, checking it stops at the
/// primary templates' messages, which say what to include.
template <class P>
concept device_policy =
    std::copyable<P> && std::default_initializable<P> &&
    requires(const P& p, const typename device_runtime<P>::stream& s, const device_config& c, float* x,
             std::size_t n) {
      { P::name } -> std::convertible_to<const char*>;
      { memory<P>::template allocate<float>(n) } -> std::same_as<float*>;
      memory<P>::deallocate(x, n);
      memory<P>::copy(x, x, n);
      memory<P>::to_host(x, x, n);
      memory<P>::from_host(x, x, n);
      executor<P>::for_each(n, detail::index_function{});
      { device_runtime<P>::unavailable_reason(p) } -> std::convertible_to<std::string>;
      { device_runtime<P>::make_stream(p) } -> std::same_as<typename device_runtime<P>::stream>;
      device_runtime<P>::activate(p, s);
      device_runtime<P>::configure(p, c);
      { device_runtime<P>::placement_name(p) } -> std::convertible_to<std::string>;
    };

}  // namespace staticflow
#endif  // STATICFLOW_CORE_DEVICE_HPP
