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
SF_HD_INLINE std::size_t segment_first(const std::int64_t* seg, std::size_t stride, std::size_t n, std::int64_t row) {
  std::size_t lo = 0, hi = n;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (seg[mid * stride] < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/// The factor of every row of a bag of `count` ids (TF: mean divides by the count, sqrtn by its
/// square root; an empty bag gives zeros, so its factor is unused).
template <class T>
SF_HD_INLINE T bag_scale(combiner c, std::size_t count) {
  if (c == combiner::sum || count == 0) return T(1);
  return c == combiner::mean ? T(1) / static_cast<T>(count) : T(1) / std::sqrt(static_cast<T>(count));
}

/// out[b, :] = scale(b) * sum of params[ids[k], :] over k in bag b (one index per bag; its inner
/// loop vectorises). `seg` is the sparse indices' first column (stride 2), sorted.
template <class T, class I>
struct bag_rows {
  T* out;
  const T* params;
  const I* ids;
  const std::int64_t* seg;
  std::size_t nnz, inner;
  combiner how;
  SF_HD_INLINE void operator()(std::size_t b) const {
    const std::size_t first = segment_first(seg, 2, nnz, static_cast<std::int64_t>(b));
    const std::size_t last = segment_first(seg, 2, nnz, static_cast<std::int64_t>(b) + 1);
    T* o = out + b * inner;
    for (std::size_t j = 0; j < inner; ++j) o[j] = T(0);
    for (std::size_t k = first; k < last; ++k) {
      const T* p = params + static_cast<std::size_t>(ids[k]) * inner;
      for (std::size_t j = 0; j < inner; ++j) o[j] += p[j];
    }
    const T scale = bag_scale<T>(how, last - first);
    if (scale != T(1))
      for (std::size_t j = 0; j < inner; ++j) o[j] *= scale;
  }
};

/// The dense gradient of a bag into params (when params is not a variable taking rows): one
/// column j per index walks the ids in order, so no two threads write one element.
template <class T, class I>
struct bag_scatter_columns {
  T* d;
  const T* g;
  const I* ids;
  const std::int64_t* seg;
  std::size_t nnz, rows, inner;
  combiner how;
  SF_HD_INLINE void operator()(std::size_t j) const {
    for (std::size_t r = 0; r < rows; ++r) d[r * inner + j] = T(0);
    for (std::size_t k = 0; k < nnz;) {
      const std::int64_t b = seg[2 * k];
      const std::size_t last = segment_first(seg, 2, nnz, b + 1);
      const T scale = bag_scale<T>(how, last - k);
      for (; k < last; ++k) d[static_cast<std::size_t>(ids[k]) * inner + j] += g[static_cast<std::size_t>(b) * inner + j] * scale;
    }
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_EMBEDDING_HPP
