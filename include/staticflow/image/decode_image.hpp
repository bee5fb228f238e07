// SPDX-License-Identifier: MIT
/// \file
/// \brief `image::decode_image`: TF's tf.image.decode_image: the format told by the first bytes
/// (JPEG FF D8 FF, PNG 89 "PNG"), then that format's decoder; 8-bit pixels either way.
#pragma once
#ifndef STATICFLOW_IMAGE_DECODE_IMAGE_HPP
#define STATICFLOW_IMAGE_DECODE_IMAGE_HPP

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "staticflow/image/jpeg.hpp"
#include "staticflow/image/png.hpp"

namespace staticflow::image {

enum class image_format { unknown, jpeg, png, gif, bmp };

/// The format the first bytes announce (TF's sniffing rules).
inline image_format sniff_image_format(std::span<const std::byte> bytes) {
  const auto at = [&](std::size_t i) { return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0x100u; };
  if (at(0) == 0xFF && at(1) == 0xD8 && at(2) == 0xFF) return image_format::jpeg;
  if (at(0) == 0x89 && at(1) == 'P' && at(2) == 'N' && at(3) == 'G') return image_format::png;
  if (at(0) == 'G' && at(1) == 'I' && at(2) == 'F' && at(3) == '8') return image_format::gif;
  if (at(0) == 'B' && at(1) == 'M') return image_format::bmp;
  return image_format::unknown;
}

/// The image in `bytes`, JPEG or PNG, as [height, width, C] uint8 (C = dyn: the file's).
/// **Errors:** unimplemented for GIF and BMP (not decoded yet), invalid_argument for bytes of no
/// known format, and the decoders' own errors, each naming `where`.
template <std::size_t C = dyn>
image_u8<C> decode_image(std::span<const std::byte> bytes, std::string_view where = "<memory>") {
  switch (sniff_image_format(bytes)) {
    case image_format::jpeg:
      return decode_jpeg<C>(bytes, {}, where);
    case image_format::png:
      return decode_png<std::uint8_t, C>(bytes, {}, where);
    case image_format::gif:
    case image_format::bmp:
      staticflow::detail::fail<unimplemented>({"sf::image::decode_image: '", where, "' is a GIF or BMP; staticflow decodes JPEG and PNG"});
    case image_format::unknown:
      break;
  }
  staticflow::detail::fail<invalid_argument>({"sf::image::decode_image: '", where,
                                              "' is not a JPEG or PNG (unknown first bytes)"});
}

/// decode_image of the file at `path`.
template <std::size_t C = dyn>
image_u8<C> decode_image_file(const std::string& path) {
  const std::string bytes = io::read_file(path, "sf::image::decode_image_file").read_all("sf::image::decode_image_file");
  return decode_image<C>(std::as_bytes(std::span(bytes.data(), bytes.size())), path);
}

}  // namespace staticflow::image
#endif  // STATICFLOW_IMAGE_DECODE_IMAGE_HPP
