// SPDX-License-Identifier: MIT
/// \file
/// \brief Image summaries: tensors to PNG (libpng) and `Summary.Image` values.
///
/// Needs libpng (Debian libpng-dev): link `staticflow::png`. Kept out of `staticflow/summary.hpp`
/// so that programs writing only scalars, histograms and text do not compile or link it.
///
/// Tags as TF 1.x's ImageSummary op names them: `<tag>/image` when max_outputs is 1, else
/// `<tag>/image/0`, `<tag>/image/1`, ... for the first min(N, max_outputs) images. Pixels:
/// uint8 as they are; floats in [0, 1] as `tf.image.convert_image_dtype(x, tf.uint8,
/// saturate=True)` converts them, `trunc(x * 255.5)` clamped to [0, 255] (TF 1.x's op instead
/// rescales each image by its own largest value; a fixed mapping keeps steps comparable).
#pragma once
#ifndef STATICFLOW_SUMMARY_IMAGE_HPP
#define STATICFLOW_SUMMARY_IMAGE_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/node.hpp"
#include "staticflow/image/png.hpp"
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/file_writer.hpp"
#include "staticflow/summary/png_stored.hpp"  // detail::to_pixel

namespace staticflow::summary {

/// PNG bytes of one 8-bit image (image/png.hpp's encoder, under the name the summaries use).
using image::encode_png;

/// The Summary of up to `max_outputs` images of a host tensor of shape [N, H, W, C] or
/// [H, W, C] (C = 1, 3 or 4; uint8, or floats in [0, 1]).
///
/// **Errors**: invalid_argument for another rank or channel count, or a NaN pixel (naming its
/// flat index).
template <class Tensor>
std::string image_summary(std::string_view tag, const Tensor& images, std::size_t max_outputs) {
  const auto& d = images.dims();
  constexpr std::size_t rank = std::remove_cvref_t<decltype(d)>::size();
  static_assert(rank == 3 || rank == 4, "sf::summary::image_summary: images are [N, H, W, C] or [H, W, C]");
  using value_type = std::remove_cvref_t<decltype(*images.span().data())>;
  static_assert(std::is_same_v<value_type, std::uint8_t> || std::is_floating_point_v<value_type>,
                "sf::summary::image_summary: pixels are uint8, or floats in [0, 1]");
  const std::size_t n = rank == 4 ? d[0] : 1, h = d[rank - 3], w = d[rank - 2], c = d[rank - 1];
  if (c != 1 && c != 3 && c != 4)
    staticflow::detail::fail<invalid_argument>({"sf::summary::image_summary('", tag, "'): ", c,
                                                " channels; images have 1 (grayscale), 3 (RGB) or 4 (RGBA)"});
  const auto values = images.span();
  const std::size_t count = std::min(n, max_outputs), per_image = h * w * c;
  std::string summary;
  std::vector<std::uint8_t> pixels(per_image);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t k = 0; k < per_image; ++k) {
      const auto v = values[i * per_image + k];
      if constexpr (std::is_floating_point_v<value_type>)
        if (std::isnan(v))
          staticflow::detail::fail<invalid_argument>({"sf::summary::image_summary('", tag, "'): NaN at flat index ",
                                                      i * per_image + k});
      pixels[k] = detail::to_pixel(v);
    }
    const std::string name = max_outputs > 1 ? std::string(tag) + "/image/" + std::to_string(i) : std::string(tag) + "/image";
    append_image(summary, name, static_cast<std::int64_t>(h), static_cast<std::int64_t>(w), static_cast<std::int64_t>(c),
                 encode_png(pixels, h, w, c));
  }
  return summary;
}

/// An image summary in the graph (`tf.summary.image`): runs `images` with the run's feeds (see
/// summary/ops.hpp).
template <class E>
struct image_op {
  std::string tag;
  E images;
  std::size_t max_outputs;
  template <class Session, class... F>
  std::string run_on(Session& s, const F&... feeds) const {
    return image_summary(tag, s.run(images, feeds...), max_outputs);
  }
};

template <operand E>
image_op<node_t<E>> image(std::string_view tag, const E& images, std::size_t max_outputs = 3) {
  return {std::string(tag), as_node(images), max_outputs};
}

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_IMAGE_HPP
