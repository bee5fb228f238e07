// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of TF's segment reductions (segment_sum, segment_mean, unsorted_segment_sum)
/// and their gradients. Segment ids are read every `stride` elements, so the first column of a
/// sparse tensor's [nnz, 2] indices serves as ids without a copy.
#pragma once
#ifndef STATICFLOW_OPS_SEGMENT_HPP
#define STATICFLOW_OPS_SEGMENT_HPP

#include <cstddef>
#include <cstdint>

#include "staticflow/ops/embedding.hpp"

namespace staticflow::ops {

/// out[s, j] = sum of data[k, j] over k with ids[k] == s; ids outside [0, segments) are
/// dropped (TF drops negative ids). One column per index walks k in order: no two threads
/// write one element, and the sums are the same on every device.
template <class T, class I>
struct segment_sum_columns {
  T* out;
  const T* data;
  const I* ids;
  std::size_t stride, n, segments, inner;
  SF_HD_INLINE void operator()(std::size_t j) const {
    for (std::size_t s = 0; s < segments; ++s) out[s * inner + j] = T(0);
    for (std::size_t k = 0; k < n; ++k) {
      const auto s = static_cast<std::int64_t>(ids[k * stride]);
      if (s >= 0 && static_cast<std::size_t>(s) < segments) out[static_cast<std::size_t>(s) * inner + j] += data[k * inner + j];
    }
  }
};

/// The number of ids equal to `s` in sorted `ids`.
template <class I>
SF_HD_INLINE std::size_t segment_count(const I* ids, std::size_t stride, std::size_t n, std::int64_t s) {
  return segment_first(ids, stride, n, s + 1) - segment_first(ids, stride, n, s);
}

/// Row s of a segment sum divided by its count (sorted ids; an empty segment stays 0, TF's).
template <class T, class I>
struct segment_mean_rows {
  T* out;
  const I* ids;
  std::size_t stride, n, inner;
  SF_HD_INLINE void operator()(std::size_t s) const {
    const std::size_t count = segment_count(ids, stride, n, static_cast<std::int64_t>(s));
    if (count > 1)
      for (std::size_t j = 0; j < inner; ++j) out[s * inner + j] /= static_cast<T>(count);
  }
};

/// The gradient into data: d[k, j] = g[ids[k], j] (divided by the segment's count for a mean);
/// 0 for a dropped id.
template <class T, class I>
struct segment_gather {
  T* d;
  const T* g;
  const I* ids;
  std::size_t stride, n, segments, inner;
  bool mean;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t k = i / inner;
    const auto s = static_cast<std::int64_t>(ids[k * stride]);
    if (s < 0 || static_cast<std::size_t>(s) >= segments) {
      d[i] = T(0);
      return;
    }
    const T v = g[static_cast<std::size_t>(s) * inner + i % inner];
    d[i] = mean ? v / static_cast<T>(segment_count(ids, stride, n, s)) : v;
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_SEGMENT_HPP
