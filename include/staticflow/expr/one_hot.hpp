// SPDX-License-Identifier: MIT
/// \file
/// \brief `one_hot<Depth, T>(indices, on, off)`: TF's tf.one_hot: a new last axis of `Depth`
/// holding `on` at each index and `off` elsewhere. Built from existing nodes (a comparison of
/// the indices, given a trailing axis, with a range), so it fuses with what follows.
#pragma once
#ifndef STATICFLOW_EXPR_ONE_HOT_HPP
#define STATICFLOW_EXPR_ONE_HOT_HPP

#include <cstdint>
#include <type_traits>

#include "staticflow/expr/reshape.hpp"

namespace staticflow {

namespace detail {
template <class I>
struct range_gen {
  SF_HD_INLINE I operator()(std::uint64_t i) const { return static_cast<I>(i); }
};
template <class S>
struct with_unit_axis;
template <std::size_t... E>
struct with_unit_axis<shape<E...>> {
  using type = shape<E..., 1>;
};
}  // namespace detail

/// **Shape:** indices' shape + [Depth]. An index outside [0, Depth) gives a row of `off` (TF).
/// No gradient flows into the indices.
template <std::size_t Depth, element_type T = float, operand I>
auto one_hot(const I& indices, T on = T(1), T off = T(0)) {
  using index_type = value_t<I>;
  static_assert(std::is_integral_v<index_type> && !std::is_same_v<index_type, bool>,
                "sf::one_hot: the indices must be an integer expression");
  static_assert(Depth >= 1, "sf::one_hot: Depth must be at least 1");
  using column = typename detail::with_unit_axis<shape_of_t<I>>::type;
  const generator<detail::range_gen<index_type>, index_type, shape<Depth>> range({}, {{Depth}});
  return where(equal(reshape<column>(indices), range), scalar<T>(on), scalar<T>(off));
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_ONE_HOT_HPP
