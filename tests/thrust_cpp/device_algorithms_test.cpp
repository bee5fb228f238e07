// SPDX-License-Identifier: MIT
/// \file
/// \brief The CUDA executor's Thrust passes (fill, divide, scale), run on the CPU via THRUST_DEVICE_SYSTEM_CPP.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "staticflow/device/cuda/algorithms.hpp"

namespace sf = staticflow;

TEST_CASE("thrust_cpp: the device system is the CPU here", "[thrust_cpp]") {
  // The build defines THRUST_DEVICE_SYSTEM_CPP; otherwise raw host pointers would be unsafe.
  STATIC_REQUIRE(THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CPP);
}

TEST_CASE("thrust_cpp: device_fill writes every element and nothing past n", "[thrust_cpp]") {
  std::vector<float> v(9, -1.f);
  sf::detail::device_fill(thrust::device, v.data(), 8, 2.5f);
  for (std::size_t i = 0; i < 8; ++i) CHECK(v[i] == 2.5f);
  CHECK(v[8] == -1.f);  // the sentinel past n is untouched

  std::vector<std::int64_t> w(3, 7);
  sf::detail::device_fill(thrust::device, w.data(), 0, std::int64_t{1});  // n = 0: nothing
  CHECK(w == std::vector<std::int64_t>{7, 7, 7});
}

TEST_CASE("thrust_cpp: device_divide turns sums into means", "[thrust_cpp]") {
  // Sums of rows {1,2,3} and {4,5,6} are 6 and 15; the means over 3 elements are 2 and 5.
  std::vector<double> sums{6.0, 15.0};
  sf::detail::device_divide(thrust::device, sums.data(), sums.size(), 3.0);
  CHECK(sums[0] == 2.0);
  CHECK(sums[1] == 5.0);

  // Integer division truncates, as the host executor's out / count does: 7 / 2 == 3.
  std::vector<int> ints{7, -7};
  sf::detail::device_divide(thrust::device, ints.data(), ints.size(), 2);
  CHECK(ints[0] == 3);
  CHECK(ints[1] == -3);

  // Division, not multiplication by a rounded reciprocal: 0.3f / 3 equals the correctly rounded quotient.
  std::vector<float> f{0.3f};
  sf::detail::device_divide(thrust::device, f.data(), 1, 3.f);
  CHECK(f[0] == 0.3f / 3.f);
}

TEST_CASE("thrust_cpp: device_scale multiplies; factor 0 clears NaNs as BLAS beta = 0 does", "[thrust_cpp]") {
  std::vector<float> v{1.f, -2.f, 0.5f};
  sf::detail::device_scale(thrust::device, v.data(), v.size(), 4.f);
  CHECK(v == std::vector<float>{4.f, -8.f, 2.f});

  std::vector<float> nan{std::numeric_limits<float>::quiet_NaN(), 3.f};
  sf::detail::device_scale(thrust::device, nan.data(), nan.size(), 0.f);
  CHECK(nan[0] == 0.f);
  CHECK(nan[1] == 0.f);

  std::vector<double> same{std::numeric_limits<double>::quiet_NaN()};
  sf::detail::device_scale(thrust::device, same.data(), 1, 1.0);  // factor 1: untouched, even NaN stays NaN
  CHECK(std::isnan(same[0]));
}
