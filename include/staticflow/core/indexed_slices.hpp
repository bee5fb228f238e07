// SPDX-License-Identifier: MIT
/// \file
/// \brief TF's IndexedSlices: a gradient that touches some rows of a table only (the rows, each
/// once, and their gradient rows), as an embedding lookup's gradient reaches its table.
///
/// The backward pass hands a variable read by a lookup its gradient in this form when the run
/// accepts one (a training step on the host, graph/session.hpp), and the optimisers update
/// those rows only (train/optimizer.hpp, `apply_sparse`): a step then costs time in
/// proportion to the rows touched, not to the vocabulary.
#pragma once
#ifndef STATICFLOW_CORE_INDEXED_SLICES_HPP
#define STATICFLOW_CORE_INDEXED_SLICES_HPP

#include <cstddef>
#include <cstdint>

#include "staticflow/config.hpp"

namespace staticflow {

/// A variable's row-sparse gradient for one run, kept by the session per variable (type-erased:
/// one record type for every dtype). `rows` are distinct; `values` holds `count` rows of
/// `inner` elements of the variable's dtype. Both live in the run's workspace.
struct indexed_slices_slot {
  bool accepted = false;  ///< this run takes the variable's gradient in rows (else dense)
  const std::int64_t* rows = nullptr;
  void* values = nullptr;
  std::size_t count = 0, inner = 0;
};

/// The typed view an optimiser's `apply_sparse` reads: row `rows[u]` of the variable (rows of
/// `inner` elements) has gradient `values[u * inner, (u + 1) * inner)`; rows are distinct.
template <class T>
struct indexed_slices {
  const std::int64_t* rows;
  const T* values;
  std::size_t count, inner;
};

namespace ops {
/// acc[rows[u], :] += values[u, :], one row u per index (rows are distinct, so no two threads
/// write one element; the inner loop vectorises).
template <class T>
struct add_rows {
  T* acc;
  const std::int64_t* rows;
  const T* values;
  std::size_t inner;
  SF_HD_INLINE void operator()(std::size_t u) const {
    T* a = acc + static_cast<std::size_t>(rows[u]) * inner;
    const T* v = values + u * inner;
    for (std::size_t j = 0; j < inner; ++j) a[j] += v[j];
  }
};
}  // namespace ops

}  // namespace staticflow
#endif  // STATICFLOW_CORE_INDEXED_SLICES_HPP
