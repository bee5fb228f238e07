// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of gather along the first axis (rows of `inner` elements) and its gradient,
/// the sum of the gathered rows' gradients back into their rows (TF's unsorted segment sum).
#pragma once
#ifndef STATICFLOW_OPS_GATHER_HPP
#define STATICFLOW_OPS_GATHER_HPP

#include <cstddef>

#include "staticflow/config.hpp"

namespace staticflow::ops {

/// out[r, j] = params[indices[r], j]; a row outside [0, rows) reads zeros (TF's GPU kernel; the
/// host checks the indices before it runs).
template <class T, class I>
struct gather_rows {
  T* out;
  const T* params;
  const I* indices;
  std::size_t rows, inner;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const I row = indices[i / inner];
    out[i] = row >= 0 && static_cast<std::size_t>(row) < rows ? params[static_cast<std::size_t>(row) * inner + i % inner]
                                                              : T(0);
  }
};

/// d[row, j] = sum over r with indices[r] == row of g[r, j]: one index per column j, walking
/// the indices in order, so no two threads write one element (no atomics, the same sums on
/// every device).
template <class T, class I>
struct scatter_add_rows {
  T* d;
  const T* g;
  const I* indices;
  std::size_t count, rows, inner;
  SF_HD_INLINE void operator()(std::size_t j) const {
    for (std::size_t r = 0; r < rows * inner; r += inner) d[r + j] = T(0);
    for (std::size_t k = 0; k < count; ++k) {
      const I row = indices[k];
      if (row >= 0 && static_cast<std::size_t>(row) < rows) d[static_cast<std::size_t>(row) * inner + j] += g[k * inner + j];
    }
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_GATHER_HPP
