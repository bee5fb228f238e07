// SPDX-License-Identifier: MIT
/// \file
/// \brief The host executor: vectorisable loops and matrix products split over cores with OpenMP.
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_EXECUTOR_HPP
#define STATICFLOW_DEVICE_HOST_EXECUTOR_HPP

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "staticflow/core/device.hpp"
#include "staticflow/expr/assign.hpp"
#include "staticflow/ops/elementwise.hpp"
#include "staticflow/device/host/gemm.hpp"
#include "staticflow/device/host/reduce.hpp"
#include "staticflow/device/host/vector_matrix.hpp"

namespace staticflow {

/// The host's kernels: the thread team (device/host/parallel.hpp), reductions
/// (device/host/reduce.hpp), the elementwise pass and GEMM scheduling (here).
template <>
struct executor<host> : host_reductions {
#if defined(SF_COUNT_PASSES)
  static host_pass_counts& passes() { return detail::host_passes(); }
#endif

  /// out[i] = ev.coeff(i) for i < n: one pass, no temporaries, row by row along the output's
  /// last axis (`row_length` elements; `row_of`): broadcast operands cost their index
  /// arithmetic once per row, and the inner loop is contiguous and vectorises. A short last
  /// axis whose length the shape fixes (6 channels, say) comes as a `std::integral_constant`:
  /// the loop over a row is then unrolled into a few vector operations, not run element by
  /// element.
  template <class T, class Ev, class Length>
  static void elementwise(T* __restrict out, std::size_t n, Length row_length, const Ev& ev) {
    detail::count_pass<&host_pass_counts::elementwise>();
    if (n == 0) return;
    if constexpr (std::is_same_v<Length, std::size_t>)
      if (row_length == 0 || n % row_length != 0) return by_rows(out, n, n, ev);  // one row
    by_rows(out, n, row_length, ev);
  }

 private:
  /// The rows of `length` elements (a run-time value or a std::integral_constant) split over
  /// the team; each row is one contiguous loop, vectorised with the processor's widest vectors
  /// (device/host/isa.hpp).
  template <class T, class Ev, class Length>
  static void by_rows(T* __restrict out, std::size_t n, Length length, const Ev& ev) {
    split(n / length, n, [&](std::size_t first, std::size_t last) {
      ops::with_simd([&](auto) {
        for (std::size_t r = first; r < last; ++r) {
          const auto in = row_of(ev, r * length);
          T* __restrict dst = out + r * length;
#if defined(_OPENMP)
#pragma omp simd
#endif
          for (std::size_t j = 0; j < length; ++j) dst[j] = in.coeff(j);
        }
      });
    });
  }

 public:

  /// C = alpha * op(A) * op(B) + beta * C, row-major, op transposing when its flag is set.
  /// Large products are split into slices of C's rows or columns (whichever extent is larger)
  /// over the OpenMP team, each thread running `ops::gemm_block` on its slice: no
  /// synchronisation inside the product (a shared packed block would need a barrier at every
  /// block and stall whenever one of the team is descheduled), at the price of each thread
  /// packing the operand it shares. One row of float32 (batch-1 inference) runs
  /// `ops::vector_matrix`, which reads the weights as stored instead of packing them.
  template <class T>
  static void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, const T* b,
                   T beta, T* c) {
    if constexpr (std::is_same_v<T, float>)
      if (m == 1 && !tb) return vector_matrix(n, k, alpha, a, b, beta, c);
    detail::count_pass<&host_pass_counts::gemm>();
    const bool by_rows = m > n;
    const int threads = gemm_threads<T>(m, n, k, by_rows ? m : n);
    if (threads <= 1) {
      if (const int inner = gemm_inner_threads<T>(m, n, k); inner > 1)
        return gemm_split_inner(ta, tb, m, n, k, alpha, a, b, beta, c, inner);
      return ops::gemm_block(ta, tb, m, n, k, alpha, a, b, beta, c, {0, m}, {0, n}, {0, k});
    }
    on_slices(threads, by_rows ? m : n, [&](range slice) {
      if (by_rows) ops::gemm_block(ta, tb, m, n, k, alpha, a, b, beta, c, slice, {0, n}, {0, k});
      else ops::gemm_block(ta, tb, m, n, k, alpha, a, b, beta, c, {0, m}, slice, {0, k});
    });
  }

  /// C = alpha op(A) op(B) + beta C with float32 A and C and bfloat16 weights B, widened as
  /// they are read: one row of A (batch-1 inference) runs `vector_matrix`; more rows, or B
  /// transposed (a gradient through the weights), widen B into a buffer per calling thread and
  /// run the float32 GEMM. (A template, though only float32 instantiates it: a plain function
  /// would instantiate the float32 GEMM in every translation unit.)
  template <class T>
  static void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                   const bfloat16* b, T beta, T* c) {
    static_assert(std::is_same_v<T, float>, "sf::matmul: bfloat16 weights multiply float32 operands");
    if (m == 1 && !tb) return vector_matrix(n, k, alpha, a, b, beta, c);
    thread_local std::vector<T> wide;
    if (wide.size() < k * n) wide.resize(k * n);
    ops::widen(b, k * n, wide.data());
    gemm(ta, tb, m, n, k, alpha, a, static_cast<const T*>(wide.data()), beta, c);
  }

  /// C = op(A) op(B) + bias (bias[j] added to column j), then max(., 0) when `relu`: a dense
  /// layer. The epilogue runs over C while its rows are still in cache, with no temporary.
  /// `W` is `T`, or bfloat16 weights for float32 `T`.
  template <class T, class W>
  static void gemm_bias(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a, const W* b,
                        const T* bias, bool relu, T* c) {
    gemm(ta, tb, m, n, k, T(1), a, b, T(0), c);
    const auto rows = static_cast<std::ptrdiff_t>(m);
    auto row = [&](std::ptrdiff_t i) {
      T* out = c + static_cast<std::size_t>(i) * n;
#if defined(_OPENMP)
#pragma omp simd
#endif
      for (std::size_t j = 0; j < n; ++j) {
        const T v = out[j] + bias[j];
        out[j] = relu ? ops::relu{}(v) : v;
      }
    };
    if (parallel(m * n)) {
#if defined(_OPENMP)
#pragma omp parallel for schedule(static)
      for (std::ptrdiff_t i = 0; i < rows; ++i) row(i);
#endif
      return;
    }
    for (std::ptrdiff_t i = 0; i < rows; ++i) row(i);
  }

 private:
  using range = ops::index_range;
  /// c = alpha a B + beta c for one row a (op(A) with m == 1 is a's k values whether transposed
  /// or not), split by columns over the team as `gemm` splits: each core keeps its slice of B
  /// in its own L2 from call to call.
  template <class W>
  static void vector_matrix(std::size_t n, std::size_t k, float alpha, const float* a, const W* b, float beta,
                            float* c) {
    detail::count_pass<&host_pass_counts::gemm>();
    const int threads = gemm_threads<W>(1, n, k, n);
    if (threads <= 1) return ops::vector_matrix(n, k, alpha, a, b, beta, c, 0, n);
    on_slices(threads, n,
              [&](range slice) { ops::vector_matrix(n, k, alpha, a, b, beta, c, slice.first, slice.last); });
  }

  /// f(slice) on each of `threads` threads for its share of [0, extent): whole groups of 16 (a
  /// cache line of floats) per thread; a thread left with nothing is not called.
  template <class F>
  static void on_slices(int threads, std::size_t extent, const F& f) {
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
    {
      const auto team = static_cast<std::size_t>(omp_get_num_threads());
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      const std::size_t groups = (extent + 15) / 16;
      const range slice{std::min(extent, groups * t / team * 16), std::min(extent, groups * (t + 1) / team * 16)};
      if (slice.first < slice.last) f(slice);
    }
#else
    (void)threads;
    f(range{0, extent});
#endif
  }
  /// Products below this many multiply-adds run on one thread: waking the team costs more...
  static constexpr std::size_t gemm_parallel_work = std::size_t{1} << 21;
  /// ...unless their operands outgrow a core's L2 (a batch-1 layer streaming its weights):
  /// split, each core keeps its slice of the weights in its own cache from call to call.
  static constexpr std::size_t gemm_parallel_bytes = std::size_t{1} << 19;

  /// Threads for a product whose split extent is `extent`: at least 64 rows or columns each.
  template <class T>
  static int gemm_threads(std::size_t m, std::size_t n, std::size_t k, std::size_t extent) {
#if defined(_OPENMP)
    const bool heavy = m * n * k >= gemm_parallel_work || (m * k + k * n) * sizeof(T) >= gemm_parallel_bytes;
    if (!heavy || omp_in_parallel()) return 1;
    return static_cast<int>(std::min<std::size_t>(extent / 64, static_cast<std::size_t>(omp_get_max_threads())));
#else
    (void)m, (void)n, (void)k, (void)extent;
    return 1;
#endif
  }

  /// Threads for a product whose output is too small to split (a weight gradient: few rows and
  /// columns, a long inner dimension): each takes a slice of the inner dimension.
  template <class T>
  static int gemm_inner_threads(std::size_t m, std::size_t n, std::size_t k) {
#if defined(_OPENMP)
    if (m * n * k < gemm_parallel_work || omp_in_parallel()) return 1;
    return static_cast<int>(std::min<std::size_t>(k / 512, static_cast<std::size_t>(omp_get_max_threads())));
#else
    (void)m, (void)n, (void)k;
    return 1;
#endif
  }

  /// C = alpha op(A) op(B) + beta C with the inner dimension split over `threads`: the first
  /// thread's slice goes into C, the others' into partial products (a buffer per calling
  /// thread that only grows), summed into C at the end.
  template <class T>
  static void gemm_split_inner(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                               const T* b, T beta, T* c, int threads) {
    thread_local std::vector<T> partials;
    const std::size_t size = m * n;
    if (partials.size() < size * std::size_t(threads - 1)) partials.resize(size * std::size_t(threads - 1));
    T* extra = partials.data();
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      const auto team = static_cast<std::size_t>(omp_get_num_threads());
      const range inner{k * t / team, k * (t + 1) / team};
      if (t == 0) ops::gemm_block(ta, tb, m, n, k, alpha, a, b, beta, c, {0, m}, {0, n}, inner);
      else ops::gemm_block(ta, tb, m, n, k, alpha, a, b, T(0), extra + (t - 1) * size, {0, m}, {0, n}, inner);
    }
#endif
    for (int t = 1; t < threads; ++t) {
      const T* part = extra + std::size_t(t - 1) * size;
      for (std::size_t i = 0; i < size; ++i) c[i] += part[i];
    }
  }

};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_HOST_EXECUTOR_HPP
