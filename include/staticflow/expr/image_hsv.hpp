// SPDX-License-Identifier: MIT
/// \file
/// \brief tf.image's colour-space ops through HSV: `rgb_to_hsv`, `hsv_to_rgb`, `adjust_hue`,
/// `adjust_saturation`, on float images ([N, h, w, 3] or [h, w, 3]), on any device.
///
/// As in TF 1.x these have no gradient (TF registers none for AdjustHue and AdjustSaturation):
/// they belong to input pipelines, not to what a network learns through.
#pragma once
#ifndef STATICFLOW_EXPR_IMAGE_HSV_HPP
#define STATICFLOW_EXPR_IMAGE_HSV_HPP

#include <type_traits>

#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/image_hsv.hpp"

namespace staticflow::image {

template <ops::hsv_kind Kind>
struct hsv_op {
  static constexpr const char* name = Kind == ops::hsv_kind::to_hsv   ? "sf::image::rgb_to_hsv"
                                      : Kind == ops::hsv_kind::to_rgb ? "sf::image::hsv_to_rgb"
                                                                      : "sf::image::adjust_hsv";
  template <std::size_t Side>
  static constexpr bool has_gradient = false;
  template <class S>
  using result_shape = S;
  template <class S, class D>
  static dims_t<S> result_dims(const D& x) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < D::size(); ++i) d[i] = x[i];
    return d;
  }
  double hue_delta = 0, saturation_factor = 1;

  template <class P, class Out, class X, class Tmp>
  void forward(const Out& out, const X& x, Tmp&) const {
    using T = typename X::value_type;
    executor<P>::for_each(x.size() / 3, ops::hsv_pixels<T, Kind>{out.data(), x.data(), static_cast<T>(hue_delta),
                                                                 static_cast<T>(saturation_factor)});
  }
  template <int Side, class P, class D, class X, class V, class G, class Tmp>
  void backward(const D&, const X&, const V&, const G&, Tmp&) const {}  // never asked: has_gradient is false
};

namespace detail {
template <ops::hsv_kind Kind, class E>
auto make_hsv(const E& images, double hue_delta, double saturation_factor) {
  constexpr std::size_t r = shape_of_t<E>::rank;
  static_assert(r == 3 || r == 4, "sf::image: images are [N, height, width, 3] or [height, width, 3]");
  static_assert(shape_of_t<E>::extents[r - 1] == 3, "sf::image: colour-space ops need 3 channels (static)");
  static_assert(std::is_floating_point_v<value_t<E>>, "sf::image: colour-space ops take float images");
  return make_op_node(hsv_op<Kind>{hue_delta, saturation_factor}, images);
}
}  // namespace detail

/// TF's tf.image.rgb_to_hsv: hue in [0, 1), saturation, value (see ops/image_hsv.hpp).
template <operand E>
auto rgb_to_hsv(const E& images) {
  return detail::make_hsv<ops::hsv_kind::to_hsv>(images, 0, 1);
}
/// TF's tf.image.hsv_to_rgb.
template <operand E>
auto hsv_to_rgb(const E& images) {
  return detail::make_hsv<ops::hsv_kind::to_rgb>(images, 0, 1);
}
/// TF's tf.image.adjust_hue: the hue turned by `delta` (in [-1, 1]; wrapped into [0, 1)).
template <operand E>
auto adjust_hue(const E& images, double delta) {
  return detail::make_hsv<ops::hsv_kind::adjust>(images, delta, 1);
}
/// TF's tf.image.adjust_saturation: the saturation times `factor`, clipped to [0, 1].
template <operand E>
auto adjust_saturation(const E& images, double factor) {
  return detail::make_hsv<ops::hsv_kind::adjust>(images, 0, factor);
}

}  // namespace staticflow::image
#endif  // STATICFLOW_EXPR_IMAGE_HSV_HPP
