// SPDX-License-Identifier: MIT
/// \file
/// \brief tf.image's random ops: `random_flip_left_right`, `random_flip_up_down`, `random_crop`,
/// `random_brightness`, `random_contrast`, `random_hue`, `random_saturation`, on [N, h, w, C]
/// batches or one [h, w, C] image.
///
/// Each takes a run counter (a scalar int64 variable, as `sf::dropout` does) and a seed: every
/// evaluation advances the counter and draws anew; the same seed and counter value reproduce the
/// same images on every device. Draws follow TF 1.x: flips per image, one crop offset, one
/// brightness delta and one contrast factor per evaluation. Flips and crops send gradients back
/// through the same draws; give each random op its own counter when gradients are taken (an op
/// reads the counter its own forward pass left).
#pragma once
#ifndef STATICFLOW_EXPR_IMAGE_RANDOM_HPP
#define STATICFLOW_EXPR_IMAGE_RANDOM_HPP

#include <array>
#include <cstdint>
#include <type_traits>

#include "staticflow/expr/image_color.hpp"
#include "staticflow/expr/image_hsv.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/expr/reduce.hpp"
#include "staticflow/expr/resize.hpp"
#include "staticflow/ops/image_hsv.hpp"
#include "staticflow/ops/image_random.hpp"

namespace staticflow::image {

namespace detail {

template <class C>
constexpr void check_counter() {
  static_assert(std::is_same_v<value_t<C>, std::int64_t> && shape_of_t<C>::rank == 0,
                "sf::image: the run counter must be a scalar int64 variable");
}

}  // namespace detail

/// Flips each image along `Axis` (1 height, 2 width of [n, h, w, c]) on its own coin.
template <int Axis>
struct random_flip_op {
  static constexpr const char* name = Axis == 2 ? "sf::image::random_flip_left_right" : "sf::image::random_flip_up_down";
  std::uint64_t seed;
  template <class SC, class SX>
  using result_shape = SX;
  template <class S, class DC, class DX>
  static dims_t<S> result_dims(const DC&, const DX& x) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = x[i];
    return d;
  }
  template <class P, class Out, class C, class X, class Tmp>
  void forward(const Out& out, const C& counter, const X& x, Tmp&) const {
    executor<P>::for_each(1, ops::image_next_run{counter.data()});
    apply<P>(out.data(), x.data(), counter.data(), detail::nhwc(x), out.size());
  }
  template <int Side, class P, class D, class C, class X, class V, class G, class Tmp>
  void backward(const D& d, const C& counter, const X& x, const V&, const G& g, Tmp&) const {
    if constexpr (Side == 1) apply<P>(d.data(), g.data(), counter.data(), detail::nhwc(x), d.size());
  }

 private:
  template <class P, class T>
  void apply(T* out, const T* in, const std::int64_t* run, std::array<std::size_t, 4> s, std::size_t n) const {
    executor<P>::for_each(n, ops::random_flip_pixels<T, Axis>{out, in, run, seed, s[1], s[2], s[3]});
  }
};

/// A TH x TW window at one random offset.
template <std::size_t TH, std::size_t TW>
struct random_crop_op {
  static constexpr const char* name = "sf::image::random_crop";
  std::uint64_t seed;
  template <class SC, class SX>
  using result_shape = typename detail::resized_shape<SX, TH, TW>::type;
  template <class S, class DC, class DX>
  static dims_t<S> result_dims(const DC&, const DX& x) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = x[i];
    if (x[S::rank - 3] < TH || x[S::rank - 2] < TW)
      staticflow::detail::fail<invalid_argument>({name, ": a ", TH, " x ", TW, " crop of a ", x[S::rank - 3], " x ",
                                                  x[S::rank - 2], " image"});
    d[S::rank - 3] = TH, d[S::rank - 2] = TW;
    return d;
  }
  template <class P, class Out, class C, class X, class Tmp>
  void forward(const Out& out, const C& counter, const X& x, Tmp&) const {
    using T = typename X::value_type;
    const auto s = detail::nhwc(x);
    executor<P>::for_each(1, ops::image_next_run{counter.data()});
    executor<P>::for_each(out.size(), ops::random_crop_pixels<T>{out.data(), x.data(), counter.data(), seed, s[1], s[2],
                                                                 s[3], TH, TW});
  }
  template <int Side, class P, class D, class C, class X, class V, class G, class Tmp>
  void backward(const D& d, const C& counter, const X& x, const V&, const G& g, Tmp&) const {
    using T = typename X::value_type;
    const auto s = detail::nhwc(x);
    if constexpr (Side == 1)
      executor<P>::for_each(d.size(), ops::random_crop_backward<T>{d.data(), g.data(), counter.data(), seed, s[1], s[2],
                                                                   s[3], TH, TW});
  }
};

/// One uniform value in [lo, hi) per evaluation, as a scalar of type T.
template <class T>
struct random_scalar_op {
  static constexpr const char* name = "sf::image::random_uniform_scalar";
  double lo, hi;
  std::uint64_t seed;
  template <class>
  using value_type = T;
  template <class SC>
  using result_shape = shape<>;
  template <class S, class DC>
  static dims_t<S> result_dims(const DC&) {
    return {};
  }
  template <class P, class Out, class C, class Tmp>
  void forward(const Out& out, const C& counter, Tmp&) const {
    executor<P>::for_each(1, ops::image_next_run{counter.data()});
    executor<P>::for_each(1, ops::random_scalar_value<T>{out.data(), counter.data(), seed, lo, hi});
  }
  template <int Side, class P, class D, class C, class V, class G, class Tmp>
  void backward(const D&, const C&, const V&, const G&, Tmp&) const {}  // an integer operand: never asked
};

/// adjust_hue (Hue) or adjust_saturation by an amount in memory (operand 1, a scalar).
template <bool Hue>
struct hsv_by_op {
  static constexpr const char* name = Hue ? "sf::image::random_hue" : "sf::image::random_saturation";
  template <std::size_t Side>
  static constexpr bool has_gradient = false;  // as adjust_hue / adjust_saturation
  template <class T, class>
  using value_type = T;
  template <class SX, class SA>
  using result_shape = SX;
  template <class S, class DX, class DA>
  static dims_t<S> result_dims(const DX& x, const DA&) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = x[i];
    return d;
  }
  template <class P, class Out, class X, class A, class Tmp>
  void forward(const Out& out, const X& x, const A& amount, Tmp&) const {
    using T = typename X::value_type;
    executor<P>::for_each(x.size() / 3, ops::hsv_adjust_by<T>{out.data(), x.data(), amount.data(), Hue});
  }
  template <int Side, class P, class D, class X, class A, class V, class G, class Tmp>
  void backward(const D&, const X&, const A&, const V&, const G&, Tmp&) const {}  // never asked
};

/// TF's tf.image.random_flip_left_right: each image reversed along its width with probability 1/2.
template <operand C, operand E>
auto random_flip_left_right(const C& counter, const E& images, std::uint64_t seed) {
  detail::check_counter<C>();
  detail::check_image<E>();
  return make_op_node(random_flip_op<2>{seed}, counter, images);
}

/// TF's tf.image.random_flip_up_down: each image reversed along its height with probability 1/2.
template <operand C, operand E>
auto random_flip_up_down(const C& counter, const E& images, std::uint64_t seed) {
  detail::check_counter<C>();
  detail::check_image<E>();
  return make_op_node(random_flip_op<1>{seed}, counter, images);
}

/// TF's tf.image.random_crop to TH x TW (channels and batch kept), one offset per evaluation,
/// uniform over the positions that fit. **Errors:** an image smaller than the crop: invalid_argument.
template <std::size_t TH, std::size_t TW, operand C, operand E>
auto random_crop(const C& counter, const E& images, std::uint64_t seed) {
  detail::check_counter<C>();
  detail::check_image<E>();
  static_assert(TH > 0 && TW > 0 && TH != dyn && TW != dyn, "sf::image::random_crop: the crop size must be positive and static");
  return make_op_node(random_crop_op<TH, TW>{seed}, counter, images);
}

/// One value uniform in [lo, hi) per evaluation (TF's random_uniform([], lo, hi) in the random
/// adjustments), as a scalar expression.
template <class T, operand C>
auto random_uniform_scalar(const C& counter, double lo, double hi, std::uint64_t seed) {
  detail::check_counter<C>();
  return make_op_node(random_scalar_op<T>{lo, hi, seed}, counter);
}

/// TF's tf.image.random_brightness: one delta uniform in [-max_delta, max_delta) added.
/// **Errors:** a negative max_delta: invalid_argument.
template <operand C, operand E>
auto random_brightness(const C& counter, const E& images, double max_delta, std::uint64_t seed) {
  detail::check_float_image<E>();
  if (!(max_delta >= 0))
    staticflow::detail::fail<invalid_argument>({"sf::image::random_brightness: max_delta must be >= 0, got ", max_delta});
  return images + random_uniform_scalar<value_t<E>>(counter, -max_delta, max_delta, seed);
}

/// TF's tf.image.random_contrast: adjust_contrast by one factor uniform in [lower, upper).
/// **Errors:** lower < 0 or upper <= lower: invalid_argument (as TF).
template <operand C, operand E>
auto random_contrast(const C& counter, const E& images, double lower, double upper, std::uint64_t seed) {
  detail::check_float_image<E>();
  if (!(lower >= 0 && upper > lower))
    staticflow::detail::fail<invalid_argument>({"sf::image::random_contrast: need 0 <= lower < upper, got ", lower, ", ", upper});
  constexpr int r = int(detail::rank_v<E>);
  const auto mean = reduce_mean<r - 3, r - 2>(images, keepdims);
  return (images - mean) * random_uniform_scalar<value_t<E>>(counter, lower, upper, seed) + mean;
}

/// TF's tf.image.random_hue: adjust_hue by one delta uniform in [-max_delta, max_delta).
/// **Errors:** max_delta outside [0, 0.5]: invalid_argument (as TF).
template <operand C, operand E>
auto random_hue(const C& counter, const E& images, double max_delta, std::uint64_t seed) {
  if (!(max_delta >= 0 && max_delta <= 0.5))
    staticflow::detail::fail<invalid_argument>({"sf::image::random_hue: max_delta must be in [0, 0.5], got ", max_delta});
  (void)detail::make_hsv<ops::hsv_kind::adjust>(images, 0, 1);  // the colour-space checks, at compile time
  return make_op_node(hsv_by_op<true>{}, images, random_uniform_scalar<value_t<E>>(counter, -max_delta, max_delta, seed));
}

/// TF's tf.image.random_saturation: adjust_saturation by one factor uniform in [lower, upper).
/// **Errors:** lower < 0 or upper <= lower: invalid_argument (as TF).
template <operand C, operand E>
auto random_saturation(const C& counter, const E& images, double lower, double upper, std::uint64_t seed) {
  if (!(lower >= 0 && upper > lower))
    staticflow::detail::fail<invalid_argument>({"sf::image::random_saturation: need 0 <= lower < upper, got ", lower, ", ", upper});
  (void)detail::make_hsv<ops::hsv_kind::adjust>(images, 0, 1);
  return make_op_node(hsv_by_op<false>{}, images, random_uniform_scalar<value_t<E>>(counter, lower, upper, seed));
}

}  // namespace staticflow::image
#endif  // STATICFLOW_EXPR_IMAGE_RANDOM_HPP
