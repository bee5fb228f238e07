// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::cuda against sf::host: transfers, printing, fused elementwise trees with broadcasting,
/// every unary activation, random generators and for_each.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <sstream>

#include "cuda_test_support.hpp"

namespace sf = staticflow;
using sf_test::max_ulps;
using sf_test::pattern;

TEST_CASE("cuda: to_device and to_host round-trip every element", "[cuda][transfer]") {
  sf::tensor<float, sf::shape<2, 3>> h;
  for (std::size_t i = 0; i < 6; ++i) h.data()[i] = static_cast<float>(i) - 2.5f;
  const auto d = sf::to_device(h);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(d)>, sf::tensor<float, sf::shape<2, 3>, sf::cuda>>);
  const auto back = sf::to_host(d);
  for (std::size_t i = 0; i < 6; ++i) CHECK(back.data()[i] == static_cast<float>(i) - 2.5f);

  // Deep copy on the device, then the source is overwritten: the copy keeps the old values.
  sf::tensor<float, sf::shape<2, 3>, sf::cuda> copy = d;
  sf::tensor<float, sf::shape<2, 3>, sf::cuda> other = sf::to_device(h);
  other = sf::filled<float, sf::shape<2, 3>>(7.f);
  CHECK(sf::to_host(copy)(1, 2) == 2.5f);
  CHECK(sf::to_host(other)(0, 0) == 7.f);
}

TEST_CASE("cuda: operator<< prints a device tensor like numpy", "[cuda][print]") {
  sf::tensor<float, sf::shape<2, 2>> h;
  h(0, 0) = 1.f, h(0, 1) = 2.f, h(1, 0) = 3.f, h(1, 1) = 4.5f;
  const auto d = sf::to_device(h);
  std::ostringstream os;
  os << d;
  CHECK(os.str() == "[[1.  2. ]\n [3.  4.5]]");
}

TEST_CASE("cuda: relu(a * b + 1) with b broadcast matches the host", "[cuda][elementwise]") {
  const auto a = pattern<float, sf::shape<64, 33>>(0.25f, -12.f);
  const auto b_row = pattern<float, sf::shape<33>>(-0.5f, 20.f);     // leading broadcast
  const auto b_col = pattern<float, sf::shape<64, 1>>(0.125f, -3.f);  // trailing broadcast
  const auto b_mid = pattern<float, sf::shape<4, 1, 33>>(0.5f, -9.f);

  const auto da = sf::to_device(a);
  const auto db_row = sf::to_device(b_row);
  const auto db_col = sf::to_device(b_col);

  sf::tensor<float, sf::shape<64, 33>> h_row = sf::relu(a * b_row + 1.f);
  sf::tensor<float, sf::shape<64, 33>, sf::cuda> d_row = sf::relu(da * db_row + 1.f);
  // nvcc may contract a * b + 1 into one fma, which rounds once instead of twice.
  CHECK(max_ulps(h_row.view(), d_row.view()) <= 1);

  sf::tensor<float, sf::shape<64, 33>> h_col = sf::relu(a * b_col + 1.f);
  sf::tensor<float, sf::shape<64, 33>, sf::cuda> d_col = sf::relu(da * db_col + 1.f);
  CHECK(max_ulps(h_col.view(), d_col.view()) <= 1);

  // General broadcast (in the middle) and both operands broadcast: [4,1,33] with [64,33] -> [4,64,33].
  const auto db_mid = sf::to_device(b_mid);
  sf::tensor<float, sf::shape<4, 64, 33>> h_mid = sf::maximum(a - b_mid, b_mid * 0.5f);
  sf::tensor<float, sf::shape<4, 64, 33>, sf::cuda> d_mid = sf::maximum(da - db_mid, db_mid * 0.5f);
  CHECK(sf_test::equal(h_mid.view(), d_mid.view()));

  // A hand-worked element: a(1, 2) = -12 + 0.25 * ((35 * 37) % 101) = -12 + 0.25 * 83 = 8.75,
  // b_row(2) = 20 - 0.5 * ((2 * 37) % 101) = 20 - 37 = -17, relu(8.75 * -17 + 1) = 0;
  // b_col(1) = -3 + 0.125 * 37 = 1.625, relu(8.75 * 1.625 + 1) = 15.21875.
  CHECK(sf::to_host(d_row)(1, 2) == 0.f);
  CHECK(sf::to_host(d_col)(1, 2) == 15.21875f);
}

TEST_CASE("cuda: where, comparisons and cast run on the device", "[cuda][elementwise]") {
  const auto a = pattern<double, sf::shape<300>>(1.0, -50.0);
  const auto da = sf::to_device(a);
  sf::tensor<double, sf::shape<300>> h = sf::where(a > 0.0, sf::sqrt(a), -a);
  sf::tensor<double, sf::shape<300>, sf::cuda> d = sf::where(da > 0.0, sf::sqrt(da), -da);
  CHECK(sf_test::equal(h.view(), d.view()));  // sqrt is correctly rounded on both

  sf::tensor<std::int32_t, sf::shape<300>> hi = sf::cast<std::int32_t>(a * 0.5);
  sf::tensor<std::int32_t, sf::shape<300>, sf::cuda> di = sf::cast<std::int32_t>(da * 0.5);
  CHECK(sf_test::equal(hi.view(), di.view()));
}

template <class T, class F>
void check_unary(const char* name, F f, std::int64_t ulps) {
  // 501 points from -6 to 6 (no zero crossing issues: the grid is symmetric and exact in binary).
  sf::tensor<T, sf::shape<501>> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = T(-6) + T(12) * static_cast<T>(i) / T(500);
  const auto dx = sf::to_device(x);
  sf::tensor<T, sf::shape<501>> h = f(x);
  sf::tensor<T, sf::shape<501>, sf::cuda> d = f(dx);
  INFO(name);
  CHECK(max_ulps(h.view(), d.view()) <= ulps);
}

TEMPLATE_TEST_CASE("cuda: every unary activation matches the host within a few ulp", "[cuda][activation]", float,
                   double) {
  using T = TestType;
  // Exact ops must agree bitwise; library functions (exp, tanh, log1p...) differ by a few ulp
  // between glibc and CUDA's libdevice, which documents up to 2 ulp for most of them.
  check_unary<T>("negate", [](const auto& x) { return -x; }, 0);
  check_unary<T>("abs", [](const auto& x) { return sf::abs(x); }, 0);
  check_unary<T>("square", [](const auto& x) { return sf::square(x); }, 0);
  check_unary<T>("relu", [](const auto& x) { return sf::relu(x); }, 0);
  check_unary<T>("relu6", [](const auto& x) { return sf::relu6(x); }, 0);
  check_unary<T>("leaky_relu", [](const auto& x) { return sf::leaky_relu(x, 0.1); }, 0);
  check_unary<T>("softsign", [](const auto& x) { return sf::softsign(x); }, 0);
  check_unary<T>("sqrt", [](const auto& x) { return sf::sqrt(sf::abs(x)); }, 0);
  check_unary<T>("exp", [](const auto& x) { return sf::exp(x); }, 4);
  check_unary<T>("log", [](const auto& x) { return sf::log(sf::abs(x) + T(0.5)); }, 4);
  check_unary<T>("sigmoid", [](const auto& x) { return sf::sigmoid(x); }, 8);
  check_unary<T>("tanh", [](const auto& x) { return sf::tanh(x); }, 8);
  check_unary<T>("elu", [](const auto& x) { return sf::elu(x); }, 8);
  check_unary<T>("softplus", [](const auto& x) { return sf::softplus(x); }, 8);
}

TEST_CASE("cuda: random generators give the host's numbers", "[cuda][random]") {
  // The generators are pure functions of (seed, stream, index): device and host must agree up to
  // the last-ulp differences of log/cos/sin/exp.
  sf::tensor<float, sf::shape<1000>, sf::cuda> t = sf::random_normal<float, sf::shape<1000>>(0.f, 1.f, 42);
  sf::tensor<float, sf::shape<1000>> h = sf::random_normal<float, sf::shape<1000>>(0.f, 1.f, 42);
  CHECK(max_ulps(h.view(), t.view()) <= 8);
  // Independent check: the mean of 1000 standard normals lies within 4 standard errors (0.126) of 0.
  sf::tensor<float, sf::shape<>, sf::cuda> mean = sf::reduce_mean(t);
  CHECK(std::fabs(sf::to_host(mean)()) < 0.126f);

  sf::tensor<double, sf::shape<10, 100>, sf::cuda> u = sf::random_uniform<double, sf::shape<10, 100>>(-2.0, 3.0, 7);
  sf::tensor<double, sf::shape<10, 100>> hu = sf::random_uniform<double, sf::shape<10, 100>>(-2.0, 3.0, 7);
  // lo + (hi - lo) * u may be contracted to one fma on either side; near 0 that changes many
  // ulps of the result, but never more than an ulp of the terms (|terms| <= 3).
  CHECK(sf_test::max_rel_error(hu.view(), u.view(), 3.0) < 1e-15);

  sf::tensor<float, sf::shape<2000>, sf::cuda> tn = sf::truncated_normal<float, sf::shape<2000>>(1.f, 2.f, 9);
  sf::tensor<float, sf::shape<2000>> htn = sf::truncated_normal<float, sf::shape<2000>>(1.f, 2.f, 9);
  // mean + stddev * z cancels near 0, so compare relative to the scale of the terms.
  CHECK(sf_test::max_rel_error(htn.view(), tn.view(), 2.0) < 1e-6);
  sf::tensor<float, sf::shape<>, sf::cuda> hi = sf::reduce_max(tn);
  sf::tensor<float, sf::shape<>, sf::cuda> lo = sf::reduce_min(tn);
  CHECK(sf::to_host(hi)() <= 5.f);  // mean + 2 stddev
  CHECK(sf::to_host(lo)() >= -3.f);

  sf::tensor<double, sf::shape<500>, sf::cuda> g = sf::random_gamma<double, sf::shape<500>>(0.5, 2.0, 3);
  sf::tensor<double, sf::shape<500>> hg = sf::random_gamma<double, sf::shape<500>>(0.5, 2.0, 3);
  CHECK(sf_test::max_rel_error(hg.view(), g.view(), 1e-300) < 1e-12);
}

namespace {
/// y[i] = a * x[i] + y[i]: a for_each functor like the optimisers' updates.
struct axpy {
  float a;
  const float* x;
  float* y;
  SF_HD void operator()(std::size_t i) const { y[i] = a * x[i] + y[i]; }
};
}  // namespace

TEST_CASE("cuda: for_each runs a functor over every index", "[cuda][for_each]") {
  constexpr std::size_t n = 100000;  // several blocks
  sf::tensor<float, sf::shape<n>, sf::cuda> x = sf::filled<float, sf::shape<n>>(2.f);
  sf::tensor<float, sf::shape<n>, sf::cuda> y = sf::filled<float, sf::shape<n>>(1.f);
  sf::executor<sf::cuda>::for_each(n, axpy{3.f, x.data(), y.data()});
  sf::executor<sf::cuda>::synchronize();
  const auto h = sf::to_host(y);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) wrong += h.data()[i] != 7.f;  // 3 * 2 + 1
  CHECK(wrong == 0);
}

TEST_CASE("cuda: softmax and the fused softmax cross-entropy match the host", "[cuda][loss]") {
  const auto logits = pattern<float, sf::shape<16, 10>>(0.1f, -5.f);
  sf::tensor<float, sf::shape<16, 10>> labels = sf::filled<float, sf::shape<16, 10>>(0.f);
  for (std::size_t r = 0; r < 16; ++r) labels(r, r % 10) = 1.f;  // one-hot
  const auto dlogits = sf::to_device(logits);
  const auto dlabels = sf::to_device(labels);

  sf::tensor<float, sf::shape<16, 10>> hs = sf::softmax(logits);
  sf::tensor<float, sf::shape<16, 10>, sf::cuda> ds = sf::softmax(dlogits);
  CHECK(sf_test::max_rel_error(hs.view(), ds.view(), 1e-3) < 1e-5);
  // Each softmax row sums to 1.
  sf::tensor<float, sf::shape<16>, sf::cuda> row_sums = sf::reduce_sum<1>(ds);
  const auto hr = sf::to_host(row_sums);
  for (std::size_t r = 0; r < 16; ++r) CHECK(std::fabs(hr(r) - 1.f) < 1e-6f);

  sf::tensor<float, sf::shape<16>> hx = sf::softmax_cross_entropy_with_logits(labels, logits);
  sf::tensor<float, sf::shape<16>, sf::cuda> dxent = sf::softmax_cross_entropy_with_logits(dlabels, dlogits);
  CHECK(sf_test::max_rel_error(hx.view(), dxent.view()) < 1e-5);
}
