// SPDX-License-Identifier: MIT
/// \file
/// \brief Learning-rate schedules with TF 1.x's formulas (tf.train.exponential_decay and friends).
///
/// A schedule maps the global step (the number of updates already applied) to a learning
/// rate. Schedules run on the host, once per update; the optimiser passes the result to its
/// kernel as a scalar.
#pragma once
#ifndef STATICFLOW_TRAIN_SCHEDULE_HPP
#define STATICFLOW_TRAIN_SCHEDULE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"

namespace staticflow::train {

namespace detail {

inline std::int64_t checked_decay_steps(std::int64_t decay_steps, const char* where) {
  if (decay_steps <= 0)
    staticflow::detail::fail<invalid_argument>({where, ": decay_steps must be positive, got ", decay_steps});
  return decay_steps;
}

/// step / decay_steps, floored when `staircase` (the exponent of TF's exponential-type decays).
inline double decay_progress(std::int64_t step, std::int64_t decay_steps, bool staircase) {
  const double p = static_cast<double>(step) / static_cast<double>(decay_steps);
  return staircase ? std::floor(p) : p;
}

}  // namespace detail

/// lr * decay_rate^(step / decay_steps); the exponent is floored when `staircase`
/// (tf.train.exponential_decay).
/// **Example:** `exponential_decay{0.1, 100, 0.96, true}(250) == 0.1 * 0.96 * 0.96`.
/// **Errors:** decay_steps <= 0 throws invalid_argument.
struct exponential_decay {
  double learning_rate;
  std::int64_t decay_steps;
  double decay_rate;
  bool staircase = false;

  exponential_decay(double lr, std::int64_t steps, double rate, bool stair = false)
      : learning_rate(lr),
        decay_steps(detail::checked_decay_steps(steps, "sf::train::exponential_decay")),
        decay_rate(rate),
        staircase(stair) {}

  double operator()(std::int64_t step) const {
    return learning_rate * std::pow(decay_rate, detail::decay_progress(step, decay_steps, staircase));
  }
};

/// lr / (1 + decay_rate * step / decay_steps), the quotient floored when `staircase`
/// (tf.train.inverse_time_decay).
struct inverse_time_decay {
  double learning_rate;
  std::int64_t decay_steps;
  double decay_rate;
  bool staircase = false;

  inverse_time_decay(double lr, std::int64_t steps, double rate, bool stair = false)
      : learning_rate(lr),
        decay_steps(detail::checked_decay_steps(steps, "sf::train::inverse_time_decay")),
        decay_rate(rate),
        staircase(stair) {}

  double operator()(std::int64_t step) const {
    return learning_rate / (1.0 + decay_rate * detail::decay_progress(step, decay_steps, staircase));
  }
};

/// lr * exp(-decay_rate * step / decay_steps), the quotient floored when `staircase`
/// (tf.train.natural_exp_decay).
struct natural_exp_decay {
  double learning_rate;
  std::int64_t decay_steps;
  double decay_rate;
  bool staircase = false;

  natural_exp_decay(double lr, std::int64_t steps, double rate, bool stair = false)
      : learning_rate(lr),
        decay_steps(detail::checked_decay_steps(steps, "sf::train::natural_exp_decay")),
        decay_rate(rate),
        staircase(stair) {}

  double operator()(std::int64_t step) const {
    return learning_rate * std::exp(-decay_rate * detail::decay_progress(step, decay_steps, staircase));
  }
};

/// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
/// values.back() after the last boundary (tf.train.piecewise_constant).
/// **Errors:** values.size() != boundaries.size() + 1, or boundaries not strictly increasing:
/// invalid_argument.
class piecewise_constant {
 public:
  piecewise_constant(std::vector<std::int64_t> boundaries, std::vector<double> values)
      : boundaries_(std::move(boundaries)), values_(std::move(values)) {
    if (values_.size() != boundaries_.size() + 1)
      staticflow::detail::fail<invalid_argument>({"sf::train::piecewise_constant: ", boundaries_.size(),
                                                  " boundaries need ", boundaries_.size() + 1, " values, got ",
                                                  values_.size()});
    for (std::size_t i = 1; i < boundaries_.size(); ++i)
      if (boundaries_[i] <= boundaries_[i - 1])
        staticflow::detail::fail<invalid_argument>({"sf::train::piecewise_constant: boundaries must increase, but "
                                                    "boundary ", i, " (", boundaries_[i], ") follows ",
                                                    boundaries_[i - 1]});
  }

  double operator()(std::int64_t step) const {
    // The first boundary that is >= step picks the value; a step on a boundary still gets the earlier value.
    const auto it = std::lower_bound(boundaries_.begin(), boundaries_.end(), step);
    return values_[static_cast<std::size_t>(it - boundaries_.begin())];
  }

  const std::vector<std::int64_t>& boundaries() const { return boundaries_; }
  const std::vector<double>& values() const { return values_; }

 private:
  std::vector<std::int64_t> boundaries_;
  std::vector<double> values_;
};

/// (lr - end_lr) * (1 - step'/decay_steps')^power + end_lr with step' = min(step, decay_steps)
/// (tf.train.polynomial_decay). With `cycle`, decay_steps' = decay_steps * ceil(step / decay_steps)
/// (at least one period), so the rate restarts after every period.
struct polynomial_decay {
  double learning_rate;
  std::int64_t decay_steps;
  double end_learning_rate = 0.0001;
  double power = 1.0;
  bool cycle = false;

  polynomial_decay(double lr, std::int64_t steps, double end_lr = 0.0001, double pow = 1.0, bool cyc = false)
      : learning_rate(lr),
        decay_steps(detail::checked_decay_steps(steps, "sf::train::polynomial_decay")),
        end_learning_rate(end_lr),
        power(pow),
        cycle(cyc) {}

  double operator()(std::int64_t step) const {
    double s = static_cast<double>(step);
    double period = static_cast<double>(decay_steps);
    if (cycle) {
      // TF treats step 0 as the first period (ceil(0) would give a zero-length one).
      const double periods = step == 0 ? 1.0 : std::ceil(s / period);
      period *= periods;
    } else {
      s = std::min(s, period);
    }
    return (learning_rate - end_learning_rate) * std::pow(1.0 - s / period, power) + end_learning_rate;
  }
};

/// lr * ((1 - alpha) * 0.5 * (1 + cos(pi * step' / decay_steps)) + alpha), step' = min(step, decay_steps)
/// (tf.train.cosine_decay).
struct cosine_decay {
  double learning_rate;
  std::int64_t decay_steps;
  double alpha = 0.0;

  cosine_decay(double lr, std::int64_t steps, double a = 0.0)
      : learning_rate(lr), decay_steps(detail::checked_decay_steps(steps, "sf::train::cosine_decay")), alpha(a) {}

  double operator()(std::int64_t step) const {
    const double s = std::min(static_cast<double>(step), static_cast<double>(decay_steps));
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * s / static_cast<double>(decay_steps)));
    return learning_rate * ((1.0 - alpha) * cosine + alpha);
  }
};

/// Any schedule, type-erased: a constant learning rate (from a number) or any callable
/// `double(std::int64_t global_step)` such as the schedules above.
/// **Example:** `sf::train::schedule lr = 0.01;` or `lr = sf::train::cosine_decay{0.1, 1000};`
class schedule {
 public:
  schedule(double constant)  // NOLINT: implicit, so optimisers accept a plain number
      : fn_([constant](std::int64_t) { return constant; }), constant_(true) {}

  template <class F>
    requires(!std::is_arithmetic_v<std::remove_cvref_t<F>> &&
             !std::is_same_v<std::remove_cvref_t<F>, schedule> &&
             std::is_invocable_r_v<double, const std::remove_cvref_t<F>&, std::int64_t>)
  schedule(F&& f)  // NOLINT: implicit, so `gradient_descent(exponential_decay{...})` reads as in TF
      : fn_(std::forward<F>(f)) {}

  double operator()(std::int64_t global_step) const { return fn_(global_step); }
  /// True when built from a number (the rate never changes).
  bool is_constant() const { return constant_; }

 private:
  std::function<double(std::int64_t)> fn_;
  bool constant_ = false;
};

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_SCHEDULE_HPP
