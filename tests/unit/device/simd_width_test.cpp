// SPDX-License-Identifier: MIT
/// \file
/// \brief The host kernels' run-time choice of vector width (device/host/isa.hpp): the width
/// reported, and the kernels whose code depends on it (GEMM tiles, one-row products, max-pool
/// gradient lanes) at every width this processor runs, against plain loops, at shapes that cut
/// every tile and vector. CTest runs this file again with SF_HOST_MAX_VECTOR_BYTES=16 and 32.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

namespace {

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

/// f(width) for each vector width this processor runs, f's code compiled for that width's
/// instruction set (through the dispatch's own per-index wrapper).
template <class F>
struct call_once {
  F f;
  void operator()(std::size_t) const { f(); }
};
template <class F>
void at_every_width(const F& f) {
  const auto at = [&]<std::size_t B>(std::integral_constant<std::size_t, B> width) {
    INFO("vector width " << B << " bytes");
    const auto g = [&] { f(width); };
    sf::ops::simd_kernel<B, call_once<decltype(g)>>{{g}}(0);
  };
  at(std::integral_constant<std::size_t, 16>{});
  if (sf::ops::host_vector_bytes() >= 32) at(std::integral_constant<std::size_t, 32>{});
  if (sf::ops::host_vector_bytes() >= 64) at(std::integral_constant<std::size_t, 64>{});
}

}  // namespace

TEST_CASE("the width is one the processor has, the build's own at least, and the cap holds", "[simd]") {
  const std::size_t bytes = sf::ops::host_vector_bytes();
  CHECK((bytes == 16 || bytes == 32 || bytes == 64));
  CHECK(bytes >= sf::ops::vector_bytes);
  if (const char* cap = std::getenv("SF_HOST_MAX_VECTOR_BYTES")) {
    const std::size_t most = std::strtoul(cap, nullptr, 10);
    CHECK(bytes <= std::max(most, sf::ops::vector_bytes));
  }
  std::size_t seen = 0;
  sf::ops::with_simd([&](auto width) { seen = decltype(width)::bytes; });
  CHECK(seen == bytes);
}

TEST_CASE("GEMM blocks equal a triple loop for every transpose, edge and inner split", "[simd]") {
  // 37 x 29 output: rows and columns cut every register tile; k = 300 spans two depth blocks.
  const std::size_t m = 37, n = 29, k = 300;
  const auto a = random_values(m * k, 1), b = random_values(k * n, 2), c0 = random_values(m * n, 3);
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      at_every_width([&]<std::size_t B>(std::integral_constant<std::size_t, B>) {
        CAPTURE(ta, tb);
        std::vector<float> c = c0;
        const float alpha = 0.5f, beta = -2.f;
        // Two slices of the inner dimension, summed as the executor's split does.
        sf::ops::detail::gemm_block<B>(ta, tb, m, n, k, alpha, a.data(), b.data(), beta, c.data(), {0, m}, {0, n},
                                       {0, 128});
        sf::ops::detail::gemm_block<B>(ta, tb, m, n, k, alpha, a.data(), b.data(), 1.f, c.data(), {0, m}, {0, n},
                                       {128, k});
        double worst = 0;
        for (std::size_t i = 0; i < m; ++i)
          for (std::size_t j = 0; j < n; ++j) {
            double sum = 0;
            for (std::size_t p = 0; p < k; ++p)
              sum += double(ta ? a[p * m + i] : a[i * k + p]) * double(tb ? b[j * k + p] : b[p * n + j]);
            const double want = alpha * sum + beta * c0[i * n + j];
            worst = std::max(worst, std::abs(want - c[i * n + j]));
          }
        CHECK(worst < 1e-4);
      });
}

TEST_CASE("one-row products equal a loop at every column count around the vector widths", "[simd]") {
  const std::size_t k = 70;
  for (const std::size_t n : {1u, 7u, 8u, 9u, 16u, 17u, 33u, 255u, 256u, 300u})
    at_every_width([&]<std::size_t B>(std::integral_constant<std::size_t, B>) {
      CAPTURE(n);
      const auto x = random_values(k, 4), w = random_values(k * n, 5);
      std::vector<float> y(n, 7.f);
      sf::ops::detail::vector_matrix<B>(n, k, 2.f, x.data(), w.data(), 0.f, y.data(), 0, n);
      double worst = 0;
      for (std::size_t j = 0; j < n; ++j) {
        double sum = 0;
        for (std::size_t p = 0; p < k; ++p) sum += double(x[p]) * double(w[p * n + j]);
        worst = std::max(worst, std::abs(2 * sum - y[j]));
      }
      CHECK(worst < 1e-4);
    });
}

TEST_CASE("the tiled max-pool gradient goes to each window's first maximum, in every lane", "[simd]") {
  // 2x2 windows over 4x6 images, channel counts around 4, 8 and 16 lanes, values from a set of
  // three so that ties are common: TF routes the gradient to the first maximum (row-major).
  for (const std::size_t c : {1u, 3u, 4u, 5u, 6u, 8u, 9u, 16u, 17u, 20u}) {
    CAPTURE(c);
    const std::size_t n = 2, h = 4, w = 6, oh = 2, ow = 3;
    const sf::ops::window_geometry g{n, h, w, c, 2, 2, 2, 2, oh, ow, 0, 0};
    std::vector<float> x(n * h * w * c), gy = random_values(n * oh * ow * c, 6);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float((i * 7 + i / 5) % 3);
    std::vector<float> want(x.size(), 0.f);
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t oy = 0; oy < oh; ++oy)
        for (std::size_t ox = 0; ox < ow; ++ox)
          for (std::size_t ch = 0; ch < c; ++ch) {
            std::size_t best = 0;
            float top = -1;
            for (std::size_t a = 0; a < 2; ++a)
              for (std::size_t e = 0; e < 2; ++e) {
                const std::size_t at = ((b * h + oy * 2 + a) * w + ox * 2 + e) * c + ch;
                if (x[at] > top) top = x[at], best = at;
              }
            want[best] = gy[((b * oh + oy) * ow + ox) * c + ch];
          }
    std::vector<float> dx(x.size(), -1.f);  // as the dispatch runs it
    sf::device_kernel<sf::pool2d_kernels<true, 2, 2>, sf::host>::backward(dx.data(), x.data(), gy.data(), g);
    CHECK(dx == want);
    at_every_width([&]<std::size_t B>(std::integral_constant<std::size_t, B>) {
      std::vector<float> dx_b(x.size(), -1.f);
      const sf::ops::pool_tiled_backward<float, true, 2, 2, B> kernel{dx_b.data(), x.data(), gy.data(), g};
      for (std::size_t r = 0; r < n * oh; ++r) kernel(r);
      CHECK(dx_b == want);
    });
  }
}
