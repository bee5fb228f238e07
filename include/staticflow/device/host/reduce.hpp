// SPDX-License-Identifier: MIT
/// \file
/// \brief Reductions on the host: sums, means, maxima over all elements (blockwise pairwise
/// combination, so float error grows with log n), over trailing or leading axes, and arg-max /
/// arg-min along an axis, split over the thread team.
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_REDUCE_HPP
#define STATICFLOW_DEVICE_HOST_REDUCE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "staticflow/device/host/parallel.hpp"

namespace staticflow {

struct host_reductions : host_parallel {
  /// Partial sums over blocks of this size keep float reductions accurate (pairwise-like error).
  static constexpr std::size_t block = 4096;

  /// Reduces the n_in elements of `ev` into out_n outputs; `map(i)` says which output element i feeds.
  template <class Reducer, class T, class Ev, class Map>
  static void reduce(Reducer r, bool mean, T* out, std::size_t out_n, const Ev& ev, std::size_t n_in, const Map& map) {
    detail::count_pass<&host_pass_counts::reduce>();
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

 protected:
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
#endif  // STATICFLOW_DEVICE_HOST_REDUCE_HPP
