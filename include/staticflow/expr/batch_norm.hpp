// SPDX-License-Identifier: MIT
/// \file
/// \brief Batch normalisation, TF 1.x style: `moments` (batch statistics), `batch_normalization`
/// (tf.nn.batch_normalization) and `update_moving_average`, which keeps a layer's inference
/// statistics as its training batches pass.
#pragma once
#ifndef STATICFLOW_EXPR_BATCH_NORM_HPP
#define STATICFLOW_EXPR_BATCH_NORM_HPP

#include <cstddef>
#include <string>
#include <utility>

#include "staticflow/expr/op_node.hpp"
#include "staticflow/expr/reduce.hpp"
#include "staticflow/expr/reshape.hpp"
#include "staticflow/ops/moving_average.hpp"

namespace staticflow {

/// The op behind `update_moving_average`: the left operand is the average (a non-trainable
/// variable of the value's shape), updated in place at every forward pass; the right operand is
/// the value, passed through unchanged (and so is its gradient).
struct moving_average_op {
  static constexpr const char* name = "sf::update_moving_average";
  double decay;
  template <class SA, class SV>
  using result_shape = SV;
  template <class S, class DA, class DV>
  static dims_t<S> result_dims(const DA& average, const DV& value) {
    bool same = true;
    for (std::size_t d = 0; d < S::rank; ++d) same = same && average[d] == value[d];
    if (!same)
      detail::fail<invalid_argument>({"sf::update_moving_average: the average has extents ", to_string(average),
                                      " but the value ", to_string(value)});
    dims_t<S> out{};
    for (std::size_t d = 0; d < S::rank; ++d) out[d] = value[d];
    return out;
  }
  template <class P, class Out, class A, class V, class Tmp>
  void forward(const Out& out, const A& average, const V& value, Tmp&) const {
    using T = typename V::value_type;
    executor<P>::for_each(out.size(), ops::moving_average_fold<T>{out.data(), average.data(), value.data(), T(decay)});
  }
  template <int Side, class P, class D, class A, class V, class Out, class G, class Tmp>
  void backward(const D& d, const A&, const V&, const Out&, const G& g, Tmp&) const {
    using T = typename V::value_type;
    if constexpr (Side == 1) executor<P>::for_each(d.size(), ops::copy<T>{d.data(), g.data()});
  }
};

/// `value`, unchanged; each evaluation also folds it into `average` (TF's
/// assign_moving_average: average -= (average - value) * (1 - decay)). Within one session run
/// the node is evaluated once however often the expression uses it.
/// **Errors:** decay outside [0, 1]: invalid_argument; extents that differ: invalid_argument.
template <operand A, operand V>
auto update_moving_average(const A& average, const V& value, double decay) {
  static_assert(std::is_same_v<value_t<A>, value_t<V>> && shape_of_t<A>::rank == shape_of_t<V>::rank,
                "sf::update_moving_average: the average must have the value's dtype and rank");
  if (!(decay >= 0 && decay <= 1))
    detail::fail<invalid_argument>({"sf::update_moving_average: decay must be in [0, 1], got ", decay});
  return make_op_node(moving_average_op{decay}, average, value);
}

namespace detail {
/// Whether `Axes` (negative ones counted from the back) are 0, 1, ..., k - 1 in order.
template <std::size_t Rank, int... Axes>
constexpr bool leading_axes() {
  int i = 0;
  return ((((Axes < 0 ? Axes + static_cast<int>(Rank) : Axes) == i++)) && ...);
}
}  // namespace detail

/// Mean and (biased) variance over `Axes` (tf.nn.moments(x, axes)): `moments<0, 1, 2>(x)` for an
/// NHWC batch gives per-channel statistics. Without axes, every axis but the last (the statistics
/// batch normalisation uses). With `keepdims` the reduced axes stay, of extent 1.
/// Returns {mean, variance}. The variance is mean((x - mean)^2), the mean broadcast back over the
/// reduced axes.
template <int... Axes, operand X>
auto moments(const X& x) {
  constexpr std::size_t rank = shape_of_t<X>::rank;
  if constexpr (sizeof...(Axes) == 0) {
    static_assert(rank >= 2, "sf::moments: the input needs a batch axis and a channel axis");
    return [&]<std::size_t... I>(std::index_sequence<I...>) { return moments<static_cast<int>(I)...>(x); }(
        std::make_index_sequence<rank - 1>{});
  } else if constexpr (detail::leading_axes<rank, Axes...>()) {
    // The reduced axes lead, so the mean broadcasts back over them as it is (right-aligned).
    auto mean = reduce_mean<Axes...>(x);
    auto variance = reduce_mean<Axes...>(square(x - mean));
    return std::pair{mean, variance};
  } else {
    auto [mean, variance] = moments<Axes...>(x, keepdims);
    using S = shape_of_t<decltype(reduce_mean<Axes...>(x))>;
    return std::pair{reshape<S>(mean), reshape<S>(variance)};  // without the extent-1 axes
  }
}
template <int... Axes, operand X>
auto moments(const X& x, keepdims_t) {
  static_assert(sizeof...(Axes) > 0, "sf::moments: name the axes to reduce to keep them");
  auto mean = reduce_mean<Axes...>(x, keepdims);
  auto variance = reduce_mean<Axes...>(square(x - mean), keepdims);
  return std::pair{mean, variance};
}

/// (x - mean) * scale / sqrt(variance + epsilon) + offset, all but x broadcast along the last
/// axis (tf.nn.batch_normalization): one elementwise pass.
template <operand X, operand M, operand V, operand O, operand S>
auto batch_normalization(const X& x, const M& mean, const V& variance, const O& offset, const S& scale,
                         double epsilon) {
  using T = value_t<X>;
  return (x - mean) * (scale / sqrt(variance + static_cast<T>(epsilon))) + offset;
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_BATCH_NORM_HPP
