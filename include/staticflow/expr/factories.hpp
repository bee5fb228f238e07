// SPDX-License-Identifier: MIT
/// \file
/// \brief Tensor factories: zeros, ones, fill, constant, and seeded random tensors.
///
/// Random tensors are generator expressions: element i is a pure function of (seed, i) through
/// Philox-4x32-10, so the same seed gives the same numbers on the host and on CUDA, whatever
/// the evaluation order. Assign them to a tensor of either policy, or call `eval`.
#pragma once
#ifndef STATICFLOW_EXPR_FACTORIES_HPP
#define STATICFLOW_EXPR_FACTORIES_HPP

#include <cstddef>
#include <cstdint>

#include "staticflow/core/random.hpp"
#include "staticflow/core/shape_error.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/expr/assign.hpp"
#include "staticflow/expr/elementwise.hpp"

namespace staticflow {

namespace detail {
template <class T>
struct constant_gen {
  T value;
  SF_HD_INLINE T operator()(std::uint64_t) const { return value; }
};
}  // namespace detail

/// Every element equal to `value`, as an expression. **Example:** `t = sf::filled<float, sf::shape<3>>(2.f);`
template <element_type T, any_shape S, class... Ext>
auto filled(T value, Ext... dynamic) {
  return generator<detail::constant_gen<T>, T, S>({value}, detail::make_dims<S>(dynamic...));
}

/// A tensor whose elements all equal `value` (TF's `tf.fill`).
template <element_type T, any_shape S, class Policy = host, class... Ext>
tensor<T, S, Policy> fill(T value, Ext... dynamic) {
  tensor<T, S, Policy> t(detail::make_dims<S>(dynamic...));
  t = filled<T, S>(value, dynamic...);
  return t;
}
template <element_type T, any_shape S, class Policy = host, class... Ext>
tensor<T, S, Policy> zeros(Ext... dynamic) {
  return fill<T, S, Policy>(T(0), dynamic...);
}
template <element_type T, any_shape S, class Policy = host, class... Ext>
tensor<T, S, Policy> ones(Ext... dynamic) {
  return fill<T, S, Policy>(T(1), dynamic...);
}

namespace detail {
template <class S, std::size_t N>
struct check_constant_size {
  static constexpr bool value = [] {
    constexpr bool ok = S::is_static ? N == S::static_size : (S::dyn_count == 1 && N % S::static_part == 0);
    if constexpr (!ok && S::is_static)
      SF_SHAPE_ASSERT("sf::constant: the number of values differs from the shape's element count",
                      "shape " + shape_text<S>, extent_text<N> + " values");
    else if constexpr (!ok)
      SF_SHAPE_ASSERT("sf::constant: with a dyn extent, the number of values must be a multiple of the static extents",
                      "shape " + shape_text<S>, extent_text<N> + " values");
    return ok;
  }();
};
}  // namespace detail

/// A host tensor holding `values` in row-major order (TF's `tf.constant`). The count is checked
/// at compile time; a single `dyn` extent is inferred from it.
/// **Example:** `auto b = sf::constant<float, sf::shape<3>>({1, 2, 3});`
template <element_type T, any_shape S, std::size_t N>
tensor<T, S, host> constant(const T (&values)[N]) {
  if constexpr (detail::check_constant_size<S, N>::value) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = S::extents[i] == dyn ? N / S::static_part : S::extents[i];
    tensor<T, S, host> t(d);
    for (std::size_t i = 0; i < N; ++i) t.data()[i] = values[i];
    return t;
  } else {
    return {};
  }
}

/// A host tensor from run-time data; throws invalid_argument when the count does not fit.
template <element_type T, any_shape S, class... Ext>
tensor<T, S, host> from_values(std::span<const T> values, Ext... dynamic) {
  tensor<T, S, host> t(detail::make_dims<S>(dynamic...));
  if (values.size() != t.size())
    detail::fail<invalid_argument>({"sf::from_values: ", values.size(), " values for extents ", to_string(t.dims())});
  for (std::size_t i = 0; i < values.size(); ++i) t.data()[i] = values[i];
  return t;
}

// ---- random (TF's random_normal, random_uniform, truncated_normal, random_gamma) ------------------

/// Normal(mean, stddev) samples, as an expression. **Example:**
/// `sf::tensor<float, sf::shape<2, 3>> w = sf::random_normal<float, sf::shape<2, 3>>(0.f, 1.f, 1);`
template <floating_element T, any_shape S, class... Ext>
auto random_normal(T mean, T stddev, std::uint64_t seed, Ext... dynamic) {
  normal_generator<T> g{};
  g.seed = seed, g.mean = mean, g.stddev = stddev;
  return generator<normal_generator<T>, T, S>(g, detail::make_dims<S>(dynamic...));
}

/// Uniform samples in [lo, hi).
template <floating_element T, any_shape S, class... Ext>
auto random_uniform(T lo, T hi, std::uint64_t seed, Ext... dynamic) {
  if (!(lo < hi)) detail::fail<invalid_argument>({"sf::random_uniform: needs lo < hi, got [", lo, ", ", hi, ")"});
  uniform_generator<T> g{};
  g.seed = seed, g.lo = lo, g.hi = hi;
  return generator<uniform_generator<T>, T, S>(g, detail::make_dims<S>(dynamic...));
}

/// Normal samples re-drawn when more than 2 stddev from the mean (TF's truncated_normal).
template <floating_element T, any_shape S, class... Ext>
auto truncated_normal(T mean, T stddev, std::uint64_t seed, Ext... dynamic) {
  truncated_normal_generator<T> g{};
  g.seed = seed, g.mean = mean, g.stddev = stddev;
  return generator<truncated_normal_generator<T>, T, S>(g, detail::make_dims<S>(dynamic...));
}

/// Gamma(alpha) samples with rate `beta` (TF's random_gamma: mean alpha / beta).
/// **Errors:** alpha or beta not positive and finite: invalid_argument.
template <floating_element T, any_shape S, class... Ext>
auto random_gamma(T alpha, T beta, std::uint64_t seed, Ext... dynamic) {
  validate_gamma_alpha(alpha, "sf::random_gamma");
  validate_gamma_beta(beta, "sf::random_gamma");
  gamma_generator<T> g{};
  g.seed = seed, g.alpha = alpha, g.beta = beta;
  return generator<gamma_generator<T>, T, S>(g, detail::make_dims<S>(dynamic...));
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_FACTORIES_HPP
