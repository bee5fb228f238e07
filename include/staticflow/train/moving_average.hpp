// SPDX-License-Identifier: MIT
/// \file
/// \brief The arithmetic of tf.train.ExponentialMovingAverage: the effective decay and the
/// shadow update, one fused pass on any device.
#pragma once
#ifndef STATICFLOW_TRAIN_MOVING_AVERAGE_HPP
#define STATICFLOW_TRAIN_MOVING_AVERAGE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/expr/assign.hpp"

namespace staticflow::train {

template <class T>
struct moving_average_update {
  T* shadow;
  const T* var;
  T one_minus_decay;
  SF_HD_INLINE void operator()(std::size_t i) const { shadow[i] -= one_minus_decay * (shadow[i] - var[i]); }
};

/// shadow -= (1 - d) * (shadow - var) with d = decay, or d = min(decay, (1 + n) / (10 + n)) when a
/// number of updates n is given, so that early averages follow the variable quickly.
/// **Example:** decay 0.99, shadow 0, var 5, n = 0: d = 0.1 and the shadow becomes 4.5.
/// **Errors:** decay outside [0, 1]: invalid_argument.
class exponential_moving_average {
 public:
  explicit exponential_moving_average(double decay) : decay_(decay) {
    if (!(decay >= 0.0 && decay <= 1.0))
      staticflow::detail::fail<invalid_argument>(
          {"sf::train::exponential_moving_average: decay must lie in [0, 1], got ", decay});
  }

  double decay() const { return decay_; }

  /// The decay used for an update; `num_updates` is TF's num_updates (usually the global step).
  double effective_decay(std::optional<std::int64_t> num_updates = {}) const {
    if (!num_updates) return decay_;
    const double n = static_cast<double>(*num_updates);
    return std::min(decay_, (1.0 + n) / (10.0 + n));
  }

  /// Moves every element of `shadow` towards `var`; both must hold the same number of elements.
  template <class T, class S, class P>
  void update(const tensor_view<T, S, P>& shadow, const tensor_view<T, S, P>& var,
              std::optional<std::int64_t> num_updates = {}) const {
    static_assert(floating_element<T>, "sf::train::exponential_moving_average: variables must have a floating dtype");
    if (shadow.size() != var.size())
      staticflow::detail::fail<invalid_argument>({"sf::train::exponential_moving_average::update: the shadow has ",
                                                  shadow.size(), " elements but the variable has ", var.size()});
    const T one_minus = static_cast<T>(1.0 - effective_decay(num_updates));
    executor<P>::for_each(var.size(), moving_average_update<T>{shadow.data(), var.data(), one_minus});
  }

 private:
  double decay_;
};

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_MOVING_AVERAGE_HPP
