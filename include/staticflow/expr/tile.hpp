// SPDX-License-Identifier: MIT
/// \file
/// \brief `tile<Multiples...>(x)`: TF's tf.tile: x repeated Multiples[d] times along axis d.
#pragma once
#ifndef STATICFLOW_EXPR_TILE_HPP
#define STATICFLOW_EXPR_TILE_HPP

#include "staticflow/expr/remap.hpp"

namespace staticflow {

template <std::size_t... Multiples>
struct tile_op {
  static constexpr const char* name = "sf::tile";
  template <std::size_t R>
  static constexpr remap_plan<R, R> plan(const index_array<R>& in) {
    constexpr std::size_t times[] = {Multiples..., 0};
    remap_plan<R, R> p{};
    p.in = in;
    for (std::size_t d = 0; d < R; ++d) {
      p.axes[d] = {axis_read::wrap, d, 0, 1};
      p.out[d] = in[d] == dyn ? dyn : in[d] * times[d];
    }
    return p;
  }
};

/// **Shape:** extent d times Multiples[d]. **Gradient:** the sum of the upstream gradient over
/// the copies. **Errors:** not one multiple per axis: compile error.
template <std::size_t... Multiples, operand E>
auto tile(const E& e) {
  constexpr bool fits = sizeof...(Multiples) == shape_of_t<E>::rank;
  if constexpr (!fits)
    SF_SHAPE_ASSERT("sf::tile: give one multiple per axis of the operand", "operand " + shape_text<shape_of_t<E>>,
                    "multiples " + shape_text<shape<Multiples...>>);
  if constexpr (fits) return detail::make_remap<tile_op<Multiples...>>(e);
  else return scalar<value_t<E>>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_TILE_HPP
