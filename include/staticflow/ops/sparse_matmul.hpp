// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of a sparse [R, K] x dense [K, N] product and its gradients.
#pragma once
#ifndef STATICFLOW_OPS_SPARSE_MATMUL_HPP
#define STATICFLOW_OPS_SPARSE_MATMUL_HPP

#include <cstddef>
#include <cstdint>

#include "staticflow/config.hpp"

namespace staticflow::ops {

/// Column j of out [rows, n] = sum over k of v_k * dense[col_k, j] into row row_k (or, with
/// `transposed`, of v_k * dense[row_k, j] into row col_k: the dense operand's gradient). One
/// column per index walks the entries in order: no two threads write one element.
template <class T>
struct sparse_matmul_columns {
  T* out;
  const std::int64_t* indices;
  const T* values;
  const T* dense;
  std::size_t nnz, rows, n;
  bool transposed;
  SF_HD_INLINE void operator()(std::size_t j) const {
    for (std::size_t r = 0; r < rows; ++r) out[r * n + j] = T(0);
    for (std::size_t k = 0; k < nnz; ++k) {
      const auto r = static_cast<std::size_t>(indices[2 * k + (transposed ? 1 : 0)]);
      const auto c = static_cast<std::size_t>(indices[2 * k + (transposed ? 0 : 1)]);
      out[r * n + j] += values[k] * dense[c * n + j];
    }
  }
};

/// d v_k = g[row_k, :] . dense[col_k, :].
template <class T>
struct sparse_matmul_value_gradient {
  T* dv;
  const std::int64_t* indices;
  const T* g;
  const T* dense;
  std::size_t n;
  SF_HD_INLINE void operator()(std::size_t k) const {
    const T* a = g + static_cast<std::size_t>(indices[2 * k]) * n;
    const T* b = dense + static_cast<std::size_t>(indices[2 * k + 1]) * n;
    T s = T(0);
    for (std::size_t j = 0; j < n; ++j) s += a[j] * b[j];
    dv[k] = s;
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_SPARSE_MATMUL_HPP
