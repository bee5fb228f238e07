// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::image's ops on sf::cuda against sf::host: value and gradient (the `parity` helper,
/// parity.hpp). The host's values are checked against TF's definitions and OpenCV in
/// tests/unit/expr/resize_test.cpp and tests/interop/resize_opencv.py.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "cuda_test_support.hpp"

namespace sf = staticflow;
namespace img = staticflow::image;

#include "parity.hpp"

TEST_CASE("cuda: resize_bilinear and resize_nearest_neighbor, each coordinate rule", "[cuda][autodiff][image]") {
  const auto x = randn<sf::shape<2, 5, 7, 3>>(1);
  for (const img::resize_options o : {img::resize_options{}, img::resize_options{.align_corners = true},
                                      img::resize_options{.half_pixel_centers = true}}) {
    parity("resize_bilinear<9, 4>", x, [o](auto v) { return img::resize_bilinear<9, 4>(v, o); });
    parity("resize_nearest_neighbor<3, 11>", x, [o](auto v) { return img::resize_nearest_neighbor<3, 11>(v, o); });
    parity("tanh(resize_bilinear(x) * 2)", x, [o](auto v) { return sf::tanh(img::resize_bilinear<6, 6>(v, o) * 2.f); });
  }
}

TEST_CASE("cuda: bicubic, area, crop_and_resize, the colour ops", "[cuda][autodiff][image]") {
  const auto x = randn<sf::shape<2, 5, 7, 3>>(2);
  for (const img::resize_options o : {img::resize_options{}, img::resize_options{.half_pixel_centers = true}})
    parity("resize_bicubic<9, 4>", x, [o](auto v) { return img::resize_bicubic<9, 4>(v, o); });
  parity("resize_area<3, 4> (value)", x, [](auto v) { return img::resize_area<3, 4>(sf::stop_gradient(v)); });
  const auto boxes = randn<sf::shape<3, 4>>(3);
  sf::tensor<std::int32_t, sf::shape<3>> index;
  index.data()[0] = 1, index.data()[1] = 0, index.data()[2] = 1;
  parity("crop_and_resize<4, 3>", x, [](auto v, const auto& b, const auto& i) { return img::crop_and_resize<4, 3>(v, b, i); },
         boxes, index);
  parity("standardise(contrast(brightness(flip)))", x, [](auto v) {
    return img::per_image_standardization(img::adjust_contrast(img::adjust_brightness(img::flip_left_right(v), 0.2), 1.3));
  });
  parity("adjust_hue (value)", x, [](auto v) { return img::adjust_hue(sf::stop_gradient(sf::sigmoid(v)), 0.2); });
}
