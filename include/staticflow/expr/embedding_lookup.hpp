// SPDX-License-Identifier: MIT
/// \file
/// \brief `embedding_lookup(params, ids)`: TF's tf.nn.embedding_lookup of one table (rows of a
/// 2-D `params` at integer ids of any rank) whose gradient reaches a variable table as rows
/// (TF's IndexedSlices: the distinct ids and their summed gradient rows), not as a dense
/// [vocabulary, dim] tensor.
#pragma once
#ifndef STATICFLOW_EXPR_EMBEDDING_LOOKUP_HPP
#define STATICFLOW_EXPR_EMBEDDING_LOOKUP_HPP

#include <cstdint>
#include <type_traits>

#include "staticflow/expr/gather.hpp"
#include "staticflow/ops/embedding.hpp"

namespace staticflow {

namespace detail {
/// The gradient rows of a lookup as TF's IndexedSlices (host): the distinct ids in order of first
/// appearance and, for each, the sum of `g`'s rows at its occurrences scaled by `scale(k)`.
/// Handed to the variable leaf; the memory is the run's workspace, alive until the update.
template <class Leaf, class Ctx, class I, class G, class Scale>
void send_rows(const Leaf& leaf, Ctx& ctx, const I* ids, std::size_t n, const G& g_row, std::size_t inner,
               const Scale& scale) {
  using T = typename Leaf::value_type;
  auto& tmp = ctx.tmp;
  const std::size_t table_size = ops::unique_table_size(n);
  auto rows = tmp.template make<std::int64_t, shape<dyn>>({n});
  auto slot = tmp.template make<std::int32_t, shape<dyn>>({n});
  auto table = tmp.template make<std::int32_t, shape<dyn>>({table_size});
  const std::size_t count = ops::unique_ids(ids, n, rows.data(), slot.data(), table.data(), table_size);
  auto values = tmp.template make<T, shape<dyn>>({count * inner});
  T* v = values.data();
  for (std::size_t i = 0; i < count * inner; ++i) v[i] = T(0);
  for (std::size_t k = 0; k < n; ++k) {  // in order: the same sums on every run
    T* dst = v + static_cast<std::size_t>(slot.data()[k]) * inner;
    const T* src = g_row(k);
    const T s = scale(k);
    for (std::size_t j = 0; j < inner; ++j) dst[j] += src[j] * s;
  }
  leaf.backward_rows(ctx, rows.data(), v, count);
}
}  // namespace detail

struct embedding_lookup_op : gather_op {
  static constexpr const char* name = "sf::embedding_lookup";
  template <std::size_t Side>
  static constexpr bool rows_gradient = Side == 0;

  /// Into a variable table: its gradient as rows (op_node calls this on the host).
  template <std::size_t Side, class Leaf, class Ctx, class Params, class Ids, class V, class G>
  void backward_rows(const Leaf& leaf, Ctx& ctx, const Params& params, const Ids& ids, const V&, const G& g) const {
    const std::size_t rows = params.dim(0), inner = rows ? params.size() / rows : 0;
    const auto* id = ids.data();
    const auto* gd = g.data();
    using T = typename Params::value_type;
    detail::send_rows(leaf, ctx, id, ids.size(), [&](std::size_t k) { return gd + k * inner; }, inner,
                      [](std::size_t) { return T(1); });
  }
};

/// Rows of the table `params` ([vocabulary, dim]) at `ids` (int32 or int64, any rank): TF's
/// tf.nn.embedding_lookup(params, ids) with one table.
/// **Shape:** ids' shape + [dim].
/// **Gradient:** into a variable table, TF's IndexedSlices: the distinct ids (duplicates summed),
/// which the optimisers apply to those rows only (`apply_sparse`); into any other expression, a
/// dense scatter-add (gather's). On CUDA the gradient is dense.
/// **Errors:** an id outside [0, vocabulary): invalid_argument naming it and its position (host).
template <operand Params, operand Ids>
auto embedding_lookup(const Params& params, const Ids& ids) {
  using I = value_t<Ids>;
  constexpr bool integral = std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>;
  static_assert(integral, "sf::embedding_lookup: ids must be int32 or int64");
  static_assert(shape_of_t<Params>::rank == 2, "sf::embedding_lookup: params must be a 2-D table [vocabulary, dim]");
  if constexpr (integral && shape_of_t<Params>::rank == 2) return make_op_node(embedding_lookup_op{}, params, ids);
  else return scalar<value_t<Params>>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_EMBEDDING_LOOKUP_HPP
