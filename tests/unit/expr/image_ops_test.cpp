// SPDX-License-Identifier: MIT
/// \file
/// \brief tf.image's geometry and colour ops (expr/image_geometry.hpp, expr/image_color.hpp)
/// against hand-worked values from TF's definitions (each case says how), numpy's rot90 for the
/// rotations, batches, and central-difference gradients of the ops with reductions.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "staticflow/staticflow.hpp"
#include "unit/autodiff/gradcheck.hpp"

namespace sf = staticflow;
namespace img = staticflow::image;
using sf::shape;

namespace {

/// An [H, W, C] image with the given row-major values.
template <std::size_t H, std::size_t W, std::size_t C = 1, class T = float>
sf::tensor<T, shape<H, W, C>> image(const std::vector<double>& v) {
  sf::tensor<T, shape<H, W, C>> t;
  REQUIRE(v.size() == t.size());
  for (std::size_t i = 0; i < v.size(); ++i) t.data()[i] = static_cast<T>(v[i]);
  return t;
}

template <class V>
void check_values(const V& t, const std::vector<double>& want, double eps = 1e-6) {
  REQUIRE(t.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(t.data()[i]) == Approx(want[i]).margin(eps));
  }
}

template <class V, std::size_t... D>
void check_dims(const V& t) {
  const std::size_t want[] = {D...};
  for (std::size_t i = 0; i < sizeof...(D); ++i) CHECK(t.dims()[i] == want[i]);
}

}  // namespace

// The 2 x 3 image [[1, 2, 3], [4, 5, 6]]; rotations as numpy.rot90 (counter-clockwise), which
// TF's rot90 follows.
TEST_CASE("flips, transpose and rot90 of a 2 x 3 image", "[expr][image]") {
  const auto x = image<2, 3>({1, 2, 3, 4, 5, 6});
  check_values(sf::eval(img::flip_left_right(x)), {3, 2, 1, 6, 5, 4});
  check_values(sf::eval(img::flip_up_down(x)), {4, 5, 6, 1, 2, 3});
  const auto t = sf::eval(img::transpose_image(x));
  check_dims<decltype(t), 3, 2, 1>(t);
  check_values(t, {1, 4, 2, 5, 3, 6});
  check_values(sf::eval(img::rot90<1>(x)), {3, 6, 2, 5, 1, 4});  // np.rot90(a)
  check_values(sf::eval(img::rot90<2>(x)), {6, 5, 4, 3, 2, 1});  // np.rot90(a, 2)
  check_values(sf::eval(img::rot90<3>(x)), {4, 1, 5, 2, 6, 3});  // np.rot90(a, 3)
  check_values(sf::eval(img::rot90<-1>(x)), {4, 1, 5, 2, 6, 3});
  check_values(sf::eval(img::rot90<4>(x)), {1, 2, 3, 4, 5, 6});
  // A batch [2, 1, 2, 2]: every image flips on its own, channels stay together.
  sf::tensor<float, shape<2, 1, 2, 2>> b;
  for (std::size_t i = 0; i < 8; ++i) b.data()[i] = float(i);  // image 0: pixels (0, 1), (2, 3)
  check_values(sf::eval(img::flip_left_right(b)), {2, 3, 0, 1, 6, 7, 4, 5});
}

TEST_CASE("crops and pads: bounding boxes, central_crop, resize_image_with_crop_or_pad", "[expr][image]") {
  const auto x = image<2, 3>({1, 2, 3, 4, 5, 6});
  check_values(sf::eval(img::crop_to_bounding_box<0, 1, 2, 2>(x)), {2, 3, 5, 6});
  const auto p = sf::eval(img::pad_to_bounding_box<1, 0, 4, 4>(x));
  check_dims<decltype(p), 4, 4, 1>(p);
  check_values(p, {0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0});
  // central_crop(0.5) of 4 x 6 (values 0..23): TF's start = int((side - side * 0.5) / 2): rows 1
  // (size 4 - 2 = 2), columns int(1.5) = 1 (size 6 - 2 = 4).
  std::vector<double> v(24);
  for (std::size_t i = 0; i < 24; ++i) v[i] = double(i);
  const auto c = sf::eval(img::central_crop<0.5>(image<4, 6>(v)));
  check_dims<decltype(c), 2, 4, 1>(c);
  check_values(c, {7, 8, 9, 10, 13, 14, 15, 16});
  // resize_image_with_crop_or_pad: to 1 x 5, the height crops at (2 - 1) / 2 = 0 and the width
  // pads (5 - 3) / 2 = 1 on the left; to 3 x 2, the height pads 0 on top, the width crops at 0.
  check_values(sf::eval(img::resize_image_with_crop_or_pad<1, 5>(x)), {0, 1, 2, 3, 0});
  check_values(sf::eval(img::resize_image_with_crop_or_pad<3, 2>(x)), {1, 2, 4, 5, 0, 0});
  check_values(sf::eval(img::resize_image_with_crop_or_pad<2, 3>(x)), {1, 2, 3, 4, 5, 6});
}

TEST_CASE("convert_image_dtype: TF's scaling and saturation", "[expr][image]") {
  // uint8 -> float: x / 255.
  const auto u = image<1, 3, 1, std::uint8_t>({0, 51, 255});
  const auto f = sf::eval(img::convert_image_dtype<float>(u));
  static_assert(std::is_same_v<typename decltype(f)::value_type, float>);
  check_values(f, {0, 0.2, 1.0});
  // float -> uint8: x * 255.5, truncated, clipped: 0.2 -> 51.1 -> 51; 1.0 -> 255.5 -> 255.
  const auto g = image<1, 5>({0, 0.2, 1.0, 1.5, -0.1});
  check_values(sf::eval(img::convert_image_dtype<std::uint8_t>(g, true)), {0, 51, 255, 255, 0});
  // int16 -> float: x / 32767.
  check_values(sf::eval(img::convert_image_dtype<double>(image<1, 2, 1, std::int16_t>({32767, -16384}))),
               {1.0, -16384.0 / 32767.0});
}

TEST_CASE("rgb_to_grayscale, brightness, contrast, gamma and standardisation", "[expr][image]") {
  // TF's weights: 0.2989 * 1 + 0.5870 * 0.5 + 0.1140 * 0.25 = 0.6209.
  const auto rgb = image<1, 2, 3>({1, 0.5, 0.25, 0, 0, 1});
  const auto gray = sf::eval(img::rgb_to_grayscale(rgb));
  check_dims<decltype(gray), 1, 2, 1>(gray);
  check_values(gray, {0.6209, 0.1140});
  check_values(sf::eval(img::adjust_brightness(rgb, 0.1)), {1.1, 0.6, 0.35, 0.1, 0.1, 1.1});
  // Contrast 2 on a 1 x 2 image of two channels: channel 0 [1, 3] (mean 2) -> [0, 4]; channel 1
  // [10, 10] (mean 10) stays.
  check_values(sf::eval(img::adjust_contrast(image<1, 2, 2>({1, 10, 3, 10}), 2.0)), {0, 10, 4, 10});
  check_values(sf::eval(img::adjust_gamma(image<1, 2>({0.25, 1}), 0.5, 2.0)), {1, 2});
  // Standardisation of [1, 2, 3, 4]: mean 2.5, population variance 1.25, stddev sqrt(1.25) above
  // TF's floor 1 / sqrt(4); a constant image divides by the floor: zeros.
  const double s = std::sqrt(1.25);
  check_values(sf::eval(img::per_image_standardization(image<2, 2>({1, 2, 3, 4}))),
               {-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s});
  check_values(sf::eval(img::per_image_standardization(image<2, 2>({5, 5, 5, 5}))), {0, 0, 0, 0});
  // A batch standardises each image on its own: [2, 1, 2, 1] = images [0, 2] and [10, 30].
  sf::tensor<float, shape<2, 1, 2, 1>> b;
  b.data()[0] = 0, b.data()[1] = 2, b.data()[2] = 10, b.data()[3] = 30;
  check_values(sf::eval(img::per_image_standardization(b)), {-1, 1, -1, 1});
}

TEST_CASE("gradcheck: the image ops with reductions and slices", "[expr][image][gradcheck]") {
  using gradcheck_detail::randn;
  auto x = randn<shape<2, 3, 4, 3>>(5);
  gradcheck("rgb_to_grayscale", x, [](auto e) { return img::rgb_to_grayscale(e); });
  gradcheck("adjust_contrast", x, [](auto e) { return img::adjust_contrast(e, 1.7); });
  gradcheck("per_image_standardization", x, [](auto e) { return img::per_image_standardization(e); });
  gradcheck("rot90<1>(central_crop<0.5>)", x, [](auto e) { return img::rot90<1>(img::central_crop<0.5>(e)); });
  gradcheck("resize_image_with_crop_or_pad<5, 2>", x, [](auto e) { return img::resize_image_with_crop_or_pad<5, 2>(e); });
  gradcheck("a chain: flip, brightness, contrast, standardise", x, [](auto e) {
    return img::per_image_standardization(img::adjust_contrast(img::adjust_brightness(img::flip_left_right(e), 0.3), 0.8));
  });
}

// HSV by TF's definition (ops/image_hsv.hpp's comment): red (1, 0, 0) -> (0, 1, 1); green -> (1/3,
// 1, 1); blue -> (2/3, 1, 1); grey (.5, .5, .5) -> (0, 0, .5); orange (1, .5, 0): c = 1, h = .5 / 6;
// (.2, .4, .8): v = .8 = b, c = .6, h = (4 + (.2 - .4) / .6) / 6 = 11 / 18, s = .75;
// magenta-ish (1, 0, .5): v = r, h = (0 - .5) / 1 / 6 + 1 = 11 / 12.
TEST_CASE("rgb_to_hsv, hsv_to_rgb, adjust_hue and adjust_saturation", "[expr][image]") {
  const auto rgb = image<1, 7, 3>({1, 0, 0, 0, 1, 0, 0, 0, 1, .5, .5, .5, 1, .5, 0, .2, .4, .8, 1, 0, .5});
  const std::vector<double> hsv = {0, 1, 1, 1.0 / 3, 1, 1, 2.0 / 3, 1, 1, 0, 0, .5, 1.0 / 12, 1, 1, 11.0 / 18, .75, .8,
                                   11.0 / 12, 1, 1};
  check_values(sf::eval(img::rgb_to_hsv(rgb)), hsv);
  const auto back = sf::eval(img::hsv_to_rgb(img::rgb_to_hsv(rgb)));
  check_values(back, {1, 0, 0, 0, 1, 0, 0, 0, 1, .5, .5, .5, 1, .5, 0, .2, .4, .8, 1, 0, .5});
  // A third of a turn: red -> green, green -> blue, blue -> red; grey stays.
  check_values(sf::eval(img::adjust_hue(rgb, 1.0 / 3)),
               {0, 1, 0, 0, 0, 1, 1, 0, 0, .5, .5, .5, 0, 1, .5, .8, .2, .4, .5, 1, 0});
  // Orange at half saturation: s = .5, c = .5, m = .5, h' = .5: (c, x, 0) + m with x = .25.
  check_values(sf::eval(img::adjust_saturation(image<1, 1, 3>({1, .5, 0}), 0.5)), {1, .75, .5});
  check_values(sf::eval(img::adjust_saturation(image<1, 1, 3>({1, .5, 0}), 0.0)), {1, 1, 1});  // grey at v = 1
  check_values(sf::eval(img::adjust_saturation(image<1, 1, 3>({.5, .25, 0}), 4.0)), {.5, .25, 0});  // s clipped at 1
}

// Random ops: a run counter (a scalar int64 tensor here) numbers the evaluations; the draws are
// a pure function of (seed, counter), so results are checked for what each draw must satisfy,
// for reproducibility, and for their frequencies over many draws.
TEST_CASE("random flips, crops, brightness and contrast: per TF 1.x's draws, reproducible", "[expr][image][random]") {
  sf::tensor<std::int64_t, shape<>> run;
  run.data()[0] = 0;
  // 400 one-row images [0, 1, 2]: each comes out as it was or reversed.
  sf::tensor<float, shape<400, 1, 3, 1>> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 3);
  const auto a = sf::eval(img::random_flip_left_right(run, x, 7));
  CHECK(run.data()[0] == 1);
  std::size_t flipped = 0;
  for (std::size_t n = 0; n < 400; ++n) {
    const float* p = a.data() + 3 * n;
    const bool same = p[0] == 0 && p[1] == 1 && p[2] == 2, reversed = p[0] == 2 && p[1] == 1 && p[2] == 0;
    CHECK((same || reversed));
    flipped += reversed;
  }
  CHECK(flipped > 160);  // 200 expected; a standard deviation is 10
  CHECK(flipped < 240);
  run.data()[0] = 0;
  const auto again = sf::eval(img::random_flip_left_right(run, x, 7));
  CHECK(std::equal(a.data(), a.data() + a.size(), again.data()));
  const auto next = sf::eval(img::random_flip_left_right(run, x, 7));  // counter 1 -> 2: new coins
  CHECK_FALSE(std::equal(a.data(), a.data() + a.size(), next.data()));
  const auto other_seed = sf::eval(img::random_flip_up_down(run, image<2, 1>({1, 2}), 8));
  CHECK(((other_seed.data()[0] == 1 && other_seed.data()[1] == 2) || (other_seed.data()[0] == 2 && other_seed.data()[1] == 1)));

  // Crops of 2 x 2 from 4 x 5 (values 0..19): a window at one of 3 x 4 offsets, every one reached.
  std::vector<double> v(20);
  for (std::size_t i = 0; i < 20; ++i) v[i] = double(i);
  const auto big = image<4, 5>(v);
  bool seen[3][4] = {};
  for (int k = 0; k < 200; ++k) {
    const auto c = sf::eval(img::random_crop<2, 2>(run, big, 11));
    const int top = int(c.data()[0]) / 5, left = int(c.data()[0]) % 5;
    REQUIRE(top <= 2);
    REQUIRE(left <= 3);
    check_values(c, {double(5 * top + left), double(5 * top + left + 1), double(5 * top + left + 5), double(5 * top + left + 6)});
    seen[top][left] = true;
  }
  for (const auto& row : seen)
    for (const bool s : row) CHECK(s);
  CHECK_THROWS_AS((img::random_crop<5, 2>(run, big, 11)), sf::invalid_argument);

  // Brightness: one delta in [-0.2, 0.2) for the whole evaluation; contrast: one factor in [0.5, 1.5).
  const auto rgb = image<2, 2, 3>({.1, .2, .3, .4, .5, .6, .7, .8, .9, .2, .4, .6});
  for (int k = 0; k < 20; ++k) {
    const auto b = sf::eval(img::random_brightness(run, rgb, 0.2, 3));
    const double delta = double(b.data()[0]) - double(rgb.data()[0]);
    CHECK(delta >= -0.2);
    CHECK(delta < 0.2);
    for (std::size_t i = 0; i < rgb.size(); ++i) CHECK(double(b.data()[i]) - double(rgb.data()[i]) == Approx(delta).margin(1e-6));
    const auto c = sf::eval(img::random_contrast(run, rgb, 0.5, 1.5, 5));
    // Channel 0 has mean (.1 + .4 + .7 + .2) / 4 = .35: the factor from pixel 0, then every pixel.
    const double f = (double(c.data()[0]) - 0.35) / (0.1 - 0.35);
    CHECK(f >= 0.5);
    CHECK(f < 1.5);
    check_values(c, [&] {
      std::vector<double> want;
      const double means[3] = {0.35, 0.475, 0.6};
      for (std::size_t i = 0; i < rgb.size(); ++i) want.push_back((double(rgb.data()[i]) - means[i % 3]) * f + means[i % 3]);
      return want;
    }(), 1e-5);
  }
  CHECK_THROWS_AS(img::random_contrast(run, rgb, 1.5, 0.5, 5), sf::invalid_argument);
}

TEST_CASE("random_hue and random_saturation: one draw per evaluation, equal to the fixed adjustment", "[expr][image][random]") {
  sf::tensor<std::int64_t, shape<>> run;
  run.data()[0] = 0;
  const auto rgb = image<1, 3, 3>({1, 0, 0, .2, .4, .8, 1, .5, 0});
  for (int k = 0; k < 10; ++k) {
    // The delta from the first pixel (pure red: its hue is the delta itself, wrapped), then every
    // pixel equals adjust_hue by that delta.
    const auto h = sf::eval(img::random_hue(run, rgb, 0.3, 9));
    const auto hsv = sf::eval(img::rgb_to_hsv(h));
    double delta = double(hsv.data()[0]);
    if (delta >= 0.5) delta -= 1;
    CHECK(delta >= -0.3 - 1e-6);
    CHECK(delta < 0.3 + 1e-6);
    const auto want = sf::eval(img::adjust_hue(rgb, delta));
    for (std::size_t i = 0; i < rgb.size(); ++i) CHECK(double(h.data()[i]) == Approx(double(want.data()[i])).margin(1e-5));
    // Saturation: pixel (.2, .4, .8) has s = .75; the drawn factor is s' / .75 (not clipped below 1.33).
    const auto s = sf::eval(img::random_saturation(run, rgb, 0.5, 1.2, 4));
    const double f = double(sf::eval(img::rgb_to_hsv(s)).data()[4]) / 0.75;
    CHECK(f >= 0.5 - 1e-5);
    CHECK(f < 1.2 + 1e-5);
    const auto want_s = sf::eval(img::adjust_saturation(rgb, f));
    for (std::size_t i = 0; i < rgb.size(); ++i) CHECK(double(s.data()[i]) == Approx(double(want_s.data()[i])).margin(1e-5));
  }
  CHECK_THROWS_AS(img::random_hue(run, rgb, 0.6, 9), sf::invalid_argument);
  CHECK_THROWS_AS(img::random_saturation(run, rgb, 1.0, 1.0, 9), sf::invalid_argument);
}
