// SPDX-License-Identifier: MIT
/// \file
/// \brief Row kernels of the fused softmax cross-entropy (forward and both gradients), and the
/// fused elementwise sigmoid cross-entropy.
#pragma once
#ifndef STATICFLOW_OPS_LOSS_HPP
#define STATICFLOW_OPS_LOSS_HPP

#include <cmath>
#include <cstddef>

#include "staticflow/config.hpp"

namespace staticflow::ops {

/// Sigmoid cross-entropy of labels z and logits x in TF's stable form
/// max(x, 0) - x * z + log(1 + exp(-|x|)), as one functor so that its gradient is the exact
/// derivative sigmoid(x) - z everywhere. (Built from maximum and abs, the chain rule at x = 0
/// takes maximum's tie gradient 1 and abs' subgradient 0, giving 1 - z instead of 0.5 - z.)
/// With respect to the labels the gradient is -x, as in TF's composite op.
struct sigmoid_xent {
  static constexpr const char* name = "sf::sigmoid_cross_entropy_with_logits";
  template <class T> SF_HD_INLINE T operator()(T z, T x) const {
    const T neg_abs = x < T(0) ? x : -x;
    return (x > T(0) ? x : T(0)) - x * z + std::log1p(std::exp(neg_abs));
  }
  template <class T> SF_HD_INLINE T grad_a(T, T x, T, T g) const { return -x * g; }
  template <class T> SF_HD_INLINE T grad_b(T z, T x, T, T g) const {
    // sigmoid(x) without overflow: exp of a non-positive number only.
    const T e = std::exp(x < T(0) ? x : -x);
    const T sig = x < T(0) ? e / (T(1) + e) : T(1) / (T(1) + e);
    return g * (sig - z);
  }
};

/// Per row of C logits: max, log-sum-exp of (x - max), so nothing overflows for |x| ~ 1e4.
template <class T>
SF_HD_INLINE void row_logsumexp(const T* x, std::size_t c, T& max, T& lse) {
  max = x[0];
  for (std::size_t j = 1; j < c; ++j) max = x[j] > max ? x[j] : max;
  T sum = 0;
  for (std::size_t j = 0; j < c; ++j) sum += std::exp(x[j] - max);
  lse = std::log(sum);
}

/// loss[r] = sum_j labels[r, j] * (lse - (x[r, j] - max)).
template <class T>
struct softmax_xent_forward {
  T* loss;
  const T* labels;
  const T* logits;
  std::size_t classes;
  SF_HD_INLINE void operator()(std::size_t r) const {
    const T* x = logits + r * classes;
    const T* y = labels + r * classes;
    T max, lse;
    row_logsumexp(x, classes, max, lse);
    T acc = 0;
    for (std::size_t j = 0; j < classes; ++j) acc += y[j] * (lse - (x[j] - max));
    loss[r] = acc;
  }
};

/// d logits[r, j] = g[r] * (softmax_j * sum(labels[r]) - labels[r, j]);
/// d labels[r, j] = g[r] * (lse - (x[r, j] - max)) = -g[r] * log softmax_j.
template <class T, bool WrtLogits>
struct softmax_xent_backward {
  T* d;
  const T* labels;
  const T* logits;
  const T* g;
  std::size_t classes;
  SF_HD_INLINE void operator()(std::size_t r) const {
    const T* x = logits + r * classes;
    const T* y = labels + r * classes;
    T max, lse;
    row_logsumexp(x, classes, max, lse);
    if constexpr (WrtLogits) {
      T total = 0;
      for (std::size_t j = 0; j < classes; ++j) total += y[j];
      for (std::size_t j = 0; j < classes; ++j) d[r * classes + j] = g[r] * (std::exp(x[j] - max - lse) * total - y[j]);
    } else {
      for (std::size_t j = 0; j < classes; ++j) d[r * classes + j] = g[r] * (lse - (x[j] - max));
    }
  }
};

/// loss[r] = logsumexp(x[r]) - x[r, label[r]]; a label outside [0, classes) gives NaN, as TF's
/// CPU kernel reports it (device code cannot throw).
template <class T, class L>
struct sparse_xent_forward {
  T* loss;
  const L* labels;
  const T* logits;
  std::size_t classes;
  SF_HD_INLINE void operator()(std::size_t r) const {
    const T* x = logits + r * classes;
    T max, lse;
    row_logsumexp(x, classes, max, lse);
    const auto k = labels[r];
    loss[r] = k >= 0 && static_cast<std::size_t>(k) < classes ? lse - (x[k] - max) : T(NAN);
  }
};

/// d logits[r, j] = g[r] * (softmax_j - [j == label[r]]).
template <class T, class L>
struct sparse_xent_backward {
  T* d;
  const L* labels;
  const T* logits;
  const T* g;
  std::size_t classes;
  SF_HD_INLINE void operator()(std::size_t r) const {
    const T* x = logits + r * classes;
    T max, lse;
    row_logsumexp(x, classes, max, lse);
    const auto k = labels[r];
    for (std::size_t j = 0; j < classes; ++j)
      d[r * classes + j] = g[r] * (std::exp(x[j] - max - lse) - (static_cast<decltype(k)>(j) == k ? T(1) : T(0)));
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_LOSS_HPP
