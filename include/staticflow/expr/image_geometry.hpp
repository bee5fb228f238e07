// SPDX-License-Identifier: MIT
/// \file
/// \brief tf.image's flips, transposes, rotations, crops and pads on [N, h, w, C] batches or one
/// [h, w, C] image, as compositions of reverse, transpose, slice and pad (their gradients come
/// with them). Sizes and offsets are template arguments, since they decide the output's shape;
/// TF's rules for the computed ones (central_crop, resize_image_with_crop_or_pad) are evaluated
/// at compile time from the image's static extents.
#pragma once
#ifndef STATICFLOW_EXPR_IMAGE_GEOMETRY_HPP
#define STATICFLOW_EXPR_IMAGE_GEOMETRY_HPP

#include <cstddef>

#include "staticflow/expr/pad.hpp"
#include "staticflow/expr/reverse.hpp"
#include "staticflow/expr/slice.hpp"
#include "staticflow/expr/transpose.hpp"

namespace staticflow::image {

namespace detail {

template <class E>
inline constexpr std::size_t rank_v = shape_of_t<E>::rank;
template <class E>
inline constexpr bool is_image_v = rank_v<E> == 3 || rank_v<E> == 4;
/// The static height and width of E (dyn when given at run time).
template <class E>
inline constexpr std::size_t height_v = shape_of_t<E>::extents[rank_v<E> - 3];
template <class E>
inline constexpr std::size_t width_v = shape_of_t<E>::extents[rank_v<E> - 2];

/// ints<...> with `h` and `w` at the height and width axes of a rank-R image, `rest` elsewhere.
template <std::size_t R, int H, int W, int Rest>
using hw_ints = std::conditional_t<R == 4, ints<Rest, H, W, Rest>, ints<H, W, Rest>>;
/// pad's (before, after) pairs for the height and width axes.
template <std::size_t R, int Top, int Bottom, int Left, int Right>
using hw_paddings = std::conditional_t<R == 4, ints<0, 0, Top, Bottom, Left, Right, 0, 0>, ints<Top, Bottom, Left, Right, 0, 0>>;

template <class E>
constexpr void check_image() {
  static_assert(is_image_v<E>, "sf::image: images are [N, height, width, channels] or [height, width, channels]");
}

}  // namespace detail

/// TF's tf.image.flip_left_right: the width axis reversed.
template <operand E>
auto flip_left_right(const E& images) {
  detail::check_image<E>();
  return reverse<-2>(images);
}

/// TF's tf.image.flip_up_down: the height axis reversed.
template <operand E>
auto flip_up_down(const E& images) {
  detail::check_image<E>();
  return reverse<-3>(images);
}

/// TF's tf.image.transpose_image: height and width swapped.
template <operand E>
auto transpose_image(const E& images) {
  detail::check_image<E>();
  if constexpr (detail::rank_v<E> == 4) return transpose<0, 2, 1, 3>(images);
  else return transpose<1, 0, 2>(images);
}

/// TF's tf.image.rot90(image, k): K quarter turns counter-clockwise (K taken modulo 4, as TF).
/// A quarter turn is the width reversed, then transposed (TF's _rot90).
template <int K, operand E>
auto rot90(const E& images) {
  detail::check_image<E>();
  constexpr int k = ((K % 4) + 4) % 4;
  if constexpr (k == 0) return images;
  else if constexpr (k == 1) return transpose_image(flip_left_right(images));
  else if constexpr (k == 2) return reverse<-3, -2>(images);
  else return flip_left_right(transpose_image(images));
}

/// TF's tf.image.crop_to_bounding_box(image, OffsetH, OffsetW, TargetH, TargetW).
/// **Errors:** a box past the image: compile error for static extents, invalid_argument otherwise.
template <int OffsetH, int OffsetW, int TargetH, int TargetW, operand E>
auto crop_to_bounding_box(const E& images) {
  detail::check_image<E>();
  static_assert(OffsetH >= 0 && OffsetW >= 0 && TargetH > 0 && TargetW > 0,
                "sf::image::crop_to_bounding_box: offsets must be >= 0 and the target size > 0");
  constexpr std::size_t r = detail::rank_v<E>;
  return slice<detail::hw_ints<r, OffsetH, OffsetW, 0>, detail::hw_ints<r, TargetH, TargetW, -1>>(images);
}

/// TF's tf.image.pad_to_bounding_box(image, OffsetH, OffsetW, TargetH, TargetW): zeros around
/// the image, which lands at (OffsetH, OffsetW). Needs the image's static height and width.
template <int OffsetH, int OffsetW, int TargetH, int TargetW, operand E>
auto pad_to_bounding_box(const E& images) {
  detail::check_image<E>();
  constexpr std::size_t h = detail::height_v<E>, w = detail::width_v<E>;
  static_assert(h != dyn && w != dyn, "sf::image::pad_to_bounding_box: the image's height and width must be static");
  static_assert(OffsetH >= 0 && OffsetW >= 0 && std::size_t(TargetH) >= OffsetH + h && std::size_t(TargetW) >= OffsetW + w,
                "sf::image::pad_to_bounding_box: the image does not fit the target at that offset");
  constexpr int bottom = TargetH - OffsetH - int(h), right = TargetW - OffsetW - int(w);
  return pad<detail::hw_paddings<detail::rank_v<E>, OffsetH, bottom, OffsetW, right>>(images);
}

/// TF's tf.image.central_crop(image, Fraction): the centred box of about Fraction of each side.
/// As TF: start = int((side - side * Fraction) / 2), size = side - 2 * start (in double).
template <double Fraction, operand E>
auto central_crop(const E& images) {
  detail::check_image<E>();
  static_assert(Fraction > 0.0 && Fraction <= 1.0, "sf::image::central_crop: the fraction must be in (0, 1]");
  constexpr std::size_t h = detail::height_v<E>, w = detail::width_v<E>;
  static_assert(h != dyn && w != dyn, "sf::image::central_crop: the image's height and width must be static");
  constexpr int top = static_cast<int>((double(h) - double(h) * Fraction) / 2);
  constexpr int left = static_cast<int>((double(w) - double(w) * Fraction) / 2);
  return crop_to_bounding_box<top, left, int(h) - 2 * top, int(w) - 2 * left>(images);
}

/// TF's tf.image.resize_image_with_crop_or_pad(image, TargetH, TargetW): each side centred and
/// cropped when longer, padded with zeros when shorter (offsets (side - target) / 2, floored).
template <int TargetH, int TargetW, operand E>
auto resize_image_with_crop_or_pad(const E& images) {
  detail::check_image<E>();
  constexpr std::size_t h = detail::height_v<E>, w = detail::width_v<E>;
  static_assert(h != dyn && w != dyn, "sf::image::resize_image_with_crop_or_pad: the image's height and width must be static");
  static_assert(TargetH > 0 && TargetW > 0, "sf::image::resize_image_with_crop_or_pad: the target size must be > 0");
  constexpr int ih = int(h), iw = int(w);
  constexpr int crop_h = ih > TargetH ? (ih - TargetH) / 2 : 0, crop_w = iw > TargetW ? (iw - TargetW) / 2 : 0;
  constexpr int pad_h = TargetH > ih ? (TargetH - ih) / 2 : 0, pad_w = TargetW > iw ? (TargetW - iw) / 2 : 0;
  constexpr int kept_h = ih < TargetH ? ih : TargetH, kept_w = iw < TargetW ? iw : TargetW;
  return pad_to_bounding_box<pad_h, pad_w, TargetH, TargetW>(crop_to_bounding_box<crop_h, crop_w, kept_h, kept_w>(images));
}

}  // namespace staticflow::image
#endif  // STATICFLOW_EXPR_IMAGE_GEOMETRY_HPP
