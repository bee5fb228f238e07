// SPDX-License-Identifier: MIT
/// \file
/// \brief The main of every CUDA test (skip with 77 when there is no GPU) and host/device comparison helpers.
///
/// Include after `#define CATCH_CONFIG_RUNNER` and `<catch2/catch.hpp>` in exactly one .cu per executable.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "staticflow/cuda.hpp"

namespace sf_test {

namespace sf = staticflow;

/// Exit code CTest reports as "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
inline constexpr int skip_exit_code = 77;

/// Distance in units in the last place between two finite floats of one type (0 when equal).
template <class T>
std::int64_t ulp_distance(T a, T b) {
  static_assert(std::is_floating_point_v<T>);
  if (a == b) return 0;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<std::int64_t>::max();
  using bits_t = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  auto ordered = [](T x) {
    bits_t i;
    std::memcpy(&i, &x, sizeof x);
    // Map the sign-magnitude encoding onto a monotonic integer line.
    return i < 0 ? static_cast<std::int64_t>(std::numeric_limits<bits_t>::min()) - i : static_cast<std::int64_t>(i);
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

/// A host tensor with element i = offset + scale * ((i * 37) % 101): varied, exactly representable values.
template <class T, class S>
sf::tensor<T, S, sf::host> pattern(T scale, T offset) {
  sf::tensor<T, S, sf::host> t;
  auto* p = t.data();
  for (std::size_t i = 0; i < t.size(); ++i) p[i] = offset + scale * static_cast<T>((i * 37) % 101);
  return t;
}

/// Largest ulp distance between a host tensor and a device tensor of one shape.
template <class T, class S>
std::int64_t max_ulps(const sf::tensor_view<T, S, sf::host>& expected, const sf::tensor_view<T, S, sf::cuda>& got) {
  const auto h = sf::to_host(got);
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto d = ulp_distance(expected.data()[i], h.data()[i]);
    if (d > worst) worst = d;
  }
  return worst;
}

/// Largest |a - b| / max(|a|, floor) between a host tensor and a device tensor.
template <class T, class S>
double max_rel_error(const sf::tensor_view<T, S, sf::host>& expected, const sf::tensor_view<T, S, sf::cuda>& got,
                     double floor = 1.0) {
  const auto h = sf::to_host(got);
  double worst = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double e = static_cast<double>(expected.data()[i]), g = static_cast<double>(h.data()[i]);
    const double rel = std::fabs(e - g) / std::fmax(std::fabs(e), floor);
    if (!(rel <= worst)) worst = rel;  // NaN sticks
  }
  return worst;
}

/// True when every element of the device tensor equals the host one.
template <class T, class S>
bool equal(const sf::tensor_view<T, S, sf::host>& expected, const sf::tensor_view<T, S, sf::cuda>& got) {
  const auto h = sf::to_host(got);
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (!(expected.data()[i] == h.data()[i])) return false;
  return true;
}

}  // namespace sf_test

int main(int argc, char* argv[]) {
  if (!staticflow::cuda_available()) {
    std::printf("no CUDA device: %s\n", staticflow::cuda_unavailable_reason().c_str());
    return sf_test::skip_exit_code;
  }
  std::printf("CUDA device 0: %s\n", staticflow::cuda_device_name(0).c_str());
  return Catch::Session().run(argc, argv);
}
