// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/image.hpp: the PNG's signature and IHDR (read at the offsets
/// the PNG specification fixes), TF 1.x's tags, the float to byte mapping and bad input. The
/// pixels themselves are checked by Python's PIL in the events interop test.

#include "staticflow/staticflow.hpp"
#include "staticflow/summary/image.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "staticflow/core/tensor.hpp"
#include "staticflow/io/protobuf.hpp"

namespace sf = staticflow;
namespace summary = staticflow::summary;
namespace proto = staticflow::io::proto;
using Catch::Matchers::Contains;

namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(s[at + i]);
  return v;
}

struct image_value {
  std::string tag, png;
  std::int64_t height = 0, width = 0, colorspace = 0;
};

std::vector<image_value> decode(const std::string& summary) {
  std::vector<image_value> out;
  proto::reader r(summary, "Summary");
  for (proto::field f; r.next(f);) {
    image_value v;
    proto::reader value = r.message(f);
    for (proto::field g; value.next(g);) {
      if (g.number == 1) v.tag = value.as_string(g);
      if (g.number != 4) continue;
      proto::reader im = value.message(g);
      for (proto::field h; im.next(h);) {
        if (h.number == 1) v.height = im.as_int64(h);
        if (h.number == 2) v.width = im.as_int64(h);
        if (h.number == 3) v.colorspace = im.as_int64(h);
        if (h.number == 4) v.png = im.as_string(h);
      }
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

TEST_CASE("encode_png: signature, then IHDR with width, height, bit depth 8 and the colour type") {
  const std::vector<std::uint8_t> rgb(2 * 3 * 3, 7);
  const std::string png = summary::encode_png(rgb, 2, 3, 3);
  // PNG spec: 8-byte signature; IHDR chunk: length 13, "IHDR", width, height (big-endian),
  // bit depth, colour type (0 gray, 4 gray+alpha, 2 RGB, 6 RGBA); the file ends with IEND.
  CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(be32(png, 8) == 13);
  CHECK(png.substr(12, 4) == "IHDR");
  CHECK(be32(png, 16) == 3);
  CHECK(be32(png, 20) == 2);
  CHECK(png[24] == 8);
  CHECK(png[25] == 2);
  CHECK(png.substr(png.size() - 8, 4) == "IEND");
  CHECK(summary::encode_png(std::vector<std::uint8_t>(4), 2, 2, 1)[25] == 0);
  CHECK(summary::encode_png(std::vector<std::uint8_t>(8), 2, 2, 2)[25] == 4);
  CHECK(summary::encode_png(std::vector<std::uint8_t>(16), 2, 2, 4)[25] == 6);
}

TEST_CASE("encode_png: bad sizes are invalid_argument") {
  CHECK_THROWS_AS(summary::encode_png(std::vector<std::uint8_t>(5), 2, 2, 1), sf::invalid_argument);
  CHECK_THROWS_AS(summary::encode_png(std::vector<std::uint8_t>(4), 2, 2, 5), sf::invalid_argument);
  CHECK_THROWS_AS(summary::encode_png(std::vector<std::uint8_t>{}, 0, 2, 1), sf::invalid_argument);
}

TEST_CASE("image_summary: tags <tag>/image/<i> for the first max_outputs images, sizes and channels") {
  sf::tensor<std::uint8_t, sf::shape<3, 4, 5, 1>> images;
  for (std::size_t i = 0; i < images.size(); ++i) images.span()[i] = static_cast<std::uint8_t>(i);
  const auto values = decode(summary::image_summary("digits", images, 2));
  REQUIRE(values.size() == 2);
  CHECK(values[0].tag == "digits/image/0");
  CHECK(values[1].tag == "digits/image/1");
  CHECK(values[0].height == 4);
  CHECK(values[0].width == 5);
  CHECK(values[0].colorspace == 1);
  CHECK(values[0].png.substr(1, 3) == "PNG");
  CHECK(values[0].png != values[1].png);
  // max_outputs 1: TF 1.x's tag is <tag>/image.
  const auto one = decode(summary::image_summary("digits", images, 1));
  REQUIRE(one.size() == 1);
  CHECK(one[0].tag == "digits/image");
  CHECK(one[0].png == values[0].png);
}

TEST_CASE("image_summary: floats in [0, 1] map as convert_image_dtype(saturate) does") {
  // trunc(x * 255.5), clamped: 0 -> 0, 0.5 -> 127, 1 -> 255, 2 -> 255, -1 -> 0.
  CHECK(summary::detail::to_pixel(0.0f) == 0);
  CHECK(summary::detail::to_pixel(0.5f) == 127);
  CHECK(summary::detail::to_pixel(1.0f) == 255);
  CHECK(summary::detail::to_pixel(2.0) == 255);
  CHECK(summary::detail::to_pixel(-1.0) == 0);
  CHECK(summary::detail::to_pixel(std::uint8_t{200}) == 200);
  sf::tensor<float, sf::shape<2, 2, 3>> rgb;  // one [H, W, C] image
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb.span()[i] = 0.25f;
  const auto values = decode(summary::image_summary("x", rgb, 3));
  REQUIRE(values.size() == 1);
  CHECK(values[0].tag == "x/image/0");
  CHECK(values[0].colorspace == 3);
}

TEST_CASE("image_summary: 2 channels and NaN pixels are invalid_argument") {
  sf::tensor<float, sf::shape<1, 2, 2, 2>> two;
  CHECK_THROWS_WITH(summary::image_summary("x", two, 1), Contains("2 channels"));
  sf::tensor<float, sf::shape<1, 2, 2, 1>> nan;
  for (std::size_t i = 0; i < nan.size(); ++i) nan.span()[i] = 0.f;
  nan.span()[2] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(summary::image_summary("x", nan, 1), Contains("NaN at flat index 2"));
}

TEST_CASE("summary::image in a graph: the images an expression computes, as image_summary encodes them") {
  sf::graph g;
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2, 2, 1>, "x">();
  sf::session<sf::host> sess(g);
  sf::tensor<float, sf::shape<sf::dyn, 2, 2, 1>> batch(2);
  for (std::size_t i = 0; i < batch.size(); ++i) batch.span()[i] = 0.125f * static_cast<float>(i);
  const std::string s = sess.run(summary::image("x", x * 2.0f, 1), sf::feed(x, batch));
  sf::tensor<float, sf::shape<2, 2, 2, 1>> doubled;
  for (std::size_t i = 0; i < doubled.size(); ++i) doubled.span()[i] = 0.25f * static_cast<float>(i);
  CHECK(s == summary::image_summary("x", doubled, 1));
  const auto values = decode(s);
  REQUIRE(values.size() == 1);
  CHECK(values[0].tag == "x/image");
}

TEST_CASE("encode_png_stored: libpng decodes its stored-block PNGs to the same pixels, every channel count") {
  for (std::size_t c : {1, 2, 3, 4}) {
    // 200 x 130 x 4 rows of raw data are 104 KB: more than one stored block of 65535 bytes.
    const std::size_t h = 200, w = 130;
    std::vector<std::uint8_t> pixels(h * w * c);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7 + i / 13);
    const std::string png = summary::encode_png_stored(pixels, h, w, c);
    INFO(c << " channels");
    const auto image = sf::image::decode_png(std::as_bytes(std::span(png.data(), png.size())));
    REQUIRE(image.dim(0) == h);
    REQUIRE(image.dim(1) == w);
    REQUIRE(image.dim(2) == c);
    CHECK(std::equal(pixels.begin(), pixels.end(), image.data()));
  }
  const std::vector<std::uint8_t> digit(28 * 28, 128);
  CHECK(summary::encode_png_stored(digit, 28, 28, 1).size() == 880);  // 8 + IHDR 25 + IDAT (12 + 2 + 5 + 28 * 29 + 4) + IEND 12
  CHECK_THROWS_AS(summary::encode_png_stored(digit, 28, 28, 5), sf::invalid_argument);
  CHECK_THROWS_AS(summary::encode_png_stored(digit, 28, 27, 1), sf::invalid_argument);
}
