// SPDX-License-Identifier: MIT
/// \file
/// \brief 8-bit weights: the quantization by hand, the product against a double reference on
/// the dequantized operands (the integer sums are exact, so only float rounding remains), the
/// VNNI kernel against the plain loop, the pass and thread split, a session run, bad weights.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../../reference/reference.hpp"
#include "staticflow/staticflow.hpp"
#include "staticflow/expr/quantized.hpp"

namespace sf = staticflow;
namespace ref = staticflow::reference;

namespace {

/// The float product on what the kernel multiplies: x rounded to its 8-bit grid (scale max|x|
/// / 127, round half up) and the dequantized weights, in double.
template <std::size_t K, std::size_t N>
std::vector<double> reference_row(const float* x, const sf::quantized_weights<K, N>& w) {
  float top = 0;
  for (std::size_t p = 0; p < K; ++p) top = std::max(top, std::fabs(x[p]));
  const float scale = top > 0 ? top / 127.0f : 1.0f, inverse = 1.0f / scale;
  std::vector<double> y(N, 0.0);
  for (std::size_t p = 0; p < K; ++p) {
    const int q = static_cast<int>(x[p] * inverse + 128.5f) - 128;
    for (std::size_t j = 0; j < N; ++j) y[j] += double(scale) * q * double(w.dequantized(p, j));
  }
  return y;
}

template <std::size_t K, std::size_t N>
void check_row_products(std::size_t rows, unsigned seed) {
  INFO("K=" << K << " N=" << N << " rows=" << rows);
  sf::tensor<float, sf::shape<K, N>> w;
  const auto vw = ref::random_values<float>(K * N, seed);
  std::copy(vw.begin(), vw.end(), w.data());
  const auto wq = sf::quantize(w);
  sf::tensor<float, sf::shape<sf::dyn, K>> x(rows);
  const auto vx = ref::random_values<float>(rows * K, seed + 1);
  std::copy(vx.begin(), vx.end(), x.data());
  const auto y = sf::eval(sf::matmul(x, wq));
  REQUIRE(y.dim(0) == rows);
  std::size_t bad = 0, far = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto want = reference_row(x.data() + r * K, wq);
    for (std::size_t j = 0; j < N; ++j) {
      const double got = y.data()[r * N + j];
      bad += std::abs(got - want[j]) > 1e-5 * (1.0 + std::abs(want[j]));
      // Against the float32 product: within a few quantization steps of the operands.
      double exact = 0, size = 0;
      for (std::size_t p = 0; p < K; ++p) {
        exact += double(x.data()[r * K + p]) * double(vw[p * N + j]);
        size += std::abs(double(x.data()[r * K + p]) * double(vw[p * N + j]));
      }
      far += std::abs(got - exact) > 0.02 * size;
    }
  }
  CHECK(bad == 0);
  CHECK(far == 0);
}

}  // namespace

TEST_CASE("quantization by hand: scale per column, round to nearest", "[quantized]") {
  // Column 0: max |w| = 2.54, scale 0.02: 1.0 -> 50, -2.54 -> -127, 0.011 -> 1 (0.55 rounds up).
  // Column 1: all zero: scale 1, every q 0.
  sf::tensor<float, sf::shape<3, 2>> w;
  const float values[] = {1.0f, 0.0f, -2.54f, 0.0f, 0.011f, 0.0f};
  std::copy(values, values + 6, w.data());
  const auto wq = sf::quantize(w);
  CHECK(wq.dequantized(0, 0) == Approx(50 * 0.02f));
  CHECK(wq.dequantized(1, 0) == Approx(-127 * 0.02f));
  CHECK(wq.dequantized(2, 0) == Approx(1 * 0.02f));
  CHECK(wq.dequantized(1, 1) == 0.0f);
  // x = [1, 0.5, -1]: scale 1/127, q = [127, 64 (63.5 rounds up), -127]; y0 = (127*50 + 64*-127
  // + -127*1) * (1/127) * 0.02 = (6350 - 8128 - 127) / 127 * 0.02.
  sf::tensor<float, sf::shape<1, 3>> x;
  const float xs[] = {1.0f, 0.5f, -1.0f};
  std::copy(xs, xs + 3, x.data());
  const auto y = sf::eval(sf::matmul(x, wq));
  CHECK(y.data()[0] == Approx((6350.0 - 8128.0 - 127.0) / 127.0 * 0.02).epsilon(1e-6));
  CHECK(y.data()[1] == 0.0f);
}

TEST_CASE("products against the dequantized reference: row and column edges, passes, threads", "[quantized]") {
  check_row_products<7, 10>(3, 10);     // rows not a multiple of 4, columns of one partial vector
  check_row_products<84, 17>(2, 20);    // a vector and one column
  check_row_products<120, 300>(1, 30);  // a full pass of 256 and a partial one
  check_row_products<784, 500>(2, 40);  // the MNIST layer: passes split over the team
}

TEST_CASE("the VNNI kernel and the plain loop give the same numbers", "[quantized]") {
  sf::tensor<float, sf::shape<131, 277>> w;
  const auto vw = ref::random_values<float>(w.size(), 50);
  std::copy(vw.begin(), vw.end(), w.data());
  const auto wq = sf::quantize(w);
  sf::tensor<float, sf::shape<2, 131>> x;
  const auto vx = ref::random_values<float>(x.size(), 51);
  std::copy(vx.begin(), vx.end(), x.data());
  const auto fast = sf::eval(sf::matmul(x, wq));
  sf::quantized_matrix::allow_vnni = false;
  const auto plain = sf::eval(sf::matmul(x, wq));
  sf::quantized_matrix::allow_vnni = true;
  std::size_t differ = 0;
  for (std::size_t i = 0; i < fast.size(); ++i) differ += fast.data()[i] != plain.data()[i];
  CHECK(differ == 0);
}

TEST_CASE("a quantized layer in a session, with bias and relu after it", "[quantized]") {
  sf::graph g;
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 20>, "x">();
  sf::tensor<float, sf::shape<20, 30>> w;
  const auto vw = ref::random_values<float>(w.size(), 60);
  std::copy(vw.begin(), vw.end(), w.data());
  const auto wq = sf::quantize(w);
  auto b = g.variable<float, sf::shape<30>>("b", sf::init::constant(0.25));
  auto y = sf::relu(sf::matmul(x, wq) + b);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 20>> xs(4);
  const auto vx = ref::random_values<float>(xs.size(), 61);
  std::copy(vx.begin(), vx.end(), xs.data());
  const auto out = sess.run(y, sf::feed(x, xs));
  REQUIRE(out.dim(0) == 4);
  std::size_t bad = 0;
  for (std::size_t r = 0; r < 4; ++r) {
    const auto want = reference_row(xs.data() + r * 20, wq);
    for (std::size_t j = 0; j < 30; ++j)
      bad += std::abs(out.data()[r * 30 + j] - std::max(0.0, want[j] + 0.25)) > 1e-5;
  }
  CHECK(bad == 0);
}

TEST_CASE("a row holding NaN or infinity gives NaN, as the float32 product would", "[quantized]") {
  sf::tensor<float, sf::shape<40, 20>> w;
  std::fill(w.data(), w.data() + w.size(), 0.5f);
  const auto wq = sf::quantize(w);
  sf::tensor<float, sf::shape<3, 40>> x;
  std::fill(x.data(), x.data() + x.size(), 1.0f);
  x.data()[17] = std::numeric_limits<float>::quiet_NaN();      // row 0
  x.data()[40 + 39] = std::numeric_limits<float>::infinity();  // row 1, its last element
  const auto y = sf::eval(sf::matmul(x, wq));
  for (std::size_t j = 0; j < 20; ++j) {
    CHECK(std::isnan(y.data()[j]));
    CHECK(std::isnan(y.data()[20 + j]));
    CHECK(y.data()[40 + j] == Approx(20.0f).epsilon(1e-5));  // row 2: 40 x 1 x 0.5
  }
}

TEST_CASE("weights that are not finite cannot be quantized", "[quantized][errors]") {
  sf::tensor<float, sf::shape<2, 3>> w;
  std::fill(w.data(), w.data() + w.size(), 1.0f);
  w.data()[4] = std::numeric_limits<float>::infinity();  // row 1, column 1
  CHECK_THROWS_WITH(sf::quantize(w), Catch::Contains("column 1") && Catch::Contains("not finite"));
}
