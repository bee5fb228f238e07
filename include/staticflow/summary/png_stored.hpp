// SPDX-License-Identifier: MIT
/// \file
/// \brief PNG without libpng, for the training log's sample input images: 8-bit pixels in stored
/// (uncompressed) deflate blocks, so `fit(..., {.logdir})` needs no image library. Images to
/// keep small (a few MNIST digits: 28 x 28 is 880 bytes); `summary/image.hpp` compresses through
/// libpng for the rest.
///
/// The file (PNG 1.2, RFC 1950/1951): the signature; IHDR (width, height, bit depth 8, colour
/// type 0 grey, 4 grey + alpha, 2 RGB or 6 RGBA, no interlace); one IDAT holding a zlib stream
/// (header 78 01, stored blocks of at most 65535 bytes: BFINAL, LEN, ~LEN, the bytes; Adler-32)
/// of the rows, each after filter byte 0; IEND. Every chunk ends in the CRC-32 of its type and data.
#pragma once
#ifndef STATICFLOW_SUMMARY_PNG_STORED_HPP
#define STATICFLOW_SUMMARY_PNG_STORED_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "staticflow/core/error.hpp"

namespace staticflow::summary {

namespace detail {

/// One pixel value as a byte: uint8 as it is; a float in [0, 1] as
/// `tf.image.convert_image_dtype(x, tf.uint8, saturate=True)` converts it, `trunc(x * 255.5)`
/// clamped to [0, 255].
template <class T>
std::uint8_t to_pixel(T v) {
  if constexpr (std::is_same_v<T, std::uint8_t>) {
    return v;
  } else {
    const double x = static_cast<double>(v);
    return static_cast<std::uint8_t>(std::clamp(std::trunc(x * 255.5), 0.0, 255.0));
  }
}

/// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), as PNG's chunks carry it.
inline std::uint32_t png_crc32(std::string_view bytes, std::uint32_t crc = 0) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (char b : bytes) crc = table[(crc ^ static_cast<std::uint8_t>(b)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

inline void put_be32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFF);
}

inline void png_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t typed = out.size();
  out += type;
  out += data;
  put_be32(out, png_crc32(std::string_view(out).substr(typed)));
}

}  // namespace detail

/// A PNG of `height` x `width` 8-bit pixels with `channels` channels (1, 2, 3 or 4), row-major
/// and interleaved, in stored deflate blocks (see the file comment).
///
/// **Errors**: invalid_argument for another channel count, a size above 2^31 - 1 pixels a
/// side, or a pixel count that is not height * width * channels.
inline std::string encode_png_stored(std::span<const std::uint8_t> pixels, std::size_t height, std::size_t width,
                                     std::size_t channels) {
  static constexpr std::uint8_t colour_type[] = {0, 0, 4, 2, 6};
  if (channels < 1 || channels > 4 || height > 0x7FFFFFFF || width > 0x7FFFFFFF ||
      pixels.size() != height * width * channels)
    staticflow::detail::fail<invalid_argument>({"sf::summary::encode_png_stored: ", pixels.size(), " pixels for ", height,
                                                " x ", width, " x ", channels,
                                                " (1 to 4 channels, at most 2^31 - 1 a side)"});
  std::string raw;  // the rows, each after filter byte 0 (none)
  raw.reserve(height * (width * channels + 1));
  for (std::size_t y = 0; y < height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(pixels.data()) + y * width * channels, width * channels);
  }
  std::string z = "\x78\x01";  // zlib: deflate, 32 KiB window, no dictionary, check bits
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(raw.size() - at, 65535);
    z += static_cast<char>(at + n == raw.size() ? 1 : 0);  // BFINAL, BTYPE 00 (stored)
    z += static_cast<char>(n & 0xFF), z += static_cast<char>(n >> 8);
    z += static_cast<char>(~n & 0xFF), z += static_cast<char>((~n >> 8) & 0xFF);
    z.append(raw, at, n);
    at += n;
  } while (at < raw.size());
  std::uint32_t a = 1, b = 0;  // Adler-32
  for (char c : raw) a = (a + static_cast<std::uint8_t>(c)) % 65521, b = (b + a) % 65521;
  detail::put_be32(z, b << 16 | a);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  detail::put_be32(ihdr, static_cast<std::uint32_t>(width));
  detail::put_be32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += static_cast<char>(8), ihdr += static_cast<char>(colour_type[channels]);
  ihdr += std::string(3, '\0');  // compression, filter, interlace
  detail::png_chunk(png, "IHDR", ihdr);
  detail::png_chunk(png, "IDAT", z);
  detail::png_chunk(png, "IEND", {});
  return png;
}

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_PNG_STORED_HPP
