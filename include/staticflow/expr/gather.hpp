// SPDX-License-Identifier: MIT
/// \file
/// \brief `gather(params, indices)`: TF's tf.gather(params, indices) along axis 0: rows of
/// `params` picked by integer `indices` (embedding lookups).
#pragma once
#ifndef STATICFLOW_EXPR_GATHER_HPP
#define STATICFLOW_EXPR_GATHER_HPP

#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/gather.hpp"

namespace staticflow {

namespace detail {
template <class SP, class SI>
struct gather_shape {
  static constexpr std::size_t rank = SI::rank + SP::rank - 1;
  static constexpr std::array<std::size_t, rank> extents = [] {
    std::array<std::size_t, rank> e{};
    for (std::size_t d = 0; d < SI::rank; ++d) e[d] = SI::extents[d];
    for (std::size_t d = 1; d < SP::rank; ++d) e[SI::rank + d - 1] = SP::extents[d];
    return e;
  }();
  using type = typename shape_from_array<extents, rank>::type;
};

[[noreturn, gnu::cold]] inline void throw_gather_index(std::size_t at, long long index, std::size_t rows) {
  detail::fail<invalid_argument>({"sf::gather: indices[", at, "] = ", index, " is not in [0, ", rows, ")"});
}
}  // namespace detail

struct gather_op {
  static constexpr const char* name = "sf::gather";
  template <class TP, class TI>
  using value_type = TP;
  template <class SP, class SI>
  using result_shape = typename detail::gather_shape<SP, SI>::type;
  template <class S, class DP, class DI>
  static dims_t<S> result_dims(const DP& params, const DI& indices) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < DI::size(); ++i) d[i] = indices[i];
    for (std::size_t i = 1; i < DP::size(); ++i) d[DI::size() + i - 1] = params[i];
    return d;
  }

  template <class P, class Out, class Params, class Indices, class Tmp>
  void forward(const Out& out, const Params& params, const Indices& indices, Tmp&) const {
    const std::size_t rows = params.dim(0), inner = rows ? params.size() / rows : 0;
    if constexpr (std::is_same_v<P, host>)  // (on a GPU an index outside reads zeros, as TF's)
      for (std::size_t k = 0; k < indices.size(); ++k)
        if (indices.data()[k] < 0 || static_cast<std::size_t>(indices.data()[k]) >= rows)
          detail::throw_gather_index(k, static_cast<long long>(indices.data()[k]), rows);
    using T = typename Params::value_type;
    using I = typename Indices::value_type;
    executor<P>::for_each(out.size(), ops::gather_rows<T, I>{out.data(), params.data(), indices.data(), rows, inner});
  }

  /// The params' gradient (integer indices have none: op_node asks for floating operands only).
  template <int Side, class P, class D, class Params, class Indices, class V, class G, class Tmp>
  void backward(const D& d, const Params& params, const Indices& indices, const V&, const G& g, Tmp&) const {
    static_assert(Side == 0);
    const std::size_t rows = params.dim(0), inner = rows ? params.size() / rows : 0;
    using T = typename Params::value_type;
    using I = typename Indices::value_type;
    executor<P>::for_each(inner, ops::scatter_add_rows<T, I>{d.data(), g.data(), indices.data(), indices.size(), rows, inner},
                          indices.size() + rows);
  }
};

/// Rows of `params` ([rows, ...]) at `indices` (any rank, int32 or int64).
/// **Shape:** indices' shape + params' shape without its first axis.
/// **Gradient:** into params, each row's gradients summed (repeated indices add up).
/// **Errors:** an index outside [0, rows): invalid_argument on the host (CUDA reads zeros, as TF).
template <operand Params, operand Indices>
auto gather(const Params& params, const Indices& indices) {
  using I = value_t<Indices>;
  constexpr bool integral = std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>;
  static_assert(integral, "sf::gather: indices must be int32 or int64");
  static_assert(shape_of_t<Params>::rank >= 1, "sf::gather: params need at least one axis (the rows)");
  if constexpr (integral && shape_of_t<Params>::rank >= 1) return make_op_node(gather_op{}, params, indices);
  else return scalar<value_t<Params>>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_GATHER_HPP
