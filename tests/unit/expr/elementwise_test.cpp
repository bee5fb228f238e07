// SPDX-License-Identifier: MIT
/// \file
/// \brief Elementwise expressions: broadcasting, every unary and binary op against std:: formulas,
/// where, comparisons, cast, run-time extent errors, and "one pass, no allocations".
#define SF_COUNT_PASSES 1  // sf::executor<sf::host>::passes()
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;
using sf::dyn;
using sf::shape;

// ---- a global operator new that counts, for the no-allocation test ---------------------------------
// (GCC cannot see that the replaced aligned new below also comes from malloc.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

template <class T, class S>
sf::tensor<T, S> from_formula(auto f, std::size_t dyn_extent = 0) {
  sf::tensor<T, S> t;
  if constexpr (S::dyn_count == 1) t.resize(dyn_extent);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(f(i));
  return t;
}

/// Applies `op` to a tensor holding `xs` and compares each element with `expected(x)`.
template <class T, std::size_t N>
void check_unary(auto op, auto expected, const T (&xs)[N], double rel = 1e-6) {
  auto x = sf::constant<T, shape<N>>(xs);
  sf::tensor<T, shape<N>> y = op(x);
  for (std::size_t i = 0; i < N; ++i) {
    INFO("x = " << xs[i]);
    const double want = expected(static_cast<double>(xs[i]));
    CHECK(static_cast<double>(y(i)) == Approx(want).epsilon(rel).margin(1e-30));
  }
}

}  // namespace

// ---- broadcasting --------------------------------------------------------------------------------

TEST_CASE("[2,3] * [3] + 1", "[elementwise][broadcast]") {
  auto a = sf::constant<float, shape<2, 3>>({1, 2, 3, 4, 5, 6});
  auto b = sf::constant<float, shape<3>>({10, 20, 30});
  sf::tensor<float, shape<2, 3>> y = a * b + 1.0f;
  const float want[2][3] = {{11, 41, 91}, {41, 101, 181}};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(y(i, j) == want[i][j]);
  // The same with a dynamic batch.
  auto ad = sf::constant<float, shape<dyn, 3>>({1, 2, 3, 4, 5, 6});
  auto yd = sf::eval(ad * b + 1.0f);
  static_assert(std::is_same_v<decltype(yd), sf::tensor<float, shape<dyn, 3>>>);
  REQUIRE(yd.dim(0) == 2);
  CHECK(yd(1, 2) == 181);
  // Scalar on the left.
  auto z = sf::eval(1.0f - b);
  CHECK(z(2) == -29);
}

TEST_CASE("long rows with every broadcast layout match a loop", "[elementwise][broadcast]") {
  // Rows of 40 run row by row on the host (row_of): leading, trailing and middle broadcasts,
  // a dynamic batch, a select and a scalar, each against the formula.
  constexpr std::size_t I = 3, J = 4, K = 40;
  auto a = from_formula<float, shape<I, J, K>>([](std::size_t i) { return 0.5 * double(i % 17) - 3.0; });
  auto b = from_formula<float, shape<K>>([](std::size_t k) { return 1.0 + 0.25 * double(k); });
  auto c = from_formula<float, shape<I, J, 1>>([](std::size_t r) { return 10.0 * double(r); });
  auto d = from_formula<float, shape<I, 1, K>>([](std::size_t r) { return -0.125 * double(r); });
  sf::tensor<float, shape<I, J, K>> y = sf::where(a > 0.0f, a * b + c - d, 2.0f * d);
  for (std::size_t i = 0; i < I; ++i)
    for (std::size_t j = 0; j < J; ++j)
      for (std::size_t k = 0; k < K; ++k) {
        const float av = a(i, j, k), want = av > 0 ? av * b(k) + c(i, j, 0) - d(i, 0, k) : 2.0f * d(i, 0, k);
        CHECK(y(i, j, k) == want);
      }
  auto e = from_formula<float, shape<dyn, K>>([](std::size_t i) { return double(i) - 60.0; }, 5);
  auto z = sf::eval(sf::relu(e + b) * 3.0f);
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t k = 0; k < K; ++k) CHECK(z(r, k) == std::max(e(r, k) + b(k), 0.0f) * 3.0f);
}

TEST_CASE("[2,1] + [1,3] is an outer sum", "[elementwise][broadcast]") {
  auto a = sf::constant<int, shape<2, 1>>({1, 2});
  auto b = sf::constant<int, shape<1, 3>>({10, 20, 30});
  auto y = sf::eval(a + b);
  static_assert(std::is_same_v<decltype(y)::shape_type, shape<2, 3>>);
  const int want[2][3] = {{11, 21, 31}, {12, 22, 32}};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(y(i, j) == want[i][j]);
  // Dynamic rows against static columns.
  auto ad = sf::constant<int, shape<dyn, 1>>({1, 2, 3});
  auto yd = sf::eval(ad * b);
  REQUIRE(yd.dims()[0] == 3);
  CHECK(yd(2, 1) == 60);
}

TEST_CASE("[4,1,5] with [3,1] gives [4,3,5]", "[elementwise][broadcast]") {
  auto a = from_formula<double, shape<4, 1, 5>>([](std::size_t i) { return double(i); });  // a(i,0,k) = 5i + k
  auto b = from_formula<double, shape<3, 1>>([](std::size_t j) { return 100.0 * double(j); });
  auto y = sf::eval(a + b);
  static_assert(std::is_same_v<decltype(y)::shape_type, shape<4, 3, 5>>);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 5; ++k) CHECK(y(i, j, k) == 5.0 * i + k + 100.0 * j);
  // The other operand order, and a product.
  auto y2 = sf::eval(b * a);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 5; ++k) CHECK(y2(i, j, k) == (5.0 * i + k) * 100.0 * j);
}

TEST_CASE("scalar-shaped tensors broadcast everywhere", "[elementwise][broadcast]") {
  sf::tensor<float, shape<>> s;
  s.data()[0] = 2.5f;
  auto x = sf::constant<float, shape<2, 2>>({1, 2, 3, 4});
  auto y = sf::eval(x * s - s);
  CHECK(y(0, 0) == 0.0f);
  CHECK(y(1, 1) == 7.5f);
  auto t = sf::eval(s + s);
  static_assert(decltype(t)::rank == 0);
  CHECK(t.data()[0] == 5.0f);
  // A rank-2 result assigned into a bigger tensor broadcasts along the leading axis.
  sf::tensor<float, shape<3, 2, 2>> big;
  big.view() = x + 1.0f;  // (tensor = expr needs equal ranks: it resizes)
  CHECK(big(2, 1, 0) == 4.0f);
}

TEST_CASE("a middle-axis broadcast ([2,1,3] with [2,4,3])", "[elementwise][broadcast]") {
  auto a = from_formula<int, shape<2, 1, 3>>([](std::size_t i) { return int(i); });  // a(i,0,k) = 3i + k
  auto b = from_formula<int, shape<2, 4, 3>>([](std::size_t i) { return int(1000 * i); });
  auto y = sf::eval(a + b);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t k = 0; k < 3; ++k) CHECK(y(i, j, k) == int(3 * i + k + 1000 * (12 * i + 3 * j + k)));
}

TEST_CASE("a broadcast before axes of extent 1 on both sides ([2,2,1] - [2,1,1])", "[elementwise][broadcast]") {
  // Per-image statistics of [N, H, W, 1] images, [N, 1, 1, 1]: the broadcast axes are followed
  // by an axis of extent 1 in both operands (the trailing-broadcast index once stopped there).
  auto a = from_formula<float, shape<2, 2, 1>>([](std::size_t i) { return 10.0 * double(i); });
  auto m = sf::constant<float, shape<2, 1, 1>>({1, 2});
  auto y = sf::eval(a - m);
  const float want[] = {-1, 9, 18, 28};
  for (std::size_t i = 0; i < 4; ++i) CHECK(y.data()[i] == want[i]);
  auto a4 = from_formula<float, shape<2, 1, 2, 1>>([](std::size_t i) { return 10.0 * double(i); });
  auto m4 = sf::constant<float, shape<2, 1, 1, 1>>({1, 2});
  auto y4 = sf::eval(m4 * 2.0f + a4);
  const float want4[] = {2, 12, 24, 34};
  for (std::size_t i = 0; i < 4; ++i) CHECK(y4.data()[i] == want4[i]);
  // A run-time batch: the divisor is only known at run time.
  auto ad = from_formula<float, shape<dyn, 3, 1>>([](std::size_t i) { return double(i); }, 2);
  auto md = from_formula<float, shape<dyn, 1, 1>>([](std::size_t i) { return 100.0 * double(i + 1); }, 2);
  auto yd = sf::eval(ad + md);
  for (std::size_t n = 0; n < 2; ++n)
    for (std::size_t j = 0; j < 3; ++j) CHECK(yd(n, j, 0) == float(3 * n + j) + 100.0f * float(n + 1));
}

TEST_CASE("a run-time extent mismatch throws invalid_argument naming both extents", "[elementwise][errors]") {
  sf::tensor<float, shape<dyn, 3>> a(4), b(5);
  try {
    auto e = a + b;
    (void)e;
    FAIL("no exception");
  } catch (const sf::invalid_argument& e) {
    const std::string msg = e.what();
    CHECK(msg.find("[4, 3]") != std::string::npos);
    CHECK(msg.find("[5, 3]") != std::string::npos);
  }
  sf::tensor<float, shape<dyn>> c(5);
  sf::tensor<float, shape<4>> d;
  REQUIRE_THROWS_AS(c * d, sf::invalid_argument);
  // Assigning to a tensor view of other extents throws too.
  sf::tensor<float, shape<dyn, 3>> out(2);
  REQUIRE_THROWS_AS(out.view() = a * 2.0f, sf::invalid_argument);
}

// ---- unary ops against std:: formulas -----------------------------------------------------------------

TEST_CASE("unary math ops", "[elementwise][unary]") {
  const double xs[] = {-3.5, -1.0, -0.25, 0.0, 0.5, 2.0, 7.0};
  const double pos[] = {1e-3, 0.25, 1.0, 2.0, 10.0, 1e6};
  check_unary([](auto& x) { return sf::abs(x); }, [](double v) { return std::fabs(v); }, xs);
  check_unary([](auto& x) { return -x; }, [](double v) { return -v; }, xs);
  check_unary([](auto& x) { return sf::exp(x); }, [](double v) { return std::exp(v); }, xs);
  check_unary([](auto& x) { return sf::square(x); }, [](double v) { return v * v; }, xs);
  check_unary([](auto& x) { return sf::log(x); }, [](double v) { return std::log(v); }, pos);
  check_unary([](auto& x) { return sf::sqrt(x); }, [](double v) { return std::sqrt(v); }, pos);
  const float xf[] = {-3.5f, -1.0f, 0.0f, 0.5f, 2.0f};
  check_unary([](auto& x) { return sf::exp(x); }, [](double v) { return std::exp(v); }, xf, 1e-6);
  check_unary([](auto& x) { return sf::tanh(x); }, [](double v) { return std::tanh(v); }, xf, 1e-6);
  const int xi[] = {-3, 0, 4};
  check_unary([](auto& x) { return sf::abs(x); }, [](double v) { return std::fabs(v); }, xi);
  check_unary([](auto& x) { return sf::square(x); }, [](double v) { return v * v; }, xi);
}

TEST_CASE("activations follow TensorFlow's definitions", "[elementwise][unary]") {
  const double xs[] = {-100.0, -3.0, -1.0, -0.5, 0.0, 0.5, 3.0, 6.0, 7.5, 100.0};
  check_unary([](auto& x) { return sf::relu(x); }, [](double v) { return v > 0 ? v : 0.0; }, xs);
  check_unary([](auto& x) { return sf::relu6(x); }, [](double v) { return std::min(std::max(v, 0.0), 6.0); }, xs);
  check_unary([](auto& x) { return sf::sigmoid(x); }, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }, xs);
  check_unary([](auto& x) { return sf::tanh(x); }, [](double v) { return std::tanh(v); }, xs);
  check_unary([](auto& x) { return sf::elu(x); }, [](double v) { return v > 0 ? v : std::exp(v) - 1.0; }, xs);
  check_unary([](auto& x) { return sf::softsign(x); }, [](double v) { return v / (1.0 + std::fabs(v)); }, xs);
  check_unary([](auto& x) { return sf::leaky_relu(x); }, [](double v) { return v > 0 ? v : 0.2 * v; }, xs);
  check_unary([](auto& x) { return sf::leaky_relu(x, 0.01); }, [](double v) { return v > 0 ? v : 0.01 * v; }, xs);
  // softplus = log(1 + e^x); a naive formula overflows at 100, so compare with its stable forms.
  check_unary([](auto& x) { return sf::softplus(x); },
              [](double v) { return v > 30 ? v + std::exp(-v) : std::log(1.0 + std::exp(v)); }, xs, 1e-9);

  // Hand-worked values.
  auto x = sf::constant<float, shape<6>>({-1.f, 0.f, 3.f, 6.f, 7.f, 100.f});
  auto r6 = sf::eval(sf::relu6(x));
  CHECK(r6(0) == 0.f);
  CHECK(r6(2) == 3.f);
  CHECK(r6(3) == 6.f);
  CHECK(r6(4) == 6.f);
  CHECK(sf::eval(sf::elu(x))(0) == Approx(std::exp(-1.0) - 1.0));
  CHECK(sf::eval(sf::softsign(x))(2) == 0.75f);
  CHECK(sf::eval(sf::softsign(x))(0) == -0.5f);
  CHECK(sf::eval(sf::sigmoid(x))(1) == 0.5f);
  CHECK(sf::eval(sf::leaky_relu(x, 0.1))(0) == Approx(-0.1f));
  // softplus is stable in float: 100 stays 100 (not inf), -100 gives a tiny non-negative number.
  auto big = sf::constant<float, shape<2>>({100.f, -100.f});
  auto sp = sf::eval(sf::softplus(big));
  CHECK(std::isfinite(sp(0)));
  CHECK(sp(0) == 100.f);
  CHECK(sp(1) >= 0.f);
  CHECK(sp(1) < 1e-40f);
  auto bigd = sf::constant<double, shape<2>>({100.0, -100.0});
  auto spd = sf::eval(sf::softplus(bigd));
  CHECK(spd(0) == 100.0);
  CHECK(spd(1) == Approx(std::exp(-100.0)).epsilon(1e-12));  // log1p(e^-100) = e^-100 to double precision
}

// ---- binary ops, where, comparisons, cast ---------------------------------------------------------------

TEST_CASE("pow, minimum, maximum, clip_by_value, division", "[elementwise][binary]") {
  auto a = sf::constant<double, shape<4>>({2.0, 9.0, 0.5, -3.0});
  auto b = sf::constant<double, shape<4>>({3.0, 0.5, 2.0, 2.0});
  auto p = sf::eval(sf::pow(a, b));
  CHECK(p(0) == 8.0);
  CHECK(p(1) == Approx(3.0));
  CHECK(p(2) == 0.25);
  CHECK(p(3) == 9.0);
  auto mn = sf::eval(sf::minimum(a, b));
  auto mx = sf::eval(sf::maximum(a, b));
  const double want_min[] = {2.0, 0.5, 0.5, -3.0}, want_max[] = {3.0, 9.0, 2.0, 2.0};
  for (std::size_t i = 0; i < 4; ++i) CHECK(mn(i) == want_min[i]);
  for (std::size_t i = 0; i < 4; ++i) CHECK(mx(i) == want_max[i]);
  auto c = sf::eval(sf::clip_by_value(a, -1.0, 1.0));
  const double want_clip[] = {1.0, 1.0, 0.5, -1.0};
  for (std::size_t i = 0; i < 4; ++i) CHECK(c(i) == want_clip[i]);
  auto q = sf::eval(a / b);
  CHECK(q(1) == 18.0);
  CHECK(q(3) == -1.5);
  auto m = sf::eval(sf::maximum(a, 0.0));  // scalar operand
  CHECK(m(3) == 0.0);
  auto s = sf::eval(sf::subtract(sf::multiply(a, 2.0), sf::add(b, sf::divide(b, b))));
  CHECK(s(0) == 4.0 - 4.0);
  CHECK(s(1) == 18.0 - 1.5);
}

TEST_CASE("comparisons, logical ops and where", "[elementwise][where]") {
  auto a = sf::constant<float, shape<5>>({-2.f, -1.f, 0.f, 1.f, 2.f});
  auto b = sf::constant<float, shape<5>>({0.f, -1.f, 1.f, 1.f, 0.f});
  auto gt = sf::eval(a > b);
  static_assert(std::is_same_v<decltype(gt)::value_type, bool>);
  const bool want_gt[] = {false, false, false, false, true};
  const bool want_ge[] = {false, true, false, true, true};
  const bool want_lt[] = {true, false, true, false, false};
  const bool want_eq[] = {false, true, false, true, false};
  auto ge = sf::eval(a >= b);
  auto lt = sf::eval(a < b);
  auto le = sf::eval(a <= b);
  auto eq = sf::eval(sf::equal(a, b));
  auto ne = sf::eval(sf::not_equal(a, b));
  auto g2 = sf::eval(sf::greater(a, b));
  auto l2 = sf::eval(sf::less_equal(a, b));
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("i = " << i);
    CHECK(gt(i) == want_gt[i]);
    CHECK(g2(i) == want_gt[i]);
    CHECK(ge(i) == want_ge[i]);
    CHECK(sf::eval(sf::greater_equal(a, b))(i) == want_ge[i]);
    CHECK(lt(i) == want_lt[i]);
    CHECK(sf::eval(sf::less(a, b))(i) == want_lt[i]);
    CHECK(le(i) == !want_gt[i]);
    CHECK(l2(i) == !want_gt[i]);
    CHECK(eq(i) == want_eq[i]);
    CHECK(ne(i) == !want_eq[i]);
  }
  auto both = sf::eval(sf::logical_and(a > -1.5f, a < 1.5f));
  auto either = sf::eval(sf::logical_or(a < -1.5f, a > 1.5f));
  auto neither = sf::eval(sf::logical_not(either));
  const bool want_both[] = {false, true, true, true, false};
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(both(i) == want_both[i]);
    CHECK(either(i) == !want_both[i]);
    CHECK(neither(i) == want_both[i]);
  }

  auto w = sf::eval(sf::where(a > 0.f, a, b));
  const float want_w[] = {0.f, -1.f, 1.f, 1.f, 2.f};
  for (std::size_t i = 0; i < 5; ++i) CHECK(w(i) == want_w[i]);
  auto w0 = sf::eval(sf::where(a > 0.f, a * 10.f, 0.f));  // scalar branch
  const float want_w0[] = {0.f, 0.f, 0.f, 10.f, 20.f};
  for (std::size_t i = 0; i < 5; ++i) CHECK(w0(i) == want_w0[i]);
  // A broadcast condition: a row mask against [2,3] branches.
  auto mask = sf::constant<bool, shape<3>>({true, false, true});
  auto x = sf::constant<int, shape<2, 3>>({1, 2, 3, 4, 5, 6});
  auto wb = sf::eval(sf::where(mask, x, -x));
  const int want_wb[2][3] = {{1, -2, 3}, {4, -5, 6}};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(wb(i, j) == want_wb[i][j]);
}

TEST_CASE("cast converts as static_cast does", "[elementwise][cast]") {
  auto f = sf::constant<float, shape<4>>({2.7f, -2.7f, 0.f, 100.5f});
  auto i = sf::eval(sf::cast<std::int32_t>(f));
  static_assert(std::is_same_v<decltype(i)::value_type, std::int32_t>);
  const std::int32_t want_i[] = {2, -2, 0, 100};
  for (std::size_t k = 0; k < 4; ++k) CHECK(i(k) == want_i[k]);
  auto d = sf::eval(sf::cast<double>(i) * 0.5);
  CHECK(d(0) == 1.0);
  CHECK(d(3) == 50.0);
  auto b = sf::eval(sf::cast<float>(f > 1.f) + 1.f);
  CHECK(b(0) == 2.f);
  CHECK(b(1) == 1.f);
  auto u = sf::eval(sf::cast<std::uint8_t>(sf::constant<std::int32_t, shape<2>>({200, 7})));
  CHECK(u(0) == 200);
  CHECK(u(1) == 7);
}

TEST_CASE("views, in-place updates and write-through", "[elementwise]") {
  auto a = sf::constant<float, shape<2, 3>>({1, 2, 3, 4, 5, 6});
  a = a * 2.0f + 1.0f;  // same index in and out: safe in place
  CHECK(a(1, 2) == 13.0f);
  a[0] = sf::constant<float, shape<3>>({7, 8, 9}) - 7.0f;
  CHECK(a(0, 2) == 2.0f);
  CHECK(a(1, 0) == 9.0f);
  a.slice(1, 2) = sf::filled<float, shape<1, 3>>(0.5f);
  CHECK(a(1, 1) == 0.5f);
}

TEST_CASE("an elementwise chain is one pass and allocates nothing", "[elementwise][efficiency]") {
  sf::tensor<float, shape<dyn>> x(1000), y(1000), out(1000);
  for (std::size_t i = 0; i < 1000; ++i) x(i) = 0.001f * float(i), y(i) = 1.0f + float(i % 7);
  // Six ops: *, +, exp, -, /, relu (plus the scalars).
  const auto expr = sf::relu((sf::exp(x * 0.5f) + y - 2.0f) / y);
  auto& passes = sf::executor<sf::host>::passes();
  const std::size_t before_passes = passes.elementwise.load();
  const std::size_t before = g_allocations.load();
  out = expr;
  const std::size_t allocations = g_allocations.load() - before;
  const std::size_t pass_count = passes.elementwise.load() - before_passes;
  CHECK(allocations == 0);
  CHECK(pass_count == 1);
  for (std::size_t i = 0; i < 1000; ++i) {
    const double v = (std::exp(0.5 * 0.001 * i) + (1.0 + i % 7) - 2.0) / (1.0 + i % 7);
    REQUIRE(out(i) == Approx(v > 0 ? v : 0.0).epsilon(1e-5).margin(1e-6));  // float cancellation near 0
  }
  // Evaluating into a view or a static tensor allocates nothing either.
  sf::tensor<float, shape<1000>> fixed;
  const std::size_t before2 = g_allocations.load();
  fixed = expr;
  out.view() = sf::sqrt(sf::square(x) + 1.0f) * sf::sigmoid(y) - sf::tanh(x) + sf::abs(y);
  CHECK(g_allocations.load() - before2 == 0);
  CHECK(fixed(999) == Approx((std::exp(0.4995) + 6.0 - 2.0) / 6.0));  // 999 % 7 == 5
}
