// SPDX-License-Identifier: MIT
/// \file
/// \brief image::decode_jpeg / encode_jpeg: round trips (colour, grayscale, progressive), channel
/// conversion, downscaling ratios, and every error path: not a JPEG, truncated (and recovered),
/// a 65535 x 65535 header refused before allocating, bad arguments. PIL's files are checked in
/// tests/interop/image_pil.py.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "staticflow/image/jpeg.hpp"

namespace sf = staticflow;
namespace img = staticflow::image;
using Catch::Matchers::Contains;

namespace {

/// A smooth colour gradient (JPEG keeps smooth images within a few levels).
img::image_u8<3> gradient(std::size_t h, std::size_t w) {
  img::image_u8<3> t(sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, 3>>(h, w));
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      std::uint8_t* p = t.data() + (y * w + x) * 3;
      p[0] = static_cast<std::uint8_t>(255 * x / (w - 1));
      p[1] = static_cast<std::uint8_t>(255 * y / (h - 1));
      p[2] = static_cast<std::uint8_t>(128);
    }
  return t;
}

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

template <class A, class B>
int max_diff(const A& a, const B& b) {
  REQUIRE(a.size() == b.size());
  int worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(int(a.data()[i]) - int(b.data()[i])));
  return worst;
}

}  // namespace

TEST_CASE("decode_jpeg(encode_jpeg(x)) is x within a few levels, colour and grayscale", "[image][jpeg]") {
  const auto x = gradient(37, 53);  // odd sizes: partial MCUs at both edges
  const std::string file = img::encode_jpeg(x, {.quality = 100, .chroma_downsampling = false});
  REQUIRE(file.size() > 4);
  CHECK(static_cast<unsigned char>(file[0]) == 0xFF);  // SOI
  CHECK(static_cast<unsigned char>(file[1]) == 0xD8);
  const auto y = img::decode_jpeg(bytes_of(file));
  REQUIRE(y.dims()[0] == 37);
  REQUIRE(y.dims()[1] == 53);
  REQUIRE(y.dims()[2] == 3);
  CHECK(max_diff(x, y) <= 6);  // TF's default fast integer IDCT
  const auto y3 = img::decode_jpeg<3>(bytes_of(img::encode_jpeg(x, {.quality = 100, .progressive = true})));
  CHECK(max_diff(x, y3) <= 8);  // 4:2:0 chroma of a gradient

  // Grayscale: the file's one channel by default; <3> repeats it; <1> of a colour file is its luma.
  img::image_u8<1> g(sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, 1>>(8, 16));
  for (std::size_t i = 0; i < g.size(); ++i) g.data()[i] = static_cast<std::uint8_t>(16 * (i % 16));
  const std::string gfile = img::encode_jpeg(g, {.quality = 100});
  const auto g1 = img::decode_jpeg(bytes_of(gfile));
  CHECK(g1.dims()[2] == 1);
  CHECK(max_diff(g, g1) <= 6);
  const auto g3 = img::decode_jpeg<3>(bytes_of(gfile));
  for (std::size_t i = 0; i < g.size(); ++i) {
    CHECK(g3.data()[3 * i] == g1.data()[i]);
    CHECK(g3.data()[3 * i + 2] == g1.data()[i]);
  }
  const auto luma = img::decode_jpeg<1>(bytes_of(file));
  // BT.601 luma of pixel (0, 52): R 255, G 0, B 128 -> 0.299 * 255 + 0.114 * 128 = 90.8.
  CHECK(std::abs(int(luma.data()[52]) - 91) <= 3);
}

TEST_CASE("decode_jpeg's ratio scales while decoding, rounding sizes up", "[image][jpeg]") {
  const std::string file = img::encode_jpeg(gradient(37, 53));
  for (const int r : {1, 2, 4, 8}) {
    const auto y = img::decode_jpeg(bytes_of(file), {.ratio = r});
    CHECK(y.dims()[0] == std::size_t(37 + r - 1) / std::size_t(r));
    CHECK(y.dims()[1] == std::size_t(53 + r - 1) / std::size_t(r));
  }
  CHECK_THROWS_AS(img::decode_jpeg(bytes_of(file), {.ratio = 3}), sf::invalid_argument);
}

TEST_CASE("decode_jpeg's errors: not a JPEG, truncated, a huge header, bad arguments", "[image][jpeg]") {
  CHECK_THROWS_AS(img::decode_jpeg(bytes_of(std::string("GIF89a not a jpeg"))), sf::data_loss);
  CHECK_THROWS_WITH(img::decode_jpeg(bytes_of(std::string("GIF89a")), {}, "cat.1.jpg"),
                    Contains("'cat.1.jpg' is not a valid JPEG"));
  CHECK_THROWS_AS(img::decode_jpeg(std::span<const std::byte>()), sf::data_loss);

  const auto x = gradient(64, 64);
  const std::string file = img::encode_jpeg(x, {.quality = 90});
  const auto sos = file.find("\xFF\xDA");  // the scan: cut halfway through its data
  REQUIRE(sos != std::string::npos);
  const std::string cut = file.substr(0, sos + (file.size() - sos) / 2);
  CHECK_THROWS_WITH(img::decode_jpeg(bytes_of(cut), {}, "half.jpg"), Contains("'half.jpg' is truncated"));
  const auto recovered = img::decode_jpeg(bytes_of(cut), {.try_recover_truncated = true});
  CHECK(recovered.dims()[0] == 64);
  CHECK(max_diff(x, img::decode_jpeg(bytes_of(file))) <= 16);

  // The frame header (SOF0: FF C0, length, precision, height, width) claims 60000 x 60000 (libjpeg
  // itself refuses sides above 65500): refused before 10.8 GB are allocated.
  std::string huge = file;
  const auto sof = huge.find("\xFF\xC0");
  REQUIRE(sof != std::string::npos);
  huge[sof + 5] = huge[sof + 7] = '\xEA', huge[sof + 6] = huge[sof + 8] = '\x60';
  CHECK_THROWS_WITH(img::decode_jpeg(bytes_of(huge), {}, "huge.jpg"), Contains("would decode to 10800000000 bytes"));
  // Zero height: libjpeg's own check.
  std::string empty = file;
  empty[sof + 5] = empty[sof + 6] = '\0';
  CHECK_THROWS_AS(img::decode_jpeg(bytes_of(empty)), sf::data_loss);

  img::image_u8<> two(sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, sf::dyn>>(4, 4, 2));
  CHECK_THROWS_WITH(img::encode_jpeg(two), Contains("2 channels"));
  CHECK_THROWS_AS(img::encode_jpeg(x, {.quality = 101}), sf::invalid_argument);
}
