// SPDX-License-Identifier: MIT
/// \file
/// \brief `pad<ints<before0, after0, before1, after1, ...>, Mode>(x, value)`: TF's tf.pad with
/// mode CONSTANT (cells read `value`), REFLECT or SYMMETRIC.
#pragma once
#ifndef STATICFLOW_EXPR_PAD_HPP
#define STATICFLOW_EXPR_PAD_HPP

#include "staticflow/expr/remap.hpp"

namespace staticflow {

/// TF's pad modes. REFLECT mirrors about the edge cell (padding at most extent - 1 per side),
/// SYMMETRIC repeats the edge cell (at most extent).
enum class pad_mode { constant, reflect, symmetric };

template <class Paddings, pad_mode Mode>
struct pad_op {
  static constexpr const char* name = Mode == pad_mode::constant  ? "sf::pad"
                                      : Mode == pad_mode::reflect ? "sf::pad (REFLECT)"
                                                                  : "sf::pad (SYMMETRIC)";
  template <std::size_t R>
  static constexpr remap_plan<R, R> plan(const index_array<R>& in) {
    remap_plan<R, R> p{};
    p.in = in;
    for (std::size_t d = 0; d < R; ++d) {
      const int before = Paddings::values[2 * d], after = Paddings::values[2 * d + 1];
      if (before < 0 || after < 0) p.error = "a padding is negative";
      const std::size_t most = Mode == pad_mode::reflect ? in[d] - 1 : in[d];
      if (Mode != pad_mode::constant && in[d] != dyn &&
          (in[d] == 0 || static_cast<std::size_t>(before) > most || static_cast<std::size_t>(after) > most))
        p.error = Mode == pad_mode::reflect ? "REFLECT padding must be below the axis' extent"
                                            : "SYMMETRIC padding must not exceed the axis' extent";
      p.axes[d] = {Mode == pad_mode::constant  ? axis_read::pad_constant
                   : Mode == pad_mode::reflect ? axis_read::pad_reflect
                                               : axis_read::pad_symmetric,
                   d, before, 1};
      p.out[d] = extent_plus(in[d], before + after);
    }
    return p;
  }
};

/// **Shape:** extent d grows by before[d] + after[d]. **Gradient:** to the cells each output
/// read (mirrored cells add up); none to `value`.
/// **Errors:** not two paddings per axis, a negative one, or a mirror wider than the axis:
/// compile error for static extents, invalid_argument at run time.
template <class Paddings, pad_mode Mode = pad_mode::constant, operand E>
auto pad(const E& e, value_t<E> value = {}) {
  constexpr bool fits = Paddings::size == 2 * shape_of_t<E>::rank;
  static_assert(fits, "sf::pad: give two paddings (before, after) per axis of the operand");
  if constexpr (fits) return detail::make_remap<pad_op<Paddings, Mode>>(e, value);
  else return scalar<value_t<E>>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_PAD_HPP
