// SPDX-License-Identifier: MIT
/// \file
/// \brief `image::resize_bilinear<H, W>(images)`, `resize_nearest_neighbor`, `resize_bicubic` and
/// `resize_area`: TF's tf.image.resize_* (and `resize_images`), with `align_corners` and
/// `half_pixel_centers`, on [N, h, w, C] batches or one [h, w, C] image.
///
/// TF 1.x's default is neither option (`tf.image.resize_images`); TF 2's `tf.image.resize` is
/// `half_pixel_centers`, which is also OpenCV's `INTER_LINEAR` and Pillow's upscaling.
#pragma once
#ifndef STATICFLOW_EXPR_RESIZE_HPP
#define STATICFLOW_EXPR_RESIZE_HPP

#include <array>
#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/resize.hpp"

namespace staticflow::image {

/// TF's resize methods (tf.image.ResizeMethod).
enum class resize_method { bilinear, nearest_neighbor, bicubic, area };

/// The two coordinate options of TF's resize ops.
struct resize_options {
  /// The corner pixels' centres of input and output coincide (scale (in - 1) / (out - 1)).
  bool align_corners = false;
  /// Pixels are sampled at their centres, x + 0.5 (TF 2's default; TF 1.x's is false).
  bool half_pixel_centers = false;
};

namespace detail {

template <class S, std::size_t H, std::size_t W>
struct resized_shape {
  static constexpr std::size_t rank = S::rank;
  static constexpr std::array<std::size_t, rank> extents = [] {
    std::array<std::size_t, rank> e{};
    for (std::size_t d = 0; d < rank; ++d) e[d] = S::extents[d];
    e[rank - 3] = H, e[rank - 2] = W;
    return e;
  }();
  using type = typename staticflow::detail::shape_from_array<extents, rank>::type;
};

/// [n, h, w, c] of a rank-3 or rank-4 image view (n = 1 for one image).
template <class X>
std::array<std::size_t, 4> nhwc(const X& x) {
  constexpr std::size_t r = X::shape_type::rank;
  return {r == 4 ? x.dim(0) : 1, x.dim(r - 3), x.dim(r - 2), x.dim(r - 1)};
}

inline float resize_scale(std::size_t in, std::size_t out, bool align_corners) {
  return align_corners && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                  : static_cast<float>(in) / static_cast<float>(out);
}

}  // namespace detail

template <resize_method Method, std::size_t H, std::size_t W>
struct resize_op {
  static constexpr const char* name = Method == resize_method::bilinear           ? "sf::image::resize_bilinear"
                                      : Method == resize_method::nearest_neighbor ? "sf::image::resize_nearest_neighbor"
                                      : Method == resize_method::bicubic          ? "sf::image::resize_bicubic"
                                                                                  : "sf::image::resize_area";
  /// Values are floats whatever the input's type, as TF's; nearest keeps the type.
  template <class T>
  using value_type = std::conditional_t<Method != resize_method::nearest_neighbor && !std::is_floating_point_v<T>, float, T>;
  /// TF registers no gradient for ResizeArea.
  template <std::size_t Side>
  static constexpr bool has_gradient = Method != resize_method::area;
  template <class S>
  using result_shape = typename detail::resized_shape<S, H, W>::type;
  template <class S, class D>
  static dims_t<S> result_dims(const D& x) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < D::size(); ++i) d[i] = x[i];
    d[D::size() - 3] = H, d[D::size() - 2] = W;
    if (x[D::size() - 3] == 0 || x[D::size() - 2] == 0)
      staticflow::detail::fail<invalid_argument>({name, ": an image of ", x[D::size() - 3], " x ", x[D::size() - 2],
                                                  " pixels has nothing to resize"});
    return d;
  }

  resize_options options;

  template <class X>
  ops::resize_geometry geometry(const X& x) const {
    const auto [n, h, w, c] = detail::nhwc(x);
    return {n, h, w, H, W, c, detail::resize_scale(h, H, options.align_corners),
            detail::resize_scale(w, W, options.align_corners), options.half_pixel_centers};
  }

  template <class P, class Out, class X, class Tmp>
  void forward(const Out& out, const X& x, Tmp&) const {
    using T = typename X::value_type;
    using U = typename Out::value_type;
    const ops::resize_geometry geo = geometry(x);
    const std::size_t rows = geo.n * geo.out_h, row_work = geo.out_w * geo.c;
    if constexpr (Method == resize_method::bilinear)
      executor<P>::for_each(rows, ops::resize_bilinear_forward<T, U>{out.data(), x.data(), geo}, row_work);
    else if constexpr (Method == resize_method::bicubic)
      executor<P>::for_each(out.size(), ops::resize_bicubic_forward<T, U>{out.data(), x.data(), geo});
    else if constexpr (Method == resize_method::area)
      executor<P>::for_each(rows, ops::resize_area_forward<T, U>{out.data(), x.data(), geo},
                            row_work * static_cast<std::size_t>(geo.scale_y * geo.scale_x + 2));
    else
      executor<P>::for_each(out.size(), ops::resize_nearest_forward<T>{out.data(), x.data(), geometry(x), options.align_corners});
  }

  /// The images' gradient, one (image, channel) plane per task.
  template <int Side, class P, class D, class X, class V, class G, class Tmp>
  void backward(const D& d, const X& x, const V&, const G& g, Tmp&) const {
    using T = typename D::value_type;
    const ops::resize_geometry geo = geometry(x);
    const std::size_t work = geo.in_h * geo.in_w + geo.out_h * geo.out_w;
    if constexpr (Method == resize_method::bilinear)
      executor<P>::for_each(geo.n * geo.c, ops::resize_bilinear_backward<T>{d.data(), g.data(), geo}, work);
    else if constexpr (Method == resize_method::bicubic)
      executor<P>::for_each(geo.n * geo.c, ops::resize_bicubic_backward<T>{d.data(), g.data(), geo}, 16 * work);
    else if constexpr (Method == resize_method::area)
      return;  // never asked: no gradient
    else
      executor<P>::for_each(geo.n * geo.c, ops::resize_nearest_backward<T>{d.data(), g.data(), geo, options.align_corners},
                            work);
  }
};

/// `images` ([N, h, w, C] or [h, w, C]) resized to H x W pixels by `Method`.
/// **Shape:** the height and width axes become H and W. **Type:** bilinear gives floats (float32
/// for integer images, as TF), nearest keeps the type.
/// **Gradient:** into the pixels each output read, with its weights (TF's ResizeBilinearGrad,
/// ResizeNearestNeighborGrad); none for integer images.
/// **Errors:** rank other than 3 or 4, H or W zero: compile error; both options set, an image of
/// no pixels: invalid_argument.
template <resize_method Method, std::size_t H, std::size_t W, operand E>
auto resize(const E& images, resize_options options = {}) {
  constexpr std::size_t rank = shape_of_t<E>::rank;
  static_assert(rank == 3 || rank == 4, "sf::image::resize: images are [N, height, width, channels] or [height, width, channels]");
  static_assert(H > 0 && W > 0 && H != dyn && W != dyn, "sf::image::resize: the output size must be positive and static");
  if (options.align_corners && options.half_pixel_centers)
    staticflow::detail::fail<invalid_argument>(
        {"sf::image::resize: align_corners and half_pixel_centers cannot both be set (as in TF)"});
  if constexpr (rank == 3 || rank == 4) return make_op_node(resize_op<Method, H, W>{options}, images);
  else return images;
}

/// TF's tf.image.resize_bilinear(images, [H, W], align_corners, half_pixel_centers).
template <std::size_t H, std::size_t W, operand E>
auto resize_bilinear(const E& images, resize_options options = {}) {
  return resize<resize_method::bilinear, H, W>(images, options);
}

/// TF's tf.image.resize_nearest_neighbor(images, [H, W], align_corners, half_pixel_centers).
template <std::size_t H, std::size_t W, operand E>
auto resize_nearest_neighbor(const E& images, resize_options options = {}) {
  return resize<resize_method::nearest_neighbor, H, W>(images, options);
}

/// TF's tf.image.resize_bicubic(images, [H, W], align_corners, half_pixel_centers): the cubic
/// kernel with a = -0.75 (legacy), or Keys' a = -0.5 with out-of-image taps dropped
/// (half_pixel_centers, TF 2's resize and Pillow's BICUBIC).
template <std::size_t H, std::size_t W, operand E>
auto resize_bicubic(const E& images, resize_options options = {}) {
  return resize<resize_method::bicubic, H, W>(images, options);
}

/// TF's tf.image.resize_area(images, [H, W], align_corners): each output pixel the average of
/// the input area it covers (OpenCV's INTER_AREA when shrinking). No gradient, as in TF.
template <std::size_t H, std::size_t W, operand E>
auto resize_area(const E& images, resize_options options = {}) {
  if (options.half_pixel_centers)
    staticflow::detail::fail<invalid_argument>({"sf::image::resize_area: half_pixel_centers is not an option of ResizeArea"});
  return resize<resize_method::area, H, W>(images, options);
}

}  // namespace staticflow::image
#endif  // STATICFLOW_EXPR_RESIZE_HPP
