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
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <png.h>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/node.hpp"
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/file_writer.hpp"

namespace staticflow::summary {

namespace detail {

// libpng reports errors by longjmp: the callbacks below and the setjmp in png_encode_rows keep
// every C++ object with a destructor outside the jump's path.
inline void png_append(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  try {
    out->append(reinterpret_cast<const char*>(data), n);
  } catch (...) {
    png_error(png, "out of memory");
  }
}
inline void png_no_flush(png_structp) {}

/// Encodes `rows` (8-bit, `channels` interleaved) into `out`; false (and `out` incomplete) when
/// libpng fails. Plain C objects only between setjmp and the end.
inline bool png_encode_rows(std::string* out, png_bytep* rows, std::uint32_t height, std::uint32_t width, int channels) {
  static constexpr int color_types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                        PNG_COLOR_TYPE_RGB_ALPHA};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_set_write_fn(png, out, png_append, png_no_flush);
  png_set_IHDR(png, info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

/// One pixel value as a byte (see the file comment for floats).
template <class T>
std::uint8_t to_pixel(T v) {
  if constexpr (std::is_same_v<T, std::uint8_t>) {
    return v;
  } else {
    const double x = static_cast<double>(v);
    return static_cast<std::uint8_t>(std::clamp(std::trunc(x * 255.5), 0.0, 255.0));
  }
}

}  // namespace detail

/// PNG bytes of one 8-bit image, rows of `width * channels` bytes one after another.
///
/// **Errors**: invalid_argument for channels outside 1..4, an empty image, a size beyond PNG's
/// 2^31-1 or too few pixels; internal_error when libpng fails.
inline std::string encode_png(std::span<const std::uint8_t> pixels, std::size_t height, std::size_t width,
                              std::size_t channels) {
  constexpr std::size_t png_max = 0x7FFFFFFF;
  if (channels < 1 || channels > 4)
    staticflow::detail::fail<invalid_argument>({"sf::summary::encode_png: ", channels, " channels; PNG takes 1 to 4"});
  if (height == 0 || width == 0 || height > png_max || width > png_max)
    staticflow::detail::fail<invalid_argument>({"sf::summary::encode_png: a ", height, " x ", width,
                                                " image; PNG needs 1 to 2^31-1 rows and columns"});
  if (width > pixels.size() / height / channels || pixels.size() != height * width * channels)  // no overflow
    staticflow::detail::fail<invalid_argument>({"sf::summary::encode_png: ", pixels.size(), " bytes for a ", height,
                                                " x ", width, " x ", channels, " image"});
  std::vector<png_bytep> rows(height);
  for (std::size_t r = 0; r < height; ++r)
    rows[r] = const_cast<png_bytep>(pixels.data() + r * width * channels);  // libpng only reads them
  std::string out;
  if (!detail::png_encode_rows(&out, rows.data(), static_cast<std::uint32_t>(height), static_cast<std::uint32_t>(width),
                               static_cast<int>(channels)))
    staticflow::detail::fail<internal_error>({"sf::summary::encode_png: libpng failed on a ", height, " x ", width,
                                              " x ", channels, " image"});
  return out;
}

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
