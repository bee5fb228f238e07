// SPDX-License-Identifier: MIT
/// \file
/// \brief The kernel of `update_moving_average`: pass a value through and fold it into an
/// exponential moving average, TF's `average -= (average - value) * (1 - decay)`.
#pragma once
#ifndef STATICFLOW_OPS_MOVING_AVERAGE_HPP
#define STATICFLOW_OPS_MOVING_AVERAGE_HPP

#include <cstddef>

#include "staticflow/config.hpp"

namespace staticflow::ops {

template <class T>
struct moving_average_fold {
  T* out;
  T* average;
  const T* value;
  T decay;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T v = value[i];
    out[i] = v;
    average[i] -= (average[i] - v) * (T(1) - decay);
  }
};

/// Copies the upstream gradient (the pass-through's backward).
template <class T>
struct copy {
  T* out;
  const T* in;
  SF_HD_INLINE void operator()(std::size_t i) const { out[i] = in[i]; }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_MOVING_AVERAGE_HPP
