// SPDX-License-Identifier: MIT
/// \file
/// \brief `embedding_lookup_sparse(params, sp_ids[, sp_weights], combiner)`: TF's
/// tf.nn.embedding_lookup_sparse: for each row of a ragged batch of ids (a sparse tensor), the
/// looked-up rows combined by sum, mean or sqrtn, in one pass (an embedding bag), with the
/// table's gradient as rows (TF's IndexedSlices).
#pragma once
#ifndef STATICFLOW_EXPR_EMBEDDING_LOOKUP_SPARSE_HPP
#define STATICFLOW_EXPR_EMBEDDING_LOOKUP_SPARSE_HPP

#include <cstdint>
#include <tuple>
#include <type_traits>

#include "staticflow/expr/embedding_lookup.hpp"
#include "staticflow/expr/sparse_tensor.hpp"

namespace staticflow {

using ops::combiner;

/// Operands: params [vocabulary, dim], the sparse indices [nnz, 2] (bags = their first column,
/// sorted), the ids [nnz] and, when `Weighted`, the weights [nnz].
template <bool Weighted>
struct embedding_bag_op {
  static constexpr const char* name = "sf::embedding_lookup_sparse";
  combiner how = combiner::mean;
  std::array<std::int64_t, 2> dense_shape{};
  template <std::size_t Side>
  static constexpr bool rows_gradient = Side == 0;
  template <std::size_t Side>
  static constexpr bool has_gradient = Side == 0 || Side == 3;
  template <class TP, class... Rest>
  using value_type = TP;
  template <class SP, class... Rest>
  using result_shape = shape<dyn, SP::extents[1]>;
  template <class S, class DP, class... Rest>
  dims_t<S> result_dims(const DP& params, const Rest&...) const {
    return {{static_cast<std::size_t>(dense_shape[0]), params[1]}};
  }

  template <class P, class Out, class Params, class Ind, class Ids, class... W>
  void forward(const Out& out, const Params& params, const Ind& indices, const Ids& ids, W&&... w_and_tmp) const {
    using T = typename Params::value_type;
    using I = typename Ids::value_type;
    auto& tmp = last(w_and_tmp...);
    const T* weights = weights_of(w_and_tmp...);
    if constexpr (std::is_same_v<P, host>) check(params, indices, ids, w_and_tmp...);
    const auto denom = denominators<P, T, I>(tmp, indices, weights);
    const std::size_t rows = out.dim(0), inner = params.dim(1), nnz = ids.size();
    executor<P>::for_each(rows, ops::bag_rows<T, I>{out.data(), params.data(), ids.data(), weights, indices.data(),
                                                    denom.data(), nnz, inner},
                          inner * (rows ? nnz / rows + 1 : 1));
  }

  /// Into a variable table (host): rows, each occurrence's g[bag] * w / D[bag] summed per id.
  template <std::size_t Side, class Leaf, class Ctx, class Params, class Ind, class Ids, class... W>
  void backward_rows(const Leaf& leaf, Ctx& ctx, const Params& params, const Ind& indices, const Ids& ids,
                     const W&... w_value_g) const {
    using T = typename Params::value_type;
    using I = typename Ids::value_type;
    const auto& g = last(w_value_g...);
    const T* weights = weights_of(w_value_g...);
    const auto denom = denominators<host, T, I>(ctx.tmp, indices, weights);
    const std::int64_t* seg = indices.data();
    const T* gd = g.data();
    const T* dn = denom.data();
    const std::size_t inner = params.dim(1);
    detail::send_rows(
        leaf, ctx, ids.data(), ids.size(), [&](std::size_t k) { return gd + static_cast<std::size_t>(seg[2 * k]) * inner; }, inner,
        [&](std::size_t k) {
          const T d = dn[seg[2 * k]];
          return d == T(0) ? T(0) : (weights ? weights[k] : T(1)) / d;
        });
  }

  /// Into params when it is not a variable (or on CUDA): dense; into the weights (Side 3).
  template <int Side, class P, class D, class Params, class Ind, class Ids, class... W>
  void backward(const D& d, const Params& params, const Ind& indices, const Ids& ids, W&&... rest) const {
    using T = typename Params::value_type;
    using I = typename Ids::value_type;
    auto& tmp = last(rest...);
    const T* weights = weights_of(rest...);
    const auto& g = second_last(rest...);
    const auto denom = denominators<P, T, I>(tmp, indices, weights);
    const std::size_t inner = params.dim(1), nnz = ids.size();
    if constexpr (Side == 0) {
      executor<P>::for_each(inner, ops::bag_scatter_columns<T, I>{d.data(), g.data(), ids.data(), weights, indices.data(),
                                                                  denom.data(), nnz, params.dim(0), inner},
                            nnz + params.dim(0));
    } else {
      const auto& out = third_last(rest...);
      executor<P>::for_each(nnz, ops::bag_weight_gradient<T, I>{d.data(), g.data(), out.data(), params.data(), ids.data(),
                                                                weights, indices.data(), denom.data(), inner, how},
                            inner);
    }
  }

 private:
  template <class... A>
  static auto& last(A&... a) {
    return std::get<sizeof...(A) - 1>(std::tie(a...));
  }
  template <class... A>
  static auto& second_last(A&... a) {
    return std::get<sizeof...(A) - 2>(std::tie(a...));
  }
  template <class... A>
  static auto& third_last(A&... a) {
    return std::get<sizeof...(A) - 3>(std::tie(a...));
  }
  /// The weights' data when the op has them (the first of the trailing arguments).
  template <class First, class... A>
  static auto weights_of(const First& first, const A&...) {
    if constexpr (Weighted) return static_cast<const typename First::value_type*>(first.data());
    else return nullptr;
  }
  template <class P, class T, class I, class Tmp, class Ind>
  auto denominators(Tmp& tmp, const Ind& indices, const T* weights) const {
    const auto rows = static_cast<std::size_t>(dense_shape[0]);
    auto denom = tmp.template make<T, shape<dyn>>({rows});
    executor<P>::for_each(rows, ops::bag_denominators<T, I>{denom.data(), weights, indices.data(), indices.dim(0), how},
                          indices.dim(0) / (rows ? rows : 1) + 1);
    return denom;
  }
  template <class Params, class Ind, class Ids, class... W>
  void check(const Params& params, const Ind& indices, const Ids& ids, const W&... w) const {
    detail::check_sparse("sf::embedding_lookup_sparse (sp_ids)", indices, ids.size(), dense_shape);
    if constexpr (Weighted) {
      const auto& weights = std::get<0>(std::tie(w...));
      if (weights.size() != ids.size())
        detail::fail<invalid_argument>({"sf::embedding_lookup_sparse: sp_weights has ", weights.size(),
                                        " values but sp_ids has ", ids.size()});
    }
    const std::int64_t* seg = indices.data();
    for (std::size_t k = 1; k < ids.size(); ++k)
      if (seg[2 * k] < seg[2 * (k - 1)])
        detail::fail<invalid_argument>({"sf::embedding_lookup_sparse: sp_ids' indices must be ordered by row, but row ",
                                        seg[2 * k], " (entry ", k, ") follows row ", seg[2 * (k - 1)]});
    for (std::size_t k = 0; k < ids.size(); ++k)
      if (ids.data()[k] < 0 || static_cast<std::size_t>(ids.data()[k]) >= params.dim(0))
        detail::fail<invalid_argument>({"sf::embedding_lookup_sparse: sp_ids.values[", k, "] = ",
                                        static_cast<long long>(ids.data()[k]), " is not in [0, ", params.dim(0), ")"});
  }
};

namespace detail {
template <class Params, class Ids>
constexpr bool check_bag_operands() {
  using I = value_t<Ids>;
  constexpr bool integral = std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>;
  static_assert(integral, "sf::embedding_lookup_sparse: sp_ids' values must be int32 or int64");
  static_assert(shape_of_t<Params>::rank == 2, "sf::embedding_lookup_sparse: params must be a 2-D table [vocabulary, dim]");
  static_assert(floating_element<value_t<Params>>, "sf::embedding_lookup_sparse: params must be floating");
  return integral && shape_of_t<Params>::rank == 2;
}
}  // namespace detail

/// TF's tf.nn.embedding_lookup_sparse(params, sp_ids, None, combiner): row b of the result
/// combines params' rows at the ids in row b of `sp_ids` (a `sparse_tensor` whose indices are
/// ordered by row): sum, mean (sum / count) or sqrtn (sum / sqrt(count)); a row without ids
/// gives zeros.
/// **Shape:** [sp_ids.dense_shape[0], dim].
/// **Gradient:** into a variable table, TF's IndexedSlices (the distinct ids, duplicates
/// summed), applied sparsely by the optimisers; into any other table, dense.
/// **Errors:** ids outside [0, vocabulary), indices out of the dense shape or not ordered by
/// row, indices and values of different lengths: invalid_argument naming the entry (host).
template <operand Params, class Ind, class Ids>
auto embedding_lookup_sparse(const Params& params, const sparse_tensor<Ind, Ids>& sp_ids, combiner how = combiner::mean) {
  if constexpr (detail::check_bag_operands<Params, Ids>())
    return make_op_node(embedding_bag_op<false>{how, sp_ids.dense_shape}, params, sp_ids.indices, sp_ids.values);
  else return scalar<value_t<Params>>({});
}

/// With weights (a sparse tensor of the same indices, TF's sp_weights): row b is
/// sum_k w_k params[id_k] divided by 1 (sum), sum_k w_k (mean) or sqrt(sum_k w_k^2) (sqrtn);
/// a divisor of 0 (an empty row) gives zeros. **Gradient:** into the table as above, and into
/// the weights. **Errors:** as above, and weights of another length than the ids.
template <operand Params, class Ind, class Ids, class WInd, class W>
auto embedding_lookup_sparse(const Params& params, const sparse_tensor<Ind, Ids>& sp_ids,
                             const sparse_tensor<WInd, W>& sp_weights, combiner how = combiner::mean) {
  static_assert(std::is_same_v<value_t<W>, value_t<Params>>, "sf::embedding_lookup_sparse: sp_weights must have params' dtype");
  if constexpr (detail::check_bag_operands<Params, Ids>())
    return make_op_node(embedding_bag_op<true>{how, sp_ids.dense_shape}, params, sp_ids.indices, sp_ids.values,
                        sp_weights.values);
  else return scalar<value_t<Params>>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_EMBEDDING_LOOKUP_SPARSE_HPP
