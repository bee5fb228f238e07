// SPDX-License-Identifier: MIT
/// \file
/// \brief bfloat16: rounding (hand-worked bit patterns), casts, and matmul with bfloat16 weights
/// against a double-precision product of the same (exactly widened) weights, for the
/// vector-matrix kernel (one row: column tails, the thread split) and the widening path (more
/// rows, transposed weights), the dense epilogue, and the gradient through the weights' matmul.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../../reference/reference.hpp"
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;
namespace ref = staticflow::reference;
using sf::bfloat16;
using sf::dyn;
using sf::shape;

namespace {

constexpr std::uint16_t bits_of(float f) { return bfloat16(f).bits; }

// The bfloat16 neighbours of 1 are 1 - 2^-8, 1 and 1 + 2^-7; 2^-8 above 1 is the tie.
static_assert(bits_of(1.0f) == 0x3f80);
static_assert(bits_of(-2.0f) == 0xc000);
static_assert(bits_of(1.0f + 0x1p-8f) == 0x3f80);              // tie, 1 is even: down
static_assert(bits_of(1.0f + 3 * 0x1p-8f) == 0x3f82);          // tie, 1 + 2^-7 is odd: up
static_assert(bits_of(1.0f + 0x1p-8f + 0x1p-20f) == 0x3f81);   // above the tie: up
static_assert(bits_of(1.0f + 0x1p-8f - 0x1p-20f) == 0x3f80);   // below the tie: down
static_assert(bits_of(std::numeric_limits<float>::infinity()) == 0x7f80);
static_assert(bits_of(std::numeric_limits<float>::max()) == 0x7f80);  // beyond bfloat16's largest: inf
static_assert(bits_of(0x1.fep127f) == 0x7f7f);                 // bfloat16's largest, exact
static_assert(static_cast<float>(bfloat16::from_bits(0x3f81)) == 1.0f + 0x1p-7f);
static_assert(static_cast<float>(bfloat16::from_bits(0x0001)) == 0x1p-133f);  // smallest subnormal

template <class S>
sf::tensor<float, S> filled(const std::vector<double>& v, const sf::dims_t<S>& d = sf::tensor<float, S>().dims()) {
  sf::tensor<float, S> t(d);
  for (std::size_t i = 0; i < v.size(); ++i) t.data()[i] = static_cast<float>(v[i]);
  return t;
}

sf::dims_t<shape<dyn, dyn>> dims(std::size_t rows, std::size_t cols) {
  sf::dims_t<shape<dyn, dyn>> d{};
  d[0] = rows, d[1] = cols;
  return d;
}

/// The reference: a double product of A and the weights as bfloat16 holds them.
std::vector<double> widened(const sf::tensor<bfloat16, shape<dyn, dyn>>& w) {
  std::vector<double> v(w.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(w.data()[i]);
  return v;
}

/// |got - want| within float32 accumulation error over k terms of size <= 1.
void check_product(const float* got, const std::vector<double>& want, std::size_t k) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (std::abs(double(got[i]) - want[i]) > 1e-6 * double(k + 1)) ++bad;
  CHECK(bad == 0);
}

template <bool TA, bool TB>
void check_matmul(std::size_t m, std::size_t k, std::size_t n, unsigned seed) {
  INFO("m=" << m << " k=" << k << " n=" << n << " ta=" << TA << " tb=" << TB);
  const auto va = ref::random_values<double>(m * k, seed), vb = ref::random_values<double>(k * n, seed + 1);
  const auto a = filled<shape<dyn, dyn>>(va, TA ? dims(k, m) : dims(m, k));
  const auto b = filled<shape<dyn, dyn>>(vb, TB ? dims(n, k) : dims(k, n));
  const sf::tensor<bfloat16, shape<dyn, dyn>> w = sf::cast<bfloat16>(b);
  std::vector<double> wa(va.size());
  for (std::size_t i = 0; i < va.size(); ++i) wa[i] = static_cast<float>(va[i]);
  const auto c = sf::eval(sf::matmul<TA, TB>(a, w));
  REQUIRE(c.dim(0) == m);
  REQUIRE(c.dim(1) == n);
  check_product(c.data(), ref::matmul(wa, widened(w), m, k, n, TA, TB), k);
}

}  // namespace

TEST_CASE("bfloat16 rounds to nearest even and keeps NaN", "[bfloat16]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(static_cast<float>(bfloat16(nan))));
  CHECK(std::isnan(static_cast<float>(bfloat16(-nan))));
  // A signalling NaN whose payload sits in the dropped half only must not become infinity.
  CHECK(std::isnan(static_cast<float>(bfloat16(std::bit_cast<float>(0x7f800001u)))));
  CHECK(static_cast<float>(bfloat16(-std::numeric_limits<float>::infinity())) ==
        -std::numeric_limits<float>::infinity());
  CHECK(bfloat16(-0.0f).bits == 0x8000);
  CHECK(bfloat16(3.14159265f).bits == 0x4049);  // pi = 0x40490fdb: the dropped 0x0fdb is below the tie
}

TEST_CASE("cast to bfloat16 and back rounds each element once", "[bfloat16]") {
  const auto v = ref::random_values<double>(1000, 7, -100.0, 100.0);
  const auto x = filled<shape<dyn>>(v, sf::dims_t<shape<dyn>>{{1000}});
  const sf::tensor<bfloat16, shape<dyn>> h = sf::cast<bfloat16>(x);
  const auto back = sf::eval(sf::cast<float>(h));
  std::size_t bad = 0;
  for (std::size_t i = 0; i < 1000; ++i) {
    const float f = x.data()[i];
    if (h.data()[i].bits != bfloat16(f).bits) ++bad;
    if (back.data()[i] != static_cast<float>(bfloat16(f))) ++bad;
    if (std::abs(back.data()[i] - f) > std::abs(f) * 0x1p-8f) ++bad;  // half a unit in the 8th bit
  }
  CHECK(bad == 0);
  CHECK(sf::dtype_name_v<bfloat16> == "bfloat16");
}

TEST_CASE("matmul by bfloat16 weights: one row, column tails, thread split", "[bfloat16][matmul]") {
  for (std::size_t n : {1, 10, 31, 32, 33, 70, 130, 255, 256, 257, 300})
    for (std::size_t k : {1, 37}) check_matmul<false, false>(1, k, n, unsigned(10 * k + n));
  // The batch-1 layer of the MNIST model: big enough to split over the team.
  check_matmul<false, false>(1, 784, 500, 3);
  // A one-row op(A) stored transposed.
  check_matmul<true, false>(1, 50, 33, 5);
}

TEST_CASE("matmul by bfloat16 weights: more rows and transposed weights widen", "[bfloat16][matmul]") {
  check_matmul<false, false>(2, 37, 70, 4);
  check_matmul<false, false>(3, 784, 500, 4);
  check_matmul<true, false>(2, 50, 33, 5);
  check_matmul<false, false>(5, 37, 70, 6);
  check_matmul<false, false>(100, 784, 50, 7);
  check_matmul<false, true>(3, 37, 21, 8);
  check_matmul<true, true>(6, 20, 9, 9);
}

TEST_CASE("the executor's bfloat16 product honours alpha and beta", "[bfloat16][matmul]") {
  // One row (the vector-matrix kernel) and two (widened weights, float32 GEMM).
  for (const std::size_t m : {1, 2}) {
    const std::size_t k = 19, n = 21;
    const auto va = ref::random_values<double>(m * k, 11), vb = ref::random_values<double>(k * n, 12);
    const auto vc = ref::random_values<double>(m * n, 13);
    std::vector<float> a(va.begin(), va.end()), c(vc.begin(), vc.end());
    std::vector<bfloat16> b(vb.size());
    std::vector<double> wa(va.size()), wb(vb.size());
    for (std::size_t i = 0; i < va.size(); ++i) wa[i] = a[i];
    for (std::size_t i = 0; i < vb.size(); ++i) wb[i] = static_cast<float>(b[i] = bfloat16(static_cast<float>(vb[i])));
    sf::executor<sf::host>::gemm(false, false, m, n, k, 0.5f, a.data(), b.data(), -2.0f, c.data());
    auto want = ref::matmul(wa, wb, m, k, n, false, false);
    for (std::size_t i = 0; i < want.size(); ++i) want[i] = 0.5 * want[i] - 2.0 * double(static_cast<float>(vc[i]));
    check_product(c.data(), want, k);
  }
}

TEST_CASE("a dense layer with bfloat16 weights: bias and relu fused", "[bfloat16][matmul]") {
  const std::size_t k = 64, n = 40;
  const auto vx = ref::random_values<double>(k, 21), vw = ref::random_values<double>(k * n, 22);
  const auto vb = ref::random_values<double>(n, 23);
  const auto x = filled<shape<1, k>>(vx);
  const auto bias = filled<shape<n>>(vb);
  const sf::tensor<bfloat16, shape<k, n>> w = sf::cast<bfloat16>(filled<shape<k, n>>(vw));
  const auto y = sf::eval(sf::relu(sf::matmul(x, w) + bias));
  std::vector<double> want(n);
  for (std::size_t j = 0; j < n; ++j) {
    double s = double(bias.data()[j]);
    for (std::size_t p = 0; p < k; ++p) s += double(x.data()[p]) * double(static_cast<float>(w.data()[p * n + j]));
    want[j] = std::max(s, 0.0);
  }
  check_product(y.data(), want, k);
}

TEST_CASE("the gradient flows to the input through bfloat16 weights", "[bfloat16][graph]") {
  // loss = sum(x W): dloss/dx[i] = sum over j of W[i, j] (as bfloat16 holds it).
  sf::graph g;
  auto x = g.variable<float, shape<2, 3>>("x", sf::init::values({1, 2, 3, 4, 5, 6}));
  const sf::tensor<bfloat16, shape<3, 4>> w =
      sf::cast<bfloat16>(sf::constant<float, shape<3, 4>>({0.1f, 0.2f, 0.3f, 0.4f, -1, -2, -3, -4, 1.5f, 2.5f, 3.5f, 4.5f}));
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto grad = sess.run(sf::gradients(sf::reduce_sum(sf::matmul(x, w)), x));
  for (std::size_t i = 0; i < 3; ++i) {
    double row = 0;
    for (std::size_t j = 0; j < 4; ++j) row += static_cast<float>(w.data()[i * 4 + j]);
    CHECK(grad.data()[i] == Approx(row).epsilon(1e-6));
    CHECK(grad.data()[3 + i] == Approx(row).epsilon(1e-6));
  }
}
