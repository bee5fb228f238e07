// SPDX-License-Identifier: MIT
/// \file
/// \brief image::decode_png / encode_png: lossless round trips of 1-4 channels at 8 and 16 bits,
/// TF's channel and depth conversions, and every error path (not a PNG, truncated, bad CRC, a
/// 60000 x 60000 header refused before allocating). Pillow's files: tests/interop/image_pil.py.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include <zlib.h>

#include "staticflow/image/png.hpp"

namespace sf = staticflow;
namespace img = staticflow::image;
using Catch::Matchers::Contains;

namespace {

template <class T>
sf::tensor<T, sf::shape<sf::dyn, sf::dyn, sf::dyn>> pattern(std::size_t h, std::size_t w, std::size_t c) {
  sf::tensor<T, sf::shape<sf::dyn, sf::dyn, sf::dyn>> t(sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, sf::dyn>>(h, w, c));
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>((i * 2654435761u) >> (sizeof(T) == 1 ? 24 : 16));
  return t;
}

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

template <class A, class B>
bool same(const A& a, const B& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a.data()[i] != b.data()[i]) return false;
  return true;
}

}  // namespace

TEST_CASE("decode_png(encode_png(x)) is x, 1 to 4 channels, 8 and 16 bits", "[image][png]") {
  for (std::size_t c = 1; c <= 4; ++c) {
    INFO(c << " channels");
    const auto x8 = pattern<std::uint8_t>(5, 7, c);
    const std::string f8 = img::encode_png(x8);
    CHECK(f8.substr(1, 3) == "PNG");
    CHECK(static_cast<unsigned char>(f8[24]) == 8);  // IHDR bit depth
    const auto y8 = img::decode_png(bytes_of(f8));
    CHECK(y8.dims()[2] == c);
    CHECK(same(x8, y8));
    const auto x16 = pattern<std::uint16_t>(3, 4, c);
    const std::string f16 = img::encode_png(x16);
    CHECK(static_cast<unsigned char>(f16[24]) == 16);
    CHECK(same(x16, img::decode_png<std::uint16_t>(bytes_of(f16))));
  }
}

TEST_CASE("decode_png converts channels and depths as TF", "[image][png]") {
  // One red and one grey pixel, RGB.
  sf::tensor<std::uint8_t, sf::shape<1, 2, 3>> rgb;
  const std::uint8_t px[] = {255, 0, 0, 100, 100, 100};
  std::copy(px, px + 6, rgb.data());
  const std::string file = img::encode_png(rgb);
  // To gray with libpng's default (sRGB) weights 6968, 23434, 2366 / 32768: red -> 54.2.
  const auto g = img::decode_png<std::uint8_t, 1>(bytes_of(file));
  CHECK(std::abs(int(g.data()[0]) - 54) <= 1);
  CHECK(g.data()[1] == 100);
  // An opaque alpha added; uint16 scales by 257.
  const auto rgba = img::decode_png<std::uint8_t, 4>(bytes_of(file));
  CHECK(rgba.data()[3] == 255);
  CHECK(rgba.data()[4] == 100);
  const auto wide = img::decode_png<std::uint16_t, 3>(bytes_of(file));
  CHECK(wide.data()[0] == 65535);
  CHECK(wide.data()[3] == 100 * 257);
  // Gray to RGB repeats it; 16-bit to uint8 keeps the high byte (0x1234 -> 0x12).
  sf::tensor<std::uint16_t, sf::shape<1, 1, 1>> deep;
  deep.data()[0] = 0x1234;
  const auto narrow = img::decode_png<std::uint8_t, 3>(bytes_of(img::encode_png(deep)));
  CHECK(narrow.data()[0] == 0x12);
  CHECK(narrow.data()[2] == 0x12);
}

TEST_CASE("decode_png's errors: not a PNG, truncated, bad CRC, a huge header", "[image][png]") {
  CHECK_THROWS_WITH(img::decode_png(bytes_of(std::string("GIF89a")), {}, "a.png"), Contains("'a.png' is not a valid PNG"));
  CHECK_THROWS_AS(img::decode_png(std::span<const std::byte>()), sf::data_loss);
  const std::string file = img::encode_png(pattern<std::uint8_t>(16, 16, 3));
  CHECK_THROWS_WITH(img::decode_png(bytes_of(file.substr(0, file.size() / 2)), {}, "half.png"),
                    Contains("'half.png'") && Contains("truncated"));
  std::string bad = file;
  bad[29] = static_cast<char>(bad[29] ^ 0xFF);  // IHDR's CRC (bytes 29-32)
  CHECK_THROWS_AS(img::decode_png(bytes_of(bad)), sf::data_loss);
  // IHDR (bytes 16-23: width, height) claiming 60000 x 60000 with its CRC (zlib's CRC-32 of type
  // and data, bytes 29-32) recomputed: refused before 10.8 GB are allocated.
  std::string huge = file;
  for (const std::size_t at : {16u, 20u}) huge[at] = 0, huge[at + 1] = 0, huge[at + 2] = '\xEA', huge[at + 3] = '\x60';
  const auto crc = static_cast<std::uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(huge.data() + 12), 17));
  for (int i = 0; i < 4; ++i) huge[29 + i] = static_cast<char>(crc >> (24 - 8 * i));
  CHECK_THROWS_WITH(img::decode_png(bytes_of(huge), {}, "huge.png"), Contains("would decode to 10800000000 bytes"));
  CHECK_THROWS_WITH(img::decode_png(bytes_of(file), {.max_bytes = 100}), Contains("would decode to 768 bytes"));
  sf::tensor<std::uint8_t, sf::shape<2, 2, 5>> five;
  CHECK_THROWS_AS(img::encode_png(five), sf::invalid_argument);
}

#include "staticflow/image/decode_image.hpp"

TEST_CASE("decode_image tells JPEG from PNG by their first bytes", "[image][png][jpeg]") {
  const auto x = pattern<std::uint8_t>(6, 5, 3);
  const std::string png = img::encode_png(x), jpeg = img::encode_jpeg(x);
  CHECK(img::sniff_image_format(bytes_of(png)) == img::image_format::png);
  CHECK(img::sniff_image_format(bytes_of(jpeg)) == img::image_format::jpeg);
  CHECK(same(x, img::decode_image(bytes_of(png))));
  const auto j = img::decode_image<3>(bytes_of(jpeg));
  CHECK(j.dims()[0] == 6);
  CHECK(j.dims()[1] == 5);
  CHECK(img::decode_image<1>(bytes_of(png)).dims()[2] == 1);
  CHECK_THROWS_AS(img::decode_image(bytes_of(std::string("GIF89a..."))), sf::unimplemented);
  CHECK_THROWS_WITH(img::decode_image(bytes_of(std::string("hello")), "x.txt"), Contains("'x.txt' is not a JPEG or PNG"));
  CHECK(img::sniff_image_format(std::span<const std::byte>()) == img::image_format::unknown);
}
