// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of inverted dropout: keep an element with probability 1 - rate and scale it
/// by 1 / (1 - rate). The mask is a pure function of (seed, run counter, index), so the forward
/// and backward passes of one run agree without storing it, on the host and on CUDA.
#pragma once
#ifndef STATICFLOW_OPS_DROPOUT_HPP
#define STATICFLOW_OPS_DROPOUT_HPP

#include <cstddef>
#include <cstdint>

#include "staticflow/core/random.hpp"

namespace staticflow::ops {

/// Whether element i survives in the run numbered `run`.
template <class T>
SF_HD_INLINE bool dropout_keeps(std::uint64_t seed, std::int64_t run, std::size_t i, double rate) {
  uniform_generator<float> u{};
  u.seed = seed;
  u.stream = static_cast<std::uint64_t>(run);
  return u(i) >= static_cast<float>(rate);
}

/// Advances the run counter (one index), so every training run draws a new mask.
struct dropout_next_run {
  std::int64_t* run;
  SF_HD_INLINE void operator()(std::size_t) const { ++*run; }
};

/// y = keep ? x / (1 - rate) : 0 (forward), or dx = keep ? g / (1 - rate) : 0 (backward).
template <class T>
struct dropout_apply {
  T* out;
  const T* in;
  const std::int64_t* run;
  std::uint64_t seed;
  double rate;
  SF_HD_INLINE void operator()(std::size_t i) const {
    out[i] = dropout_keeps<T>(seed, *run, i, rate) ? in[i] / static_cast<T>(1 - rate) : T(0);
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_DROPOUT_HPP
