// SPDX-License-Identifier: MIT
/// \file
/// \brief tf.image's per-pixel colour ops on float images ([N, h, w, C] or [h, w, C]) as
/// expressions, so a chain of them fuses into one pass on any device and has a gradient:
/// `convert_image_dtype`, `rgb_to_grayscale`, `adjust_brightness`, `adjust_contrast`,
/// `adjust_gamma`, `per_image_standardization`.
#pragma once
#ifndef STATICFLOW_EXPR_IMAGE_COLOR_HPP
#define STATICFLOW_EXPR_IMAGE_COLOR_HPP

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "staticflow/expr/elementwise.hpp"
#include "staticflow/expr/image_geometry.hpp"
#include "staticflow/expr/reduce.hpp"

namespace staticflow::image {

namespace detail {
template <class E>
constexpr void check_float_image() {
  check_image<E>();
  static_assert(std::is_floating_point_v<value_t<E>>,
                "sf::image: this op takes float images (convert_image_dtype<float>(x) first)");
}
/// Channel K of every pixel, keeping a channel axis of 1 (a slice: any device, with a gradient).
template <int K, operand E>
auto channel(const E& images) {
  using begin = std::conditional_t<rank_v<E> == 4, ints<0, 0, 0, K>, ints<0, 0, K>>;
  using size = std::conditional_t<rank_v<E> == 4, ints<-1, -1, -1, 1>, ints<-1, -1, 1>>;
  return slice<begin, size>(images);
}
}  // namespace detail

/// TF's tf.image.convert_image_dtype(image, U, saturate) between an integer type and a float
/// type (or the same type: unchanged). Integers to floats: x / max(T), so uint8 255 -> 1.0.
/// Floats to integers: x * (max(U) + 0.5), truncated; `saturate` clips to U's range first
/// (without it, values outside [0, 1] overflow as TF's do, which is undefined: clip them).
template <class U, operand E>
auto convert_image_dtype(const E& images, bool saturate = false) {
  using T = value_t<E>;
  detail::check_image<E>();
  static_assert(std::is_arithmetic_v<U>, "sf::image::convert_image_dtype: the target must be an arithmetic type");
  static_assert(std::is_floating_point_v<T> || std::is_floating_point_v<U> || std::is_same_v<T, U>,
                "sf::image::convert_image_dtype: between two integer types is not supported yet");
  if constexpr (std::is_same_v<T, U>) {
    return images;
  } else if constexpr (std::is_floating_point_v<T> && std::is_floating_point_v<U>) {
    return cast<U>(images);
  } else if constexpr (std::is_floating_point_v<U>) {
    return cast<U>(images) * (U(1) / static_cast<U>(std::numeric_limits<T>::max()));
  } else {
    constexpr T lo = static_cast<T>(std::numeric_limits<U>::lowest()), hi = static_cast<T>(std::numeric_limits<U>::max());
    const auto scaled = images * static_cast<T>(static_cast<double>(std::numeric_limits<U>::max()) + 0.5);
    (void)saturate;  // out-of-range values are clipped either way: a float-to-integer overflow is undefined
    return cast<U>(clip_by_value(scaled, lo, hi));
  }
}

/// TF's tf.image.rgb_to_grayscale: 0.2989 R + 0.5870 G + 0.1140 B, keeping a channel axis of 1.
template <operand E>
auto rgb_to_grayscale(const E& images) {
  detail::check_float_image<E>();
  using T = value_t<E>;
  static_assert(shape_of_t<E>::extents[detail::rank_v<E> - 1] == 3, "sf::image::rgb_to_grayscale: images need 3 channels");
  return detail::channel<0>(images) * T(0.2989) + detail::channel<1>(images) * T(0.5870) + detail::channel<2>(images) * T(0.1140);
}

/// TF's tf.image.adjust_brightness: delta added to every value.
template <operand E>
auto adjust_brightness(const E& images, double delta) {
  detail::check_float_image<E>();
  return images + static_cast<value_t<E>>(delta);
}

/// TF's tf.image.adjust_contrast: each channel of each image moved away from its mean over the
/// pixels, (x - mean) * factor + mean.
template <operand E>
auto adjust_contrast(const E& images, double factor) {
  detail::check_float_image<E>();
  constexpr int r = int(detail::rank_v<E>);
  const auto mean = reduce_mean<r - 3, r - 2>(images, keepdims);
  return (images - mean) * static_cast<value_t<E>>(factor) + mean;
}

/// TF's tf.image.adjust_gamma: gain * x^gamma (float images, values in [0, 1]).
template <operand E>
auto adjust_gamma(const E& images, double gamma = 1.0, double gain = 1.0) {
  detail::check_float_image<E>();
  using T = value_t<E>;
  return pow(images, static_cast<T>(gamma)) * static_cast<T>(gain);
}

/// TF's tf.image.per_image_standardization: (x - mean) / max(stddev, 1 / sqrt(pixels x channels)),
/// mean and (population) stddev over each whole image.
template <operand E>
auto per_image_standardization(const E& images) {
  detail::check_float_image<E>();
  using T = value_t<E>;
  constexpr int r = int(detail::rank_v<E>);
  using S = shape_of_t<E>;
  constexpr std::size_t h = S::extents[r - 3], w = S::extents[r - 2], c = S::extents[r - 1];
  static_assert(h != dyn && w != dyn && c != dyn, "sf::image::per_image_standardization: height, width and channels must be static");
  const T floor = T(1) / static_cast<T>(std::sqrt(static_cast<double>(h * w * c)));
  const auto mean = reduce_mean<r - 3, r - 2, r - 1>(images, keepdims);
  const auto centred = images - mean;
  const auto stddev = sqrt(reduce_mean<r - 3, r - 2, r - 1>(square(centred), keepdims));
  return centred / maximum(stddev, floor);
}

}  // namespace staticflow::image
#endif  // STATICFLOW_EXPR_IMAGE_COLOR_HPP
