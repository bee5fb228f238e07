// SPDX-License-Identifier: MIT
/// \file
/// \brief The host's thread team: when a loop is worth splitting over OpenMP threads, and the
/// splits every host kernel uses (`split`, `for_each`); pass counters for tests.
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_PARALLEL_HPP
#define STATICFLOW_DEVICE_HOST_PARALLEL_HPP

#include <atomic>
#include <cstddef>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "staticflow/device/host/isa.hpp"

namespace staticflow {

/// How many passes of each kind the host ran, for tests that check that an elementwise chain,
/// forward or backward, costs exactly one pass (`executor<host>::passes()`). Counted only where
/// `SF_COUNT_PASSES` is defined, so the kernels' hot paths share no counter otherwise.
struct host_pass_counts {
  std::atomic<std::size_t> elementwise{0}, reduce{0}, gemm{0}, for_each{0};
};

namespace detail {
#if defined(SF_COUNT_PASSES)
inline host_pass_counts& host_passes() {
  static host_pass_counts counts;
  return counts;
}
#endif
template <auto Kind>
inline void count_pass() noexcept {
#if defined(SF_COUNT_PASSES)
  (host_passes().*Kind).fetch_add(1, std::memory_order_relaxed);
#endif
}
}  // namespace detail

/// Loops split over the OpenMP team (one contiguous share per thread), or run on the calling
/// thread when small or already inside a team.
struct host_parallel {
  /// Below this many elements one core is faster than waking a thread team.
  static constexpr std::size_t parallel_threshold = std::size_t{1} << 15;

  static bool parallel(std::size_t n) {
#if defined(_OPENMP)
    return n >= parallel_threshold && omp_get_max_threads() > 1 && !omp_in_parallel();
#else
    (void)n;
    return false;
#endif
  }

  /// Calls `f(i)` for i < n, split over cores when large: the kernel form of multi-output
  /// updates (an optimiser writes a variable and its slots in one pass). The loop is
  /// vectorised across indices, with the processor's widest vectors (device/host/isa.hpp).
  template <class F>
  static void for_each(std::size_t n, const F& f) {
    detail::count_pass<&host_pass_counts::for_each>();
    split(n, n, [&](std::size_t first, std::size_t last) {
      ops::with_simd([&](auto) {
        const F kernel = f;  // a local copy, as below
#if defined(_OPENMP)
#pragma omp simd
#endif
        for (std::size_t i = first; i < last; ++i) kernel(i);
      });
    });
  }

  /// Calls `f(i)` for i < n where each index does `elements_per_index` elements of work (a row
  /// of an image, say), so that few heavy indices are split over cores too; such kernels
  /// vectorise their own inner loops.
  template <class F>
  static void for_each(std::size_t n, const F& f, std::size_t elements_per_index) {
    detail::count_pass<&host_pass_counts::for_each>();
    split(n, n * elements_per_index, [&](std::size_t first, std::size_t last) {
      // Through a local copy, the kernel's pointers and constants are known not to change
      // under its own stores, so they stay in registers.
      const F kernel = f;
      for (std::size_t i = first; i < last; ++i) kernel(i);
    });
  }

  /// range(first, last) over [0, n): a contiguous share per thread of the team when `work` is
  /// large enough, else all of it on the calling thread.
  template <class Range>
  static void split(std::size_t n, std::size_t work, const Range& range) {
    if (parallel(work) && n > 1) {
#if defined(_OPENMP)
#pragma omp parallel
      {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        run_slice(range, n * t / team, n * (t + 1) / team);
      }
#endif
      return;
    }
    run_slice(range, 0, n);
  }

  /// range(first, last), not inlined: the team's slices and the single-thread call share one
  /// copy of the kernel's loop (inlined into both, every fused loop would be compiled twice).
  template <class Range>
  [[gnu::noinline]] static void run_slice(const Range& range, std::size_t first, std::size_t last) {
    range(first, last);
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_HOST_PARALLEL_HPP
