// SPDX-License-Identifier: MIT
/// \file
/// \brief `image::crop_and_resize<CH, CW>(images, boxes, box_indices)`: TF's
/// tf.image.crop_and_resize (bilinear): boxes in normalised coordinates, each cropped from its
/// image and resized to CH x CW, as Inception's preprocessing and detection heads use it.
#pragma once
#ifndef STATICFLOW_EXPR_CROP_AND_RESIZE_HPP
#define STATICFLOW_EXPR_CROP_AND_RESIZE_HPP

#include <cstdint>
#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/crop_and_resize.hpp"

namespace staticflow::image {

template <std::size_t CH, std::size_t CW>
struct crop_and_resize_op {
  static constexpr const char* name = "sf::image::crop_and_resize";
  float extrapolation_value = 0;
  /// Floats whatever the image's type, as TF's.
  template <class T, class, class>
  using value_type = std::conditional_t<std::is_floating_point_v<T>, T, float>;
  /// The image's gradient only (TF also has the boxes'; not here).
  template <std::size_t Side>
  static constexpr bool has_gradient = Side == 0;
  template <class SX, class SB, class SI>
  using result_shape = shape<SB::extents[0], CH, CW, SX::extents[3]>;
  template <class S, class DX, class DB, class DI>
  static dims_t<S> result_dims(const DX& x, const DB& b, const DI& i) {
    if (i[0] != b[0])
      staticflow::detail::fail<invalid_argument>({name, ": ", b[0], " boxes but ", i[0], " box indices"});
    return {b[0], CH, CW, x[3]};
  }

  template <class X>
  static ops::crop_geometry geometry(const X& x) {
    return {x.dim(1), x.dim(2), x.dim(3), CH, CW};
  }
  template <class P, class Out, class X, class B, class I, class Tmp>
  void forward(const Out& out, const X& x, const B& boxes, const I& index, Tmp&) const {
    using T = typename X::value_type;
    using U = typename Out::value_type;
    using J = typename I::value_type;
    if constexpr (std::is_same_v<P, host>)  // (on a GPU a bad index reads nothing sensible; TF checks on the host too)
      for (std::size_t k = 0; k < index.size(); ++k)
        if (index.data()[k] < 0 || static_cast<std::size_t>(index.data()[k]) >= x.dim(0))
          staticflow::detail::fail<invalid_argument>({name, ": box_indices[", k, "] = ", static_cast<long long>(index.data()[k]),
                                                      " is not in [0, ", x.dim(0), ")"});
    executor<P>::for_each(boxes.dim(0) * CH, ops::crop_and_resize_forward<T, U, J>{out.data(), x.data(), boxes.data(),
                                                                                   index.data(), geometry(x), extrapolation_value},
                          CW * x.dim(3));
  }
  template <int Side, class P, class D, class X, class B, class I, class V, class G, class Tmp>
  void backward(const D& d, const X& x, const B& boxes, const I& index, const V&, const G& g, Tmp&) const {
    using T = typename D::value_type;
    using J = typename I::value_type;
    if constexpr (Side == 0)
      executor<P>::for_each(x.dim(0) * x.dim(3), ops::crop_and_resize_backward<T, J>{d.data(), g.data(), boxes.data(),
                                                                                     index.data(), boxes.dim(0), geometry(x)},
                            boxes.dim(0) * CH * CW);
  }
};

/// Each box of `boxes` ([B, 4]: y1, x1, y2, x2, normalised; y1 > y2 flips) cropped from image
/// `box_indices[b]` of `images` ([N, h, w, C]) and resized bilinearly to CH x CW; samples outside
/// the image read `extrapolation_value`. **Shape:** [B, CH, CW, C], floats.
/// **Gradient:** into the images (not the boxes). **Errors:** an index outside [0, N) on the host,
/// box and index counts that differ: invalid_argument.
template <std::size_t CH, std::size_t CW, operand E, operand B, operand I>
auto crop_and_resize(const E& images, const B& boxes, const I& box_indices, float extrapolation_value = 0) {
  static_assert(shape_of_t<E>::rank == 4, "sf::image::crop_and_resize: images are [N, height, width, channels]");
  static_assert(shape_of_t<B>::rank == 2 && shape_of_t<B>::extents[1] == 4, "sf::image::crop_and_resize: boxes are [B, 4]");
  static_assert(std::is_same_v<value_t<B>, float>, "sf::image::crop_and_resize: boxes are float");
  static_assert(shape_of_t<I>::rank == 1 && std::is_same_v<value_t<I>, std::int32_t>,
                "sf::image::crop_and_resize: box indices are [B] int32");
  static_assert(CH > 0 && CW > 0 && CH != dyn && CW != dyn, "sf::image::crop_and_resize: the crop size must be positive and static");
  return make_op_node(crop_and_resize_op<CH, CW>{extrapolation_value}, images, boxes, box_indices);
}

}  // namespace staticflow::image
#endif  // STATICFLOW_EXPR_CROP_AND_RESIZE_HPP
