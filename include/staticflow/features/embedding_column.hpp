// SPDX-License-Identifier: MIT
/// \file
/// \brief `embedding_column<Dim>(categorical, combiner)`: TF's embedding column, a categorical
/// column's ids looked up in a trainable table [num_buckets, Dim] and combined per row (mean by
/// default, sum or sqrtn), through `embedding_lookup_sparse`, so a training step's gradient reaches
/// the table as the touched rows only and the optimisers update those rows (TF's IndexedSlices).
///
/// Unlike the dense columns, its value depends on a variable, so it is an expression, not a host
/// tensor: `table(graph, seed)` makes the variable (TF's default initialiser: a truncated normal of
/// standard deviation 1/sqrt(Dim)), `ids(batch)` the batch's ids as a sparse tensor's parts on the
/// host, and `lookup(table, ids)` the [rows, Dim] expression, to `concat<1>` with the dense input.
///
/// **Example:**
/// ```
/// const auto occupation = fc::embedding_column<8>(fc::categorical_column_with_hash_bucket<1000>("occupation"));
/// const auto table = occupation.table(g, 1);
/// const auto ids = occupation.ids(batch);  // keep alive while the expression runs
/// auto deep_in = sf::concat<1>(x_dense, occupation.lookup(table, ids));
/// ```
#pragma once
#ifndef STATICFLOW_FEATURES_EMBEDDING_COLUMN_HPP
#define STATICFLOW_FEATURES_EMBEDDING_COLUMN_HPP

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "staticflow/expr/embedding_lookup_sparse.hpp"
#include "staticflow/features/categorical_column.hpp"
#include "staticflow/graph/graph.hpp"

namespace staticflow::features {

/// A batch's ids as a rank-2 sparse tensor's parts: entry k is (row, position in the row).
struct embedding_ids {
  tensor<std::int64_t, shape<dyn, 2>> indices;
  tensor<std::int64_t, shape<dyn>> values;
  std::int64_t rows = 0;
};

template <std::size_t Dim, categorical_column C>
struct embedding_column_t {
  static constexpr std::size_t dimension = Dim;
  using table_type = variable_node<float, shape<C::num_buckets, Dim>>;
  C categorical;
  combiner how = combiner::mean;

  std::string name() const { return categorical.name() + "_embedding"; }

  /// The table, `<name>/embedding_weights` as TF names it, trainable.
  table_type table(graph& g, std::uint64_t seed) const {
    return g.variable<float, shape<C::num_buckets, Dim>>(
        name() + "/embedding_weights", init::truncated_normal(1.0 / std::sqrt(static_cast<double>(Dim)), seed));
  }

  embedding_ids ids(const feature_batch& b) const {
    const sparse_ids s = categorical.ids(b);
    std::vector<std::size_t> all(s.rows());
    for (std::size_t r = 0; r < all.size(); ++r) all[r] = r;
    return ids(s, all);
  }
  /// Rows `rows` of ids computed once for a whole set (`categorical.ids(set)`), as a batch: a
  /// training loop's batches without mapping the features again.
  static embedding_ids ids(const sparse_ids& s, std::span<const std::size_t> rows) {
    std::size_t nnz = 0;
    for (const std::size_t r : rows) nnz += s.row(r).size();
    embedding_ids out{tensor<std::int64_t, shape<dyn, 2>>(nnz), tensor<std::int64_t, shape<dyn>>(nnz),
                      static_cast<std::int64_t>(rows.size())};
    for (std::size_t i = 0, k = 0; i < rows.size(); ++i)
      for (std::size_t j = 0; j < s.row(rows[i]).size(); ++j, ++k) {
        out.indices(k, 0) = static_cast<std::int64_t>(i);
        out.indices(k, 1) = static_cast<std::int64_t>(j);
        out.values(k) = s.row(rows[i])[j];
      }
    return out;
  }

  /// The [rows, Dim] embeddings of `ids` (a row without ids gives zeros, as in TF).
  template <class Table>
  auto lookup(const Table& table, const embedding_ids& ids) const {
    return lookup(table, ids.indices, ids.values, ids.rows);
  }
  /// The same with the ids' parts as expressions, placeholders fed with `ids(batch)`'s tensors
  /// each step, say, for batches of `rows` rows.
  template <class Table, operand Indices, operand Values>
  auto lookup(const Table& table, const Indices& indices, const Values& values, std::int64_t rows) const {
    return embedding_lookup_sparse(
        table, make_sparse_tensor(indices, values, {rows, static_cast<std::int64_t>(C::num_buckets)}), how);
  }
};

template <std::size_t Dim, categorical_column C>
embedding_column_t<Dim, C> embedding_column(C categorical, combiner how = combiner::mean) {
  static_assert(Dim > 0, "sf::features::embedding_column: the dimension must be positive");
  return {std::move(categorical), how};
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_EMBEDDING_COLUMN_HPP
