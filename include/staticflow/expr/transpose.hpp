// SPDX-License-Identifier: MIT
/// \file
/// \brief `transpose<Perm...>(x)`: TF's tf.transpose(x, perm); `transpose(x)` reverses the axes.
#pragma once
#ifndef STATICFLOW_EXPR_TRANSPOSE_HPP
#define STATICFLOW_EXPR_TRANSPOSE_HPP

#include <cstdint>
#include <vector>

#include "staticflow/expr/remap.hpp"

namespace staticflow {

/// Output axis d is input axis Perm[d].
template <int... Perm>
struct transpose_op {
  static constexpr const char* name = "sf::transpose";
  static constexpr const char* tf_op = "Transpose";
  /// The permutation goes in as a second input, an int32 Const.
  template <class B>
  static void tf_attrs(B& b) {
    b.template type<std::int32_t>("Tperm");
    b.const_input("perm", {static_cast<std::int64_t>(sizeof...(Perm))}, std::vector<std::int32_t>{Perm...});
  }
  template <std::size_t R>
  static constexpr remap_plan<R, R> plan(const index_array<R>& in) {
    constexpr int perm[] = {Perm..., 0};
    remap_plan<R, R> p{};
    p.in = in;
    for (std::size_t d = 0; d < R; ++d) {
      const auto from = static_cast<std::size_t>(perm[d]);
      p.axes[d] = {axis_read::affine, from, 0, 1};
      p.out[d] = in[from];
    }
    return p;
  }
};

namespace detail {
template <std::size_t R, int... Perm>
constexpr bool is_permutation() {
  if constexpr (sizeof...(Perm) != R) {
    return false;
  } else if constexpr (R == 0) {
    return true;
  } else {
    bool seen[R] = {};
    for (int a : {Perm...}) {
      if (a < 0 || static_cast<std::size_t>(a) >= R || seen[a]) return false;
      seen[a] = true;
    }
    return true;
  }
}
template <int... I>
transpose_op<(static_cast<int>(sizeof...(I)) - 1 - I)...> reversed_axes(std::integer_sequence<int, I...>);
}  // namespace detail

/// **Shape:** [d0, d1, ...] -> [d(Perm[0]), d(Perm[1]), ...]. **Gradient:** the inverse transpose.
/// **Errors:** `Perm` not a permutation of the axes: compile error.
template <int... Perm, operand E>
auto transpose(const E& e) {
  constexpr std::size_t rank = shape_of_t<E>::rank;
  if constexpr (sizeof...(Perm) == 0) {
    return detail::make_remap<decltype(detail::reversed_axes(std::make_integer_sequence<int, int(rank)>{}))>(e);
  } else {
    static_assert(detail::is_permutation<rank, Perm...>(),
                  "sf::transpose: Perm must list every axis of the operand exactly once");
    if constexpr (detail::is_permutation<rank, Perm...>()) return detail::make_remap<transpose_op<Perm...>>(e);
    else return scalar<value_t<E>>({});  // never used: the static_assert has failed
  }
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_TRANSPOSE_HPP
