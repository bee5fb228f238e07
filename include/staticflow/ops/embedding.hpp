// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of embedding lookups and their row-sparse gradients: TF's unique (the distinct
/// ids of a batch in order of first appearance), the accumulation of gradient rows per distinct
/// id (duplicates summed), and the bag of a sparse tensor's rows (sum, mean or sqrtn of the
/// looked-up rows of each row of the sparse tensor, TF's embedding_lookup_sparse).
#pragma once
#ifndef STATICFLOW_OPS_EMBEDDING_HPP
#define STATICFLOW_OPS_EMBEDDING_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "staticflow/config.hpp"

namespace staticflow::ops {

/// How embedding_lookup_sparse combines the rows of one bag (TF's `combiner`).
enum class combiner { sum, mean, sqrtn };

/// The smallest power of two >= 2n: a hash table at most half full.
inline std::size_t unique_table_size(std::size_t n) {
  std::size_t size = 16;
  while (size < 2 * n) size *= 2;
  return size;
}

/// TF's tf.unique over `n` ids (host): `rows` gets the distinct ids in order of first
/// appearance, `slot[k]` the position of ids[k] in `rows`; returns how many are distinct.
/// `table` (unique_table_size(n) entries) is scratch. Open addressing with a multiplicative
/// hash: a batch's ids are unique in O(n), whatever the vocabulary (a sort would be O(n log n)).
template <class I>
std::size_t unique_ids(const I* ids, std::size_t n, std::int64_t* rows, std::int32_t* slot, std::int32_t* table,
                       std::size_t table_size) {
  for (std::size_t t = 0; t < table_size; ++t) table[t] = -1;
  const std::size_t mask = table_size - 1;
  std::size_t count = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto id = static_cast<std::int64_t>(ids[k]);
    std::size_t h = static_cast<std::size_t>((static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (table[h] >= 0 && rows[table[h]] != id) h = (h + 1) & mask;
    if (table[h] < 0) {
      table[h] = static_cast<std::int32_t>(count);
      rows[count++] = id;
    }
    slot[k] = table[h];
  }
  return count;
}

/// The first position in sorted `seg` (every `stride`-th element of the sparse indices) whose
/// value is >= `row`: bag `row` is [first(row), first(row + 1)).
template <class I>
SF_HD_INLINE std::size_t segment_first(const I* seg, std::size_t stride, std::size_t n, std::int64_t row) {
  std::size_t lo = 0, hi = n;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (static_cast<std::int64_t>(seg[mid * stride]) < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/// The divisor of bag `b` (TF's combiner over the bag's weights w, all 1 without weights): sum:
/// 1; mean: sum w; sqrtn: sqrt(sum w^2). An empty bag (or weights summing to 0) gives 0, and
/// its row is then zeros.
template <class T, class I>
struct bag_denominators {
  T* denom;
  const T* weights;  ///< null: every weight is 1
  const std::int64_t* seg;
  std::size_t nnz;
  combiner how;
  SF_HD_INLINE void operator()(std::size_t b) const {
    const std::size_t first = segment_first(seg, 2, nnz, static_cast<std::int64_t>(b));
    const std::size_t last = segment_first(seg, 2, nnz, static_cast<std::int64_t>(b) + 1);
    T d = T(0);
    for (std::size_t k = first; k < last; ++k) {
      const T w = weights ? weights[k] : T(1);
      d += how == combiner::sqrtn ? w * w : w;
    }
    if (how == combiner::sqrtn) d = std::sqrt(d);
    if (how == combiner::sum) d = first == last ? T(0) : T(1);
    denom[b] = d;
  }
};

/// out[b, :] = sum of w_k params[ids[k], :] over k in bag b, divided by denom[b] (zeros when it
/// is 0). One index per bag; its inner loop vectorises. `seg` is the sparse indices' first
/// column (stride 2), sorted.
template <class T, class I>
struct bag_rows {
  T* out;
  const T* params;
  const I* ids;
  const T* weights;
  const std::int64_t* seg;
  const T* denom;
  std::size_t nnz, inner;
  SF_HD_INLINE void operator()(std::size_t b) const {
    const std::size_t first = segment_first(seg, 2, nnz, static_cast<std::int64_t>(b));
    const std::size_t last = segment_first(seg, 2, nnz, static_cast<std::int64_t>(b) + 1);
    T* o = out + b * inner;
    for (std::size_t j = 0; j < inner; ++j) o[j] = T(0);
    if (denom[b] == T(0)) return;
    const T scale = T(1) / denom[b];
    for (std::size_t k = first; k < last; ++k) {
      const T* p = params + static_cast<std::size_t>(ids[k]) * inner;
      const T w = (weights ? weights[k] : T(1)) * scale;
      for (std::size_t j = 0; j < inner; ++j) o[j] += w * p[j];
    }
  }
};

/// The dense gradient of a bag into params (when params is not a variable taking rows): one
/// column j per index walks the ids in order, so no two threads write one element.
template <class T, class I>
struct bag_scatter_columns {
  T* d;
  const T* g;
  const I* ids;
  const T* weights;
  const std::int64_t* seg;
  const T* denom;
  std::size_t nnz, rows, inner;
  SF_HD_INLINE void operator()(std::size_t j) const {
    for (std::size_t r = 0; r < rows; ++r) d[r * inner + j] = T(0);
    for (std::size_t k = 0; k < nnz; ++k) {
      const auto b = static_cast<std::size_t>(seg[2 * k]);
      if (denom[b] == T(0)) continue;
      const T w = weights ? weights[k] : T(1);
      d[static_cast<std::size_t>(ids[k]) * inner + j] += g[b * inner + j] * w / denom[b];
    }
  }
};

/// The gradient into the weights: out_b = sum_k w_k p_k / D_b, so
/// d w_k = (g_b . p_k - (g_b . out_b) dD_b/dw_k) / D_b with dD/dw_k = 0 (sum), 1 (mean),
/// w_k / D_b (sqrtn).
template <class T, class I>
struct bag_weight_gradient {
  T* dw;
  const T* g;
  const T* out;
  const T* params;
  const I* ids;
  const T* weights;
  const std::int64_t* seg;
  const T* denom;
  std::size_t inner;
  combiner how;
  SF_HD_INLINE void operator()(std::size_t k) const {
    const auto b = static_cast<std::size_t>(seg[2 * k]);
    const T d = denom[b];
    if (d == T(0)) {
      dw[k] = T(0);
      return;
    }
    const T* gb = g + b * inner;
    const T* p = params + static_cast<std::size_t>(ids[k]) * inner;
    const T* ob = out + b * inner;
    T gp = T(0), go = T(0);
    for (std::size_t j = 0; j < inner; ++j) gp += gb[j] * p[j], go += gb[j] * ob[j];
    const T dd = how == combiner::sum ? T(0) : how == combiner::mean ? T(1) : weights[k] / d;
    dw[k] = (gp - go * dd) / d;
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_EMBEDDING_HPP
