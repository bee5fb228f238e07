// SPDX-License-Identifier: MIT
/// \file
/// \brief image::sample_distorted_bounding_box: every box satisfies TF's constraints (inside the
/// image, area and aspect ratio in range up to rounding, enough of an object covered), the same
/// seed and draw give the same box, draws differ, the whole image when nothing fits, and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <tuple>
#include <vector>

#include "staticflow/image/distorted_box.hpp"

namespace sf = staticflow;
namespace img = staticflow::image;

TEST_CASE("sample_distorted_bounding_box: TF's constraints hold for every draw", "[image][box]") {
  const std::vector<img::normalized_box> objects = {{0.1f, 0.2f, 0.5f, 0.6f}, {0.6f, 0.6f, 0.9f, 0.95f}};
  const img::distorted_box_options o{.min_object_covered = 0.5f, .min_area = 0.1f, .max_area = 0.8f};
  const std::size_t h = 240, w = 320;
  std::set<std::tuple<std::size_t, std::size_t, std::size_t, std::size_t>> seen;
  for (std::uint64_t draw = 0; draw < 300; ++draw) {
    const auto b = img::sample_distorted_bounding_box(h, w, objects, 42, draw, o);
    INFO("draw " << draw << ": " << b.offset_y << ", " << b.offset_x << ", " << b.height << " x " << b.width);
    REQUIRE(b.height > 0);
    REQUIRE(b.width > 0);
    CHECK(b.offset_y + b.height <= h);
    CHECK(b.offset_x + b.width <= w);
    const double area = double(b.height * b.width) / double(h * w);
    CHECK(area >= 0.1 - 1e-9);
    CHECK(area <= 0.8 + 1e-9);
    // The width is round(height * ratio): the ratio within half a pixel of the range.
    CHECK(double(b.width) >= 0.75 * double(b.height) - 0.5);
    CHECK(double(b.width) <= 1.33 * double(b.height) + 0.5);
    bool covers = false;
    for (const auto& ob : objects) {
      const double oy0 = std::floor(ob.ymin * h), ox0 = std::floor(ob.xmin * w), oy1 = std::floor(ob.ymax * h),
                   ox1 = std::floor(ob.xmax * w);
      const double iy = std::min<double>(oy1, double(b.offset_y + b.height)) - std::max<double>(oy0, double(b.offset_y));
      const double ix = std::min<double>(ox1, double(b.offset_x + b.width)) - std::max<double>(ox0, double(b.offset_x));
      covers = covers || (iy > 0 && ix > 0 && iy * ix / ((oy1 - oy0) * (ox1 - ox0)) >= 0.5);
    }
    CHECK(covers);
    CHECK(b.box.ymin == Approx(double(b.offset_y) / h));
    CHECK(b.box.xmax == Approx(double(b.offset_x + b.width) / w));
    seen.emplace(b.offset_y, b.offset_x, b.height, b.width);
  }
  CHECK(seen.size() > 200);  // new boxes draw after draw
  const auto a = img::sample_distorted_bounding_box(h, w, objects, 42, 7, o), again = img::sample_distorted_bounding_box(h, w, objects, 42, 7, o);
  CHECK(std::tie(a.offset_y, a.offset_x, a.height, a.width) == std::tie(again.offset_y, again.offset_x, again.height, again.width));
}

TEST_CASE("sample_distorted_bounding_box: the whole image when nothing fits, and errors", "[image][box]") {
  // Aspect ratios of 50-60 with half the image's area: no such crop fits a 100 x 100 image, so
  // every attempt fails and the crop is the whole image (TF's fallback).
  const std::vector<img::normalized_box> tiny = {{0.5f, 0.5f, 0.51f, 0.51f}};
  const img::distorted_box_options impossible{.min_object_covered = 1.0f, .min_aspect_ratio = 50, .max_aspect_ratio = 60,
                                              .min_area = 0.5f, .max_area = 0.6f};
  const auto b = img::sample_distorted_bounding_box(100, 100, tiny, 1, 0, impossible);
  CHECK(b.offset_y == 0);
  CHECK(b.offset_x == 0);
  CHECK(b.height == 100);
  CHECK(b.width == 100);
  CHECK_THROWS_AS(img::sample_distorted_bounding_box(100, 100, {}, 1, 0), sf::invalid_argument);
  CHECK(img::sample_distorted_bounding_box(100, 100, {}, 1, 0, {.use_image_if_no_bounding_boxes = true}).height > 0);
  const std::vector<img::normalized_box> upside_down = {{0.6f, 0.1f, 0.2f, 0.5f}};
  CHECK_THROWS_AS(img::sample_distorted_bounding_box(100, 100, upside_down, 1, 0), sf::invalid_argument);
  CHECK_THROWS_AS(img::sample_distorted_bounding_box(100, 100, tiny, 1, 0, {.min_area = 0.9f, .max_area = 0.5f}),
                  sf::invalid_argument);
  CHECK_THROWS_AS(img::sample_distorted_bounding_box(0, 100, tiny, 1, 0), sf::invalid_argument);
}
