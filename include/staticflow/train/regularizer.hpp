// SPDX-License-Identifier: MIT
/// \file
/// \brief Weight penalties to add to a loss (tf.contrib.layers.l1_regularizer, l2_regularizer,
/// l1_l2_regularizer), returned as expressions so they differentiate like any other term.
#pragma once
#ifndef STATICFLOW_TRAIN_REGULARIZER_HPP
#define STATICFLOW_TRAIN_REGULARIZER_HPP

#include <string>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/elementwise.hpp"
#include "staticflow/expr/node.hpp"
#include "staticflow/expr/reduce.hpp"

namespace staticflow::train {

namespace detail {
inline double checked_scale(double scale, const char* where) {
  if (!(scale >= 0.0))
    staticflow::detail::fail<invalid_argument>({"sf::train::", where, ": scale must not be negative, got ", scale});
  return scale;
}
}  // namespace detail

/// scale * sum(|w|).
/// **Example:** `auto loss = data_loss + sf::train::l1_regularizer(1e-4)(w);`
/// **Errors:** scale < 0: invalid_argument.
class l1_regularizer {
 public:
  explicit l1_regularizer(double scale) : scale_(detail::checked_scale(scale, "l1_regularizer")) {}

  template <operand W>
  auto operator()(const W& w) const {
    return static_cast<value_t<W>>(scale_) * reduce_sum(abs(w));
  }

  double scale() const { return scale_; }

 private:
  double scale_;
};

/// scale * sum(w^2) / 2: TF's l2_loss carries the half, so the gradient is scale * w.
/// **Example:** `auto loss = data_loss + sf::train::l2_regularizer(1e-4)(w);`
/// **Errors:** scale < 0: invalid_argument.
class l2_regularizer {
 public:
  explicit l2_regularizer(double scale) : scale_(detail::checked_scale(scale, "l2_regularizer")) {}

  template <operand W>
  auto operator()(const W& w) const {
    // scale/2 is exact in binary floating point, so folding the half into the factor changes no bits.
    return static_cast<value_t<W>>(scale_ / 2) * reduce_sum(square(w));
  }

  double scale() const { return scale_; }

 private:
  double scale_;
};

/// scale_l1 * sum(|w|) + scale_l2 * sum(w^2) / 2.
/// **Errors:** a negative scale: invalid_argument.
class l1_l2_regularizer {
 public:
  l1_l2_regularizer(double scale_l1, double scale_l2) : l1_(scale_l1), l2_(scale_l2) {}

  template <operand W>
  auto operator()(const W& w) const {
    return l1_(w) + l2_(w);
  }

 private:
  l1_regularizer l1_;
  l2_regularizer l2_;
};

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_REGULARIZER_HPP
