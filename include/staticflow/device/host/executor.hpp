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
#include "staticflow/device/host/vector_matrix.hpp"

namespace staticflow {

template <>
struct executor<host> {
  /// How many passes of each kind ran (relaxed counters): tests use them to check that an
  /// elementwise chain, forward or backward, costs exactly one pass.
  struct pass_counts {
    std::atomic<std::size_t> elementwise{0}, reduce{0}, gemm{0}, for_each{0};
  };
  static pass_counts& passes() {
    static pass_counts counts;
    return counts;
  }

  /// Below this many elements one core is faster than waking a thread team.
  static constexpr std::size_t parallel_threshold = std::size_t{1} << 15;
  /// Partial sums over blocks of this size keep float reductions accurate (pairwise-like error).
  static constexpr std::size_t block = 4096;

  static bool parallel(std::size_t n) {
#if defined(_OPENMP)
    return n >= parallel_threshold && omp_get_max_threads() > 1 && !omp_in_parallel();
#else
    (void)n;
    return false;
#endif
  }

  /// out[i] = ev.coeff(i) for i < n: one pass, no temporaries, row by row along the output's
  /// last axis (`row_length` elements; `row_of`): broadcast operands cost their index
  /// arithmetic once per row, and the inner loop is contiguous and vectorises. A short last
  /// axis whose length the shape fixes (6 channels, say) comes as a `std::integral_constant`:
  /// the loop over a row is then unrolled into a few vector operations, not run element by
  /// element.
  template <class T, class Ev, class Length>
  static void elementwise(T* __restrict out, std::size_t n, Length row_length, const Ev& ev) {
    passes().elementwise.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) return;
    if constexpr (std::is_same_v<Length, std::size_t>)
      if (row_length == 0 || n % row_length != 0) return by_rows(out, n, n, ev);  // one row
    by_rows(out, n, row_length, ev);
  }

 private:
  /// The rows of `length` elements (a run-time value or a std::integral_constant) split over
  /// the team; each row is one contiguous, vectorised loop.
  template <class T, class Ev, class Length>
  static void by_rows(T* __restrict out, std::size_t n, Length length, const Ev& ev) {
    split(n / length, n, [&](std::size_t first, std::size_t last) {
      for (std::size_t r = first; r < last; ++r) {
        const auto in = row_of(ev, r * length);
        T* __restrict dst = out + r * length;
#if defined(_OPENMP)
#pragma omp simd
#endif
        for (std::size_t j = 0; j < length; ++j) dst[j] = in.coeff(j);
      }
    });
  }

 public:

  /// Calls `f(i)` for i < n, split over cores when large: the kernel form of multi-output
  /// updates (an optimiser writes a variable and its slots in one pass). The loop is
  /// vectorised across indices.
  template <class F>
  static void for_each(std::size_t n, const F& f) {
    passes().for_each.fetch_add(1, std::memory_order_relaxed);
    split(n, n, [&](std::size_t first, std::size_t last) {
      const F kernel = f;  // a local copy, as below
#if defined(_OPENMP)
#pragma omp simd
#endif
      for (std::size_t i = first; i < last; ++i) kernel(i);
    });
  }

  /// Calls `f(i)` for i < n where each index does `elements_per_index` elements of work (a row
  /// of an image, say), so that few heavy indices are split over cores too; such kernels
  /// vectorise their own inner loops.
  template <class F>
  static void for_each(std::size_t n, const F& f, std::size_t elements_per_index) {
    passes().for_each.fetch_add(1, std::memory_order_relaxed);
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

  /// Reduces the n_in elements of `ev` into out_n outputs; `map(i)` says which output element i feeds.
  template <class Reducer, class T, class Ev, class Map>
  static void reduce(Reducer r, bool mean, T* out, std::size_t out_n, const Ev& ev, std::size_t n_in, const Map& map) {
    passes().reduce.fetch_add(1, std::memory_order_relaxed);
    if (out_n == 0) return;
    if (out_n == 1) {
      out[0] = reduce_all(r, ev, n_in);
    } else if constexpr (Map::trailing_only) {
      const std::size_t inner = n_in / out_n;
      const auto rows = static_cast<std::ptrdiff_t>(out_n);
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (parallel(n_in))
#endif
      for (std::ptrdiff_t o = 0; o < rows; ++o) out[o] = reduce_range(r, ev, std::size_t(o) * inner, inner);
    } else if constexpr (Map::leading_only) {
      reduce_leading(r, out, out_n, ev, n_in / out_n);
    } else {
      std::fill(out, out + out_n, Reducer::template identity<T>());
      for (std::size_t i = 0; i < n_in; ++i) {
        T& acc = out[map(i)];
        acc = r(acc, ev.coeff(i));
      }
    }
    if (mean && n_in) {
      const T count = static_cast<T>(n_in / out_n);
      for (std::size_t o = 0; o < out_n; ++o) out[o] = out[o] / count;
    }
  }

  /// out[j] = the reduction over rows of ev(row * out_n + j) (a bias gradient: the sum over
  /// the batch). Many rows are split over the team, each thread reducing its rows into its own
  /// partial row (a buffer per calling thread that only grows), combined in thread order.
  template <class Reducer, class T, class Ev>
  static void reduce_leading(Reducer r, T* out, std::size_t out_n, const Ev& ev, std::size_t rows) {
#if defined(_OPENMP)
    if (parallel(rows * out_n) && rows >= 64) {
      thread_local std::vector<T> partials;
      const auto most = static_cast<std::size_t>(omp_get_max_threads());
      if (partials.size() < most * out_n) partials.resize(most * out_n);
      T* part = partials.data();
      std::size_t team = 1;
#pragma omp parallel
      {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto nt = static_cast<std::size_t>(omp_get_num_threads());
        if (t == 0) team = nt;
        reduce_rows(r, part + t * out_n, out_n, ev, rows * t / nt, rows * (t + 1) / nt);
      }
      std::copy(part, part + out_n, out);
      for (std::size_t t = 1; t < team; ++t)
        for (std::size_t j = 0; j < out_n; ++j) out[j] = r(out[j], part[t * out_n + j]);
      return;
    }
#endif
    reduce_rows(r, out, out_n, ev, 0, rows);
  }

  /// Rows [first, last) reduced into `out`, row after row: the inner loop is contiguous and
  /// vectorises. Short rows (a few channels) accumulate in a local row, which no store to
  /// memory can alias, so it stays in registers.
  template <class Reducer, class T, class Ev>
  static void reduce_rows(Reducer r, T* out, std::size_t out_n, const Ev& ev, std::size_t first, std::size_t last) {
    constexpr std::size_t short_row = 16;
    if (out_n <= short_row) {
      T acc[short_row];
      for (auto& a : acc) a = Reducer::template identity<T>();
      for (std::size_t row = first; row < last; ++row)
        for (std::size_t j = 0; j < out_n; ++j) acc[j] = r(acc[j], ev.coeff(row * out_n + j));
      std::copy(acc, acc + out_n, out);
      return;
    }
    std::fill(out, out + out_n, Reducer::template identity<T>());
    for (std::size_t row = first; row < last; ++row) {
      const std::size_t base = row * out_n;
#if defined(_OPENMP)
#pragma omp simd
#endif
      for (std::size_t j = 0; j < out_n; ++j) out[j] = r(out[j], ev.coeff(base + j));
    }
  }

  /// Index of the best element along an axis of extent `len` whose elements are `inner` apart.
  template <bool Max, class Ev>
  static void arg_reduce(std::int64_t* out, std::size_t out_n, const Ev& ev, std::size_t len, std::size_t inner) {
    for (std::size_t o = 0; o < out_n; ++o) {
      const std::size_t base = (o / inner) * len * inner + o % inner;
      auto best = ev.coeff(base);
      std::int64_t at = 0;
      for (std::size_t k = 1; k < len; ++k) {
        const auto v = ev.coeff(base + k * inner);
        if (Max ? best < v : v < best) best = v, at = static_cast<std::int64_t>(k);
      }
      out[o] = at;
    }
  }

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
    passes().gemm.fetch_add(1, std::memory_order_relaxed);
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
    passes().gemm.fetch_add(1, std::memory_order_relaxed);
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

  template <class Reducer, class Ev>
  static auto reduce_range(Reducer r, const Ev& ev, std::size_t first, std::size_t count) {
    using T = std::remove_cvref_t<decltype(ev.coeff(0))>;
    // Eight independent partial results break the dependency chain so the loop vectorises.
    constexpr std::size_t lanes = 8;
    T part[lanes];
    for (auto& p : part) p = Reducer::template identity<T>();
    const std::size_t end = first + count;
    std::size_t i = first;
    for (; i + lanes <= end; i += lanes)
      for (std::size_t k = 0; k < lanes; ++k) part[k] = r(part[k], ev.coeff(i + k));
    for (; i < end; ++i) part[0] = r(part[0], ev.coeff(i));
    for (std::size_t width = lanes / 2; width; width /= 2)
      for (std::size_t k = 0; k < width; ++k) part[k] = r(part[k], part[k + width]);
    return part[0];
  }

  /// Blocks [first, last) of `block` elements combined pairwise (a binary counter of partial
  /// results), so the rounding error grows with log(n), with no heap memory.
  template <class Reducer, class Ev>
  static auto reduce_blocks(Reducer r, const Ev& ev, std::size_t n, std::size_t first, std::size_t last) {
    using T = std::remove_cvref_t<decltype(ev.coeff(0))>;
    T level[64];
    std::size_t count = 0;
    for (std::size_t b = first; b < last; ++b, ++count) {
      T carry = reduce_range(r, ev, b * block, std::min(block, n - b * block));
      std::size_t k = 0;
      for (; (count >> k) & 1; ++k) carry = r(level[k], carry);
      level[k] = carry;
    }
    T acc = Reducer::template identity<T>();
    for (std::size_t k = 0; k < 64 && (count >> k); ++k)
      if ((count >> k) & 1) acc = r(level[k], acc);
    return acc;
  }

  template <class Reducer, class Ev>
  static auto reduce_all(Reducer r, const Ev& ev, std::size_t n) {
    using T = std::remove_cvref_t<decltype(ev.coeff(0))>;
    const std::size_t blocks = (n + block - 1) / block;
#if defined(_OPENMP)
    constexpr int max_teams = 64;
    if (parallel(n) && omp_get_max_threads() <= max_teams) {
      T partial[max_teams];
      int teams = 1;
#pragma omp parallel
      {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto nt = static_cast<std::size_t>(omp_get_num_threads());
#pragma omp single
        teams = static_cast<int>(nt);
        partial[t] = reduce_blocks(r, ev, n, blocks * t / nt, blocks * (t + 1) / nt);
      }
      T acc = Reducer::template identity<T>();
      for (int t = 0; t < teams; ++t) acc = r(acc, partial[t]);
      return acc;
    }
#endif
    return reduce_blocks(r, ev, n, 0, blocks);
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_HOST_EXECUTOR_HPP
