// SPDX-License-Identifier: MIT
/// \file
/// \brief `reverse<Axes...>(x)`: TF's tf.reverse(x, axis): the listed axes in reverse order.
#pragma once
#ifndef STATICFLOW_EXPR_REVERSE_HPP
#define STATICFLOW_EXPR_REVERSE_HPP

#include "staticflow/expr/remap.hpp"

namespace staticflow {

template <int... Axes>
struct reverse_op {
  static constexpr const char* name = "sf::reverse";
  template <std::size_t R>
  static constexpr remap_plan<R, R> plan(const index_array<R>& in) {
    remap_plan<R, R> p{};
    p.in = p.out = in;
    for (std::size_t d = 0; d < R; ++d) p.axes[d] = {axis_read::affine, d, 0, 1};
    if constexpr (sizeof...(Axes) > 0)
      for (int a : {Axes...}) {
        const auto axis = static_cast<std::size_t>(a < 0 ? a + static_cast<int>(R) : a);
        p.axes[axis] = {axis_read::affine, axis, static_cast<std::ptrdiff_t>(in[axis]) - 1, -1};
      }
    return p;
  }
};

namespace detail {
template <int Rank, int... Axes>
constexpr bool valid_reverse_axes() {
  bool seen[Rank == 0 ? 1 : Rank] = {};
  if constexpr (sizeof...(Axes) > 0)
    for (int a : {Axes...}) {
      const int axis = a < 0 ? a + Rank : a;
      if (axis < 0 || axis >= Rank || seen[axis]) return false;
      seen[axis] = true;
    }
  return true;
}
}  // namespace detail

/// **Shape:** unchanged. **Gradient:** the upstream gradient reversed along the same axes.
/// **Errors:** an axis out of range or listed twice: compile error.
template <int... Axes, operand E>
auto reverse(const E& e) {
  constexpr bool valid = detail::valid_reverse_axes<static_cast<int>(shape_of_t<E>::rank), Axes...>();
  static_assert(valid, "sf::reverse: every axis must be within the operand's rank, and listed once");
  if constexpr (valid) return detail::make_remap<reverse_op<Axes...>>(e);
  else return scalar<value_t<E>>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_REVERSE_HPP
