// SPDX-License-Identifier: MIT
/// \file
/// \brief image::resize_bilinear / resize_nearest_neighbor against TF's definitions, with
/// hand-worked numbers (each case says where they come from), odd sizes, one-pixel images,
/// integer images, batches and channels, errors, and central-difference gradients.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "staticflow/staticflow.hpp"
#include "unit/autodiff/gradcheck.hpp"

namespace sf = staticflow;
namespace img = staticflow::image;
using sf::shape;

namespace {

/// A [1, h, w, 1] image with the given row-major values.
template <std::size_t H, std::size_t W, class T = float>
sf::tensor<T, shape<1, H, W, 1>> image(const std::vector<double>& v) {
  sf::tensor<T, shape<1, H, W, 1>> t;
  for (std::size_t i = 0; i < v.size(); ++i) t.data()[i] = static_cast<T>(v[i]);
  return t;
}

void check_values(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(1e-6));
  }
}

template <class V>
void check_values(const V& t, const std::vector<double>& want) {
  REQUIRE(t.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(t.data()[i]) == Approx(want[i]).epsilon(1e-6));
  }
}

}  // namespace

// The 2 x 2 image [[1, 2], [3, 4]] to 4 x 4. Per axis (TF's image_resizer_state.h), out index x
// reads source s:
// - legacy (neither option): scale 2/4, s = x/2 = 0, .5, 1, 1.5 -> a, (a+b)/2, b, b (upper clamps to 1);
// - align_corners: scale (2-1)/(4-1), s = 0, 1/3, 2/3, 1 -> a, a+(b-a)/3, a+2(b-a)/3, b;
// - half_pixel_centers: s = (x+.5)/2-.5 = -.25, .25, .75, 1.25 -> a (floor -1: both taps 0),
//   a+(b-a)/4, a+3(b-a)/4, b.
// Rows combine the same way, so out[y][x] = row_y(col_x), with the rows of [1, 2] and [3, 4].
TEST_CASE("resize_bilinear: TF's three coordinate rules on a 2 x 2 -> 4 x 4 upscale", "[expr][image][resize]") {
  const auto x = image<2, 2>({1, 2, 3, 4});
  check_values(sf::eval(img::resize_bilinear<4, 4>(x)),
               {1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4});
  const double t = 1.0 / 3, u = 2.0 / 3;  // align_corners: rows 1, 1+2t, 1+2u, 3 (a column steps 2)
  check_values(sf::eval(img::resize_bilinear<4, 4>(x, {.align_corners = true})),
               {1, 1 + t, 1 + u, 2, 1 + 2 * t, 1 + 3 * t, 1 + 2 * t + u, 2 + 2 * t,
                1 + 2 * u, 1 + 2 * u + t, 1 + 3 * u, 2 + 2 * u, 3, 3 + t, 3 + u, 4});
  // half_pixel_centers: columns 1, 1.25, 1.75, 2 (+ 2 per row step); rows at 0, .25, .75, 1.
  check_values(sf::eval(img::resize_bilinear<4, 4>(x, {.half_pixel_centers = true})),
               {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4});
}

// A 1 x 5 row [0, 10, 20, 30, 40] to 1 x 3 (odd sizes, downscale):
// - legacy: scale 5/3, s = 0, 5/3, 10/3 -> 0, 10 + (2/3) * 10, 30 + (1/3) * 10;
// - align_corners: scale 4/2 = 2, s = 0, 2, 4 -> 0, 20, 40;
// - half_pixel_centers: s = (x+.5)*5/3-.5 = 1/3, 2, 11/3 -> 10/3, 20, 36 + 2/3.
// The height 1 -> 1 reads row 0 in every rule (legacy s = 0; half-pixel s = 0: (.5)*1-.5).
TEST_CASE("resize_bilinear: odd sizes, downscaling, and one-pixel images", "[expr][image][resize]") {
  const auto row = image<1, 5>({0, 10, 20, 30, 40});
  check_values(sf::eval(img::resize_bilinear<1, 3>(row)), {0, 10 + 20.0 / 3, 30 + 10.0 / 3});
  check_values(sf::eval(img::resize_bilinear<1, 3>(row, {.align_corners = true})), {0, 20, 40});
  check_values(sf::eval(img::resize_bilinear<1, 3>(row, {.half_pixel_centers = true})), {10.0 / 3, 20, 36 + 2.0 / 3});
  // A one-pixel image is that pixel everywhere, in every rule; a one-pixel output of align_corners
  // uses scale in / out (TF: out > 1 only), reading pixel 0.
  const auto one = image<1, 1>({7});
  check_values(sf::eval(img::resize_bilinear<3, 2>(one)), {7, 7, 7, 7, 7, 7});
  check_values(sf::eval(img::resize_bilinear<3, 2>(one, {.half_pixel_centers = true})), {7, 7, 7, 7, 7, 7});
  check_values(sf::eval(img::resize_bilinear<1, 1>(row, {.align_corners = true})), {0});
}

// Nearest, 2 x 2 [[1, 2], [3, 4]] -> 4 x 4 and 4 x 4 (0..15) -> 2 x 2 (TF's resize_nearest_neighbor_op.cc):
// - legacy: floor(x * scale): up 0, 0, 1, 1; down (scale 2) 0, 2;
// - align_corners: round(x * scale): up (scale 1/3) 0, 0, 1, 1; down (scale 3) 0, 3;
// - half_pixel_centers: floor((x + .5) * scale): up .25, .75, 1.25, 1.75 -> 0, 0, 1, 1; down 1, 3.
TEST_CASE("resize_nearest_neighbor: TF's three source rules, up and down", "[expr][image][resize]") {
  const auto x = image<2, 2>({1, 2, 3, 4});
  const std::vector<double> up = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  check_values(sf::eval(img::resize_nearest_neighbor<4, 4>(x)), up);
  check_values(sf::eval(img::resize_nearest_neighbor<4, 4>(x, {.align_corners = true})), up);
  check_values(sf::eval(img::resize_nearest_neighbor<4, 4>(x, {.half_pixel_centers = true})), up);
  std::vector<double> v(16);
  for (std::size_t i = 0; i < 16; ++i) v[i] = double(i);
  const auto big = image<4, 4>(v);
  check_values(sf::eval(img::resize_nearest_neighbor<2, 2>(big)), {0, 2, 8, 10});
  check_values(sf::eval(img::resize_nearest_neighbor<2, 2>(big, {.align_corners = true})), {0, 3, 12, 15});
  check_values(sf::eval(img::resize_nearest_neighbor<2, 2>(big, {.half_pixel_centers = true})), {5, 7, 13, 15});
}

TEST_CASE("resize: types, batches, channels, rank 3, and errors", "[expr][image][resize]") {
  // uint8 in: bilinear gives float32 (TF), nearest keeps uint8; 255 and 0 average to 127.5.
  const auto u = image<1, 2, std::uint8_t>({0, 255});
  const auto b = sf::eval(img::resize_bilinear<1, 3>(u, {.align_corners = true}));
  static_assert(std::is_same_v<typename decltype(b)::value_type, float>);
  check_values(b, {0, 127.5, 255});
  const auto n = sf::eval(img::resize_nearest_neighbor<1, 4>(u));
  static_assert(std::is_same_v<typename decltype(n)::value_type, std::uint8_t>);
  check_values(n, {0, 0, 255, 255});

  // Two images of two channels, [2, 1, 2, 2]: each (image, channel) plane resizes on its own.
  sf::tensor<double, shape<sf::dyn, 1, 2, 2>> batch(sf::detail::make_dims<shape<sf::dyn, 1, 2, 2>>(2));
  const double vals[] = {1, 10, 2, 20, 3, 30, 5, 50};  // image 0: ch0 [1, 2], ch1 [10, 20]; image 1: [3, 5], [30, 50]
  for (std::size_t i = 0; i < 8; ++i) batch.data()[i] = vals[i];
  const auto r = sf::eval(img::resize_bilinear<1, 3>(batch, {.align_corners = true}));
  CHECK(r.dims()[0] == 2);
  check_values(r, {1, 10, 1.5, 15, 2, 20, 3, 30, 4, 40, 5, 50});

  // One [h, w, c] image.
  sf::tensor<float, shape<2, 1, 1>> hw;
  hw.data()[0] = 0, hw.data()[1] = 8;
  check_values(sf::eval(img::resize_bilinear<3, 1>(hw, {.align_corners = true})), {0, 4, 8});

  const auto x = image<2, 2>({1, 2, 3, 4});
  const img::resize_options both{.align_corners = true, .half_pixel_centers = true};
  CHECK_THROWS_AS((img::resize_bilinear<4, 4>(x, both)), sf::invalid_argument);
  sf::tensor<float, shape<1, sf::dyn, 2, 1>> empty(sf::detail::make_dims<shape<1, sf::dyn, 2, 1>>(0));
  CHECK_THROWS_AS((img::resize_bilinear<4, 4>(empty)), sf::invalid_argument);
}

TEST_CASE("gradcheck: resize_bilinear and resize_nearest_neighbor, every coordinate rule", "[expr][image][resize][gradcheck]") {
  using gradcheck_detail::dtensor;
  using gradcheck_detail::randn;
  auto x = randn<shape<2, 3, 5, 2>>(11);
  for (const img::resize_options o : {img::resize_options{}, img::resize_options{.align_corners = true},
                                      img::resize_options{.half_pixel_centers = true}}) {
    INFO("align_corners " << o.align_corners << ", half_pixel_centers " << o.half_pixel_centers);
    gradcheck("resize_bilinear<4, 7>", x, [&](auto e) { return img::resize_bilinear<4, 7>(e, o); });
    gradcheck("resize_bilinear<2, 2> (down)", x, [&](auto e) { return img::resize_bilinear<2, 2>(e, o); });
    gradcheck("resize_nearest_neighbor<5, 3>", x, [&](auto e) { return img::resize_nearest_neighbor<5, 3>(e, o); });
    gradcheck("tanh(resize_bilinear(x * 2))", x,
              [&](auto e) { return sf::tanh(img::resize_bilinear<6, 6>(e * 2.0, o)); });
  }
}

// Bicubic, TF's resize_bicubic_op.cc: kernel near(x) = ((a + 2) x - (a + 3)) x^2 + 1 for |x| <= 1,
// far(x) = ((a x - 5a) x + 8a) x - 4a for 1 < |x| < 2. The row [0, 10, 20, 40]:
// - legacy (a = -0.75), align_corners, 4 -> 7 (scale 1/2), output 1 at s = 0.5: taps -1, 0, 1, 2
//   clamped to 0, 0, 1, 2 with weights far(1.5) = -0.09375, near(.5) = 0.59375, near(.5), far(1.5):
//   10 * 0.59375 + 20 * -0.09375 = 4.0625; integer positions read the sample itself;
// - half_pixel_centers (a = -0.5), 4 -> 8, output 1 at s = 0.25: tap -1 dropped, weights near(.25)
//   = 0.8671875, near(.75) = 0.2265625, far(1.75) = -0.0234375, renormalised by their sum
//   1.0703125: (10 * 0.2265625 + 20 * -0.0234375) / 1.0703125 = 1.796875 / 1.0703125.
TEST_CASE("resize_bicubic: TF's two kernels and its border rules", "[expr][image][resize]") {
  const auto row = image<1, 4>({0, 10, 20, 40});
  const auto legacy = sf::eval(img::resize_bicubic<1, 7>(row, {.align_corners = true}));
  CHECK(legacy.data()[0] == Approx(0.0).margin(1e-6));
  CHECK(legacy.data()[1] == Approx(4.0625).epsilon(1e-6));
  CHECK(legacy.data()[2] == Approx(10.0).epsilon(1e-6));
  CHECK(legacy.data()[6] == Approx(40.0).epsilon(1e-6));
  const auto half = sf::eval(img::resize_bicubic<1, 8>(row, {.half_pixel_centers = true}));
  CHECK(half.data()[1] == Approx(1.796875 / 1.0703125).epsilon(1e-6));
  // The weights sum to one: a constant image stays constant, in every rule.
  const auto flat = image<3, 5>(std::vector<double>(15, 7.0));
  for (const img::resize_options o : {img::resize_options{}, img::resize_options{.align_corners = true},
                                      img::resize_options{.half_pixel_centers = true}})
    check_values(sf::eval(img::resize_bicubic<4, 9>(flat, o)), std::vector<double>(36, 7.0));
}

// Area: 4 x 4 (0..15) to 2 x 2 averages 2 x 2 blocks; 3 x 3 (0..8) to 2 x 2 (scale 1.5) covers
// rows [0, 1.5): row 0 whole, row 1 half, the same for columns: (0 + .5 * 1 + .5 * 3 + .25 * 4) / 2.25.
TEST_CASE("resize_area: averages of the covered area", "[expr][image][resize]") {
  std::vector<double> v(16);
  for (std::size_t i = 0; i < 16; ++i) v[i] = double(i);
  check_values(sf::eval(img::resize_area<2, 2>(image<4, 4>(v))), {2.5, 4.5, 10.5, 12.5});
  v.resize(9);
  const auto a = sf::eval(img::resize_area<2, 2>(image<3, 3>(v)));
  CHECK(a.data()[0] == Approx(3.0 / 2.25).epsilon(1e-6));
  // The last output covers rows and columns [1.5, 3): 4 * .25 + 5 * .5 + 7 * .5 + 8 * 1 over 2.25.
  CHECK(a.data()[3] == Approx((4 * .25 + 5 * .5 + 7 * .5 + 8) / 2.25).epsilon(1e-6));
  const auto u = image<1, 2, std::uint8_t>({0, 255});
  static_assert(std::is_same_v<typename decltype(sf::eval(img::resize_area<1, 1>(u)))::value_type, float>);
  CHECK(sf::eval(img::resize_area<1, 1>(u)).data()[0] == Approx(127.5));
  CHECK_THROWS_AS((img::resize_area<1, 1>(u, {.half_pixel_centers = true})), sf::invalid_argument);
}

TEST_CASE("gradcheck: resize_bicubic, each coordinate rule", "[expr][image][resize][gradcheck]") {
  using gradcheck_detail::randn;
  auto x = randn<shape<1, 4, 5, 2>>(13);
  for (const img::resize_options o : {img::resize_options{}, img::resize_options{.align_corners = true},
                                      img::resize_options{.half_pixel_centers = true}}) {
    gradcheck("resize_bicubic<7, 3>", x, [&](auto e) { return img::resize_bicubic<7, 3>(e, o); });
  }
}

// crop_and_resize, TF's crop_and_resize_op.cc: image 0 is 3 x 3 (0..8), image 1 is 3 x 3 of 100s.
// - box (0, 0, 1, 1) to 3 x 3 samples the pixel centres: the image itself;
// - box (0, 0, .5, .5) to 2 x 2 samples rows/columns 0 and 1 (0 + y * .5 * 2 / 1);
// - box (.25, .25, .25, .25) to 1 x 1 samples the centre (.25 + .25) / 2 * 2 = .5 along both:
//   (0 + 1 + 3 + 4) / 4 = 2;
// - box (-1, 0, 0, 1) to 2 x 1: row 0 samples y = -2 (outside: the extrapolation value), row 1
//   samples y = 0 at the centre column x = 1: pixel 1.
TEST_CASE("crop_and_resize: TF's sampling, extrapolation and box indices", "[expr][image][resize]") {
  sf::tensor<float, shape<2, 3, 3, 1>> images;
  for (std::size_t i = 0; i < 9; ++i) images.data()[i] = float(i), images.data()[9 + i] = 100.f;
  const auto boxes = sf::constant<float, shape<4, 4>>({0, 0, 1, 1, 0, 0, .5f, .5f, .25f, .25f, .25f, .25f, 0, 0, 1, 1});
  const auto index = sf::constant<std::int32_t, shape<4>>({0, 0, 0, 1});
  const auto r = sf::eval(img::crop_and_resize<3, 3>(images, boxes, index));
  check_values(std::vector<double>(r.data(), r.data() + 9), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  const auto small = sf::eval(img::crop_and_resize<2, 2>(images, boxes, index));
  check_values(std::vector<double>(small.data() + 4, small.data() + 8), {0, 1, 3, 4});
  const auto one = sf::eval(img::crop_and_resize<1, 1>(images, boxes, index));
  CHECK(one.data()[2] == Approx(2.0));
  CHECK(one.data()[3] == Approx(100.0));
  const auto out_box = sf::constant<float, shape<1, 4>>({-1, 0, 0, 1});
  const auto col = sf::eval(img::crop_and_resize<2, 1>(images, out_box, sf::constant<std::int32_t, shape<1>>({0}), -7.f));
  CHECK(col.data()[0] == -7.f);
  CHECK(col.data()[1] == Approx(1.0));
  CHECK_THROWS_AS(sf::eval(img::crop_and_resize<2, 2>(images, out_box, sf::constant<std::int32_t, shape<1>>({2}))),
                  sf::invalid_argument);
}

TEST_CASE("gradcheck: crop_and_resize into the images", "[expr][image][resize][gradcheck]") {
  using gradcheck_detail::randn;
  auto x = randn<shape<2, 4, 5, 2>>(17);
  const auto boxes = sf::constant<float, shape<3, 4>>({.1f, .2f, .9f, .7f, 0, 0, 1, 1, .8f, .6f, .1f, .05f});
  const auto index = sf::constant<std::int32_t, shape<3>>({1, 0, 1});
  gradcheck("crop_and_resize<3, 4>", x, [&](auto e) { return img::crop_and_resize<3, 4>(e, boxes, index); });
}
