// SPDX-License-Identifier: MIT
/// \file
/// \brief `image::decode_png` / `encode_png`: TF's tf.image.decode_png and encode_png through
/// libpng (Debian libpng-dev; link `staticflow::png` or `staticflow::image`), 8 and 16 bits.
///
/// Decoding as TF: channels 0 means the file's own (gray 1, gray + alpha 2, RGB 3, RGBA 4; a
/// palette becomes RGB, or RGBA with a transparency chunk); 1 converts colour to gray (libpng's
/// default weights), 3 and 4 add colour and an opaque alpha as needed. Bit depths below 8 are
/// expanded; 16-bit files decoded to uint8 keep their high byte, 8-bit files decoded to uint16
/// are scaled by 257 (255 -> 65535). libpng reports errors by `longjmp`: it only crosses the C
/// frames of `detail::png_decode` / `png_encode_rows`, whose locals are trivially destructible.
#pragma once
#ifndef STATICFLOW_IMAGE_PNG_HPP
#define STATICFLOW_IMAGE_PNG_HPP

#include <bit>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <png.h>

#include "staticflow/core/error.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/io/file.hpp"

namespace staticflow::image {

/// tf.image.decode_png's arguments besides the channels and dtype.
struct png_decode_options {
  /// Refuse images above this many decoded bytes before allocating them.
  std::size_t max_bytes = std::size_t{1} << 30;
};

namespace detail {

struct png_source {
  const std::uint8_t* data;
  std::size_t size, pos;
};
struct png_failure {
  char message[200];
};

extern "C" inline void sf_png_error(png_structp png, png_const_charp message) {
  if (auto* f = static_cast<png_failure*>(png_get_error_ptr(png))) {
    std::strncpy(f->message, message ? message : "libpng error", sizeof f->message - 1);
    f->message[sizeof f->message - 1] = '\0';
  }
  png_longjmp(png, 1);
}
extern "C" inline void sf_png_warning(png_structp, png_const_charp) {}  // TF ignores them too
extern "C" inline void sf_png_read(png_structp png, png_bytep out, png_size_t n) {
  auto* s = static_cast<png_source*>(png_get_io_ptr(png));
  if (n > s->size - s->pos) png_error(png, "truncated: the data ends inside the image");
  std::memcpy(out, s->data + s->pos, n);
  s->pos += n;
}

/// Where decoded pixels go: called once, after the header, with the output's size.
struct png_sink {
  void* context;
  void* (*allocate)(void* context, std::size_t height, std::size_t width, std::size_t channels);
};

enum class png_status { ok, error, too_large, bad_channels };

/// The libpng part of decoding, in which longjmp may land.
inline png_status png_decode(const std::uint8_t* data, std::size_t size, int channels, int bits, std::size_t max_bytes,
                             png_sink sink, png_failure& failure, std::size_t& claimed) {
  png_source source{data, size, 0};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, sf_png_error, sf_png_warning);
  if (!png) return png_status::error;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    return png_status::error;
  }
  png_set_read_fn(png, &source, sf_png_read);
  png_read_info(png, info);
  const std::size_t h = png_get_image_height(png, info), w = png_get_image_width(png, info);
  const int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  const bool trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  const bool file_alpha = (type & PNG_COLOR_MASK_ALPHA) != 0 || trns;
  const bool file_color = (type & PNG_COLOR_MASK_COLOR) != 0;
  const int c = channels != 0 ? channels : (file_color ? 3 : 1) + (file_alpha ? 1 : 0);
  if (c < 1 || c > 4) {
    png_destroy_read_struct(&png, &info, nullptr);
    return png_status::bad_channels;
  }
  claimed = h * w * static_cast<std::size_t>(c) * static_cast<std::size_t>(bits / 8);
  if (claimed > max_bytes) {
    png_destroy_read_struct(&png, &info, nullptr);
    return png_status::too_large;
  }
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  const bool want_alpha = c == 2 || c == 4, want_color = c >= 3;
  if (trns && want_alpha) png_set_tRNS_to_alpha(png);
  if (file_alpha && !want_alpha && !trns) png_set_strip_alpha(png);
  if (!file_color && want_color) png_set_gray_to_rgb(png);
  if ((file_color || type == PNG_COLOR_TYPE_PALETTE) && !want_color) png_set_rgb_to_gray_fixed(png, 1, -1, -1);
  if (want_alpha && !file_alpha) png_set_add_alpha(png, bits == 16 ? 0xFFFF : 0xFF, PNG_FILLER_AFTER);
  if (depth == 16 && bits == 8) png_set_strip_16(png);
  if (depth < 16 && bits == 16) png_set_expand_16(png);
  if (bits == 16 && std::endian::native == std::endian::little) png_set_swap(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != w * static_cast<std::size_t>(c) * static_cast<std::size_t>(bits / 8))
    png_error(png, "the transformed rows do not have the requested layout");
  auto* out = static_cast<png_bytep>(sink.allocate(sink.context, h, w, static_cast<std::size_t>(c)));
  const std::size_t stride = w * static_cast<std::size_t>(c) * static_cast<std::size_t>(bits / 8);
  for (int pass = 0; pass < passes; ++pass)
    for (std::size_t r = 0; r < h; ++r) png_read_row(png, out + r * stride, nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return png_status::ok;
}

// libpng's writer: the callbacks below and the setjmp in png_encode_rows keep every C++ object
// with a destructor outside the jump's path.
extern "C" inline void sf_png_append(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  try {
    out->append(reinterpret_cast<const char*>(data), n);
  } catch (...) {
    png_error(png, "out of memory");
  }
}
extern "C" inline void sf_png_no_flush(png_structp) {}

/// Encodes `rows` (`bits` 8 or 16 per sample in native order, `channels` interleaved) into
/// `out`; false (and `out` incomplete) when libpng fails.
inline bool png_encode_rows(std::string* out, png_bytep* rows, std::uint32_t height, std::uint32_t width, int channels,
                            int bits, png_failure& failure) {
  static constexpr int color_types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                        PNG_COLOR_TYPE_RGB_ALPHA};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, sf_png_error, sf_png_warning);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_set_write_fn(png, out, sf_png_append, sf_png_no_flush);
  png_set_IHDR(png, info, width, height, bits, color_types[channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  if (bits == 16 && std::endian::native == std::endian::little) png_set_swap(png);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

template <class T, std::size_t C>
void* allocate_png_image(void* context, std::size_t h, std::size_t w, std::size_t c) {
  auto& slot = *static_cast<std::optional<tensor<T, shape<dyn, dyn, C>, host>>*>(context);
  if constexpr (C == dyn) slot.emplace(staticflow::detail::make_dims<shape<dyn, dyn, dyn>>(h, w, c));
  else slot.emplace(staticflow::detail::make_dims<shape<dyn, dyn, C>>(h, w));
  return slot->data();
}

/// PNG bytes of `height` rows of `width * channels` samples of `bits` bits, one after another.
inline std::string encode_png_samples(const std::uint8_t* pixels, std::size_t bytes, std::size_t height, std::size_t width,
                                      std::size_t channels, int bits) {
  constexpr std::size_t png_max = 0x7FFFFFFF;
  const std::size_t sample = static_cast<std::size_t>(bits / 8);
  const char* who = "sf::image::encode_png";
  if (channels < 1 || channels > 4) staticflow::detail::fail<invalid_argument>({who, ": ", channels, " channels; PNG takes 1 to 4"});
  if (height == 0 || width == 0 || height > png_max || width > png_max)
    staticflow::detail::fail<invalid_argument>({who, ": a ", height, " x ", width, " image; PNG needs 1 to 2^31-1 rows and columns"});
  if (width > bytes / height / channels / sample || bytes != height * width * channels * sample)  // no overflow
    staticflow::detail::fail<invalid_argument>({who, ": ", bytes, " bytes for a ", height, " x ", width, " x ", channels,
                                                " image of ", bits, "-bit samples"});
  std::vector<png_bytep> rows(height);
  for (std::size_t r = 0; r < height; ++r) rows[r] = const_cast<png_bytep>(pixels + r * width * channels * sample);
  std::string out;
  png_failure failure{};
  if (!png_encode_rows(&out, rows.data(), static_cast<std::uint32_t>(height), static_cast<std::uint32_t>(width),
                       static_cast<int>(channels), bits, failure))
    staticflow::detail::fail<internal_error>({who, ": libpng failed on a ", height, " x ", width, " x ", channels,
                                              " image: ", failure.message});
  return out;
}

}  // namespace detail

/// PNG bytes of one 8-bit image, rows of `width * channels` bytes one after another.
/// **Errors:** invalid_argument for channels outside 1..4, an empty image, a size beyond PNG's
/// 2^31-1 or a pixel count that does not match; internal_error when libpng fails.
inline std::string encode_png(std::span<const std::uint8_t> pixels, std::size_t height, std::size_t width,
                              std::size_t channels) {
  return detail::encode_png_samples(pixels.data(), pixels.size(), height, width, channels, 8);
}

/// TF's tf.image.encode_png of an [height, width, 1 to 4] uint8 or uint16 image.
template <class T, class S>
std::string encode_png(const tensor_view<T, S, host>& image) {
  static_assert(std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t>,
                "sf::image::encode_png: images are uint8 or uint16");
  static_assert(S::rank == 3, "sf::image::encode_png: images are [height, width, channels]");
  return detail::encode_png_samples(reinterpret_cast<const std::uint8_t*>(image.data()), image.size() * sizeof(T),
                                    image.dim(0), image.dim(1), image.dim(2), int(8 * sizeof(T)));
}
template <class T, class S>
std::string encode_png(const tensor<T, S, host>& image) {
  return encode_png(image.view());
}

/// The PNG in `bytes` decoded to [height, width, C] of T (uint8 or uint16; C = dyn: the file's
/// channels). `where` names the source in errors.
/// **Errors:** data_loss for a file libpng rejects (its message: bad signature, CRC, truncated
/// data); invalid_argument for channels other than 0-4 or an image above `max_bytes`, refused
/// before it is allocated.
template <class T = std::uint8_t, std::size_t C = dyn>
tensor<T, shape<dyn, dyn, C>, host> decode_png(std::span<const std::byte> bytes, const png_decode_options& options = {},
                                               std::string_view where = "<memory>") {
  static_assert(std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t>, "sf::image::decode_png: uint8 or uint16");
  static_assert(C == dyn || (C >= 1 && C <= 4), "sf::image::decode_png: channels must be 1 to 4, or dyn (the file's)");
  std::optional<tensor<T, shape<dyn, dyn, C>, host>> image;
  detail::png_failure failure{};
  std::size_t claimed = 0;
  const int channels = C == dyn ? 0 : static_cast<int>(C);
  const auto status =
      detail::png_decode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), channels, int(8 * sizeof(T)),
                         options.max_bytes, {&image, &detail::allocate_png_image<T, C>}, failure, claimed);
  const char* who = "sf::image::decode_png";
  switch (status) {
    case detail::png_status::ok:
      break;
    case detail::png_status::error:
      staticflow::detail::fail<data_loss>({who, ": '", where, "' is not a valid PNG: ", failure.message});
    case detail::png_status::too_large:
      staticflow::detail::fail<invalid_argument>({who, ": '", where, "' would decode to ", claimed,
                                                  " bytes (above max_bytes = ", options.max_bytes, ")"});
    case detail::png_status::bad_channels:
      staticflow::detail::fail<invalid_argument>({who, ": '", where, "': channels must be 0 to 4"});
  }
  return std::move(*image);
}

/// decode_png of the file at `path`.
template <class T = std::uint8_t, std::size_t C = dyn>
tensor<T, shape<dyn, dyn, C>, host> decode_png_file(const std::string& path, const png_decode_options& options = {}) {
  const std::string bytes = io::read_file(path, "sf::image::decode_png_file").read_all("sf::image::decode_png_file");
  return decode_png<T, C>(std::as_bytes(std::span(bytes.data(), bytes.size())), options, path);
}

}  // namespace staticflow::image
#endif  // STATICFLOW_IMAGE_PNG_HPP
