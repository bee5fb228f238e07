// SPDX-License-Identifier: MIT
/// \file
/// \brief Statistical and determinism tests of the per-element random generators.
///
/// Moments are compared with their exact values within 5 standard errors: the standard error of the sample
/// mean is sqrt(var / n), that of the sample variance sqrt((mu4 - var^2) / n) with mu4 the fourth central
/// moment. Shape is checked through one CDF value of each distribution (binomial standard error).
#include "staticflow/core/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace sf = staticflow;

namespace {

constexpr std::uint64_t n_samples = 400000;
constexpr double z_tol = 5.0;

struct moments {
  double mean = 0;
  double var = 0;  // population variance (divides by n); the bias is far below the tolerance
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

template <class Gen>
moments sample_moments(const Gen& gen, std::uint64_t n = n_samples) {
  moments m;
  double sum = 0;
  for (std::uint64_t i = 0; i < n; ++i) sum += static_cast<double>(gen(i));
  m.mean = sum / static_cast<double>(n);
  double sq = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(gen(i));
    sq += (x - m.mean) * (x - m.mean);
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.var = sq / static_cast<double>(n);
  return m;
}

/// Fraction of the first n elements below t.
template <class Gen>
double fraction_below(const Gen& gen, double t, std::uint64_t n = n_samples) {
  std::uint64_t count = 0;
  for (std::uint64_t i = 0; i < n; ++i) count += static_cast<double>(gen(i)) < t ? 1 : 0;
  return static_cast<double>(count) / static_cast<double>(n);
}

void check_moments(const moments& m, double mean, double var, double mu4, std::uint64_t n = n_samples) {
  const double nd = static_cast<double>(n);
  INFO("sample mean " << m.mean << " vs " << mean << ", sample variance " << m.var << " vs " << var);
  CHECK(std::abs(m.mean - mean) <= z_tol * std::sqrt(var / nd));
  CHECK(std::abs(m.var - var) <= z_tol * std::sqrt((mu4 - var * var) / nd));
}

void check_fraction(double got, double p, std::uint64_t n = n_samples) {
  INFO("fraction " << got << " vs probability " << p);
  CHECK(std::abs(got - p) <= z_tol * std::sqrt(p * (1 - p) / static_cast<double>(n)));
}

double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * 3.14159265358979323846); }   // standard normal density
double cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }          // standard normal CDF

}  // namespace

TEMPLATE_TEST_CASE("uniform_generator: bounds and moments of U[lo, hi)", "[core][random]", float, double) {
  const sf::uniform_generator<TestType> gen{42, TestType(-2), TestType(3)};
  const moments m = sample_moments(gen);
  CHECK(m.min >= -2.0);
  CHECK(m.max < 3.0);
  const double w = 5.0;
  check_moments(m, 0.5, w * w / 12, w * w * w * w / 80);
  check_fraction(fraction_below(gen, 0.0), 2.0 / 5.0);
}

TEMPLATE_TEST_CASE("uniform_generator: the default is U[0, 1)", "[core][random]", float, double) {
  const sf::uniform_generator<TestType> gen{7};
  const moments m = sample_moments(gen, 100000);
  CHECK(m.min >= 0.0);
  CHECK(m.max < 1.0);
  check_moments(m, 0.5, 1.0 / 12, 1.0 / 80, 100000);
}

TEMPLATE_TEST_CASE("uniform_generator: never returns hi, even when rounding would give it", "[core][random]",
                   float, double) {
  // [1, next(1)) holds exactly one value, 1; lo + (hi - lo) * u rounds to hi for u >= 1/2.
  const TestType lo = TestType(1);
  const TestType hi = std::nextafter(lo, TestType(2));
  const sf::uniform_generator<TestType> gen{3, lo, hi};
  for (std::uint64_t i = 0; i < 10000; ++i) REQUIRE(gen(i) == lo);
}

TEMPLATE_TEST_CASE("normal_generator: moments, CDF and independence of neighbours", "[core][random]", float,
                   double) {
  const double mean = 1.5;
  const double sd = 2.0;
  const sf::normal_generator<TestType> gen{12345, TestType(mean), TestType(sd)};
  const moments m = sample_moments(gen);
  check_moments(m, mean, sd * sd, 3 * sd * sd * sd * sd);
  check_fraction(fraction_below(gen, mean + sd), cdf(1.0));           // 0.8413...
  check_fraction(fraction_below(gen, mean - 2 * sd), cdf(-2.0));      // 0.0227...

  // Lag-1 correlation of a white sequence has standard error 1 / sqrt(n).
  double cov = 0;
  for (std::uint64_t i = 0; i + 1 < n_samples; ++i) {
    cov += (static_cast<double>(gen(i)) - mean) * (static_cast<double>(gen(i + 1)) - mean);
  }
  const double corr = cov / static_cast<double>(n_samples - 1) / (sd * sd);
  CHECK(std::abs(corr) <= z_tol / std::sqrt(static_cast<double>(n_samples)));
}

TEMPLATE_TEST_CASE("truncated_normal_generator: bounded at 2 stddev, truncated-normal moments", "[core][random]",
                   float, double) {
  const double a = 2.0;
  const double z = cdf(a) - cdf(-a);                          // mass kept: 0.9545
  const double m2 = 1 - 2 * a * phi(a) / z;                   // E[X^2] = 0.7737 (mean 0 by symmetry)
  const double m4 = 3 * m2 - 2 * a * a * a * phi(a) / z;      // E[X^4], by parts as for m2
  REQUIRE(m2 == Approx(0.7737).epsilon(1e-4));

  for (const double mean : {0.0, -1.0}) {
    const double sd = mean == 0.0 ? 1.0 : 0.5;
    const TestType lo = TestType(mean) - TestType(sd) * TestType(2);
    const TestType hi = TestType(mean) + TestType(sd) * TestType(2);
    const sf::truncated_normal_generator<TestType> gen{99, TestType(mean), TestType(sd)};
    const moments m = sample_moments(gen);
    CHECK(m.min >= static_cast<double>(lo));
    CHECK(m.max <= static_cast<double>(hi));
    check_moments(m, mean, sd * sd * m2, sd * sd * sd * sd * m4);
    check_fraction(fraction_below(gen, mean + sd), (cdf(1.0) - cdf(-a)) / z);  // 0.8571...
  }
}

TEMPLATE_TEST_CASE("gamma_generator: mean alpha/beta and variance alpha/beta^2", "[core][random]", float,
                   double) {
  for (const double alpha : {0.5, 1.0, 3.7}) {
    for (const double beta : {1.0, 2.5}) {
      INFO("alpha " << alpha << ", beta " << beta);
      const sf::gamma_generator<TestType> gen{2024, TestType(alpha), TestType(beta)};
      const moments m = sample_moments(gen);
      CHECK(m.min >= 0.0);
      const double b4 = beta * beta * beta * beta;
      // Fourth central moment of Gamma(alpha, rate beta): 3 alpha (alpha + 2) / beta^4.
      check_moments(m, alpha / beta, alpha / (beta * beta), 3 * alpha * (alpha + 2) / b4);
    }
  }
}

TEMPLATE_TEST_CASE("gamma_generator: CDF at 1/beta for alpha 1 (exponential) and 1/2 (chi-square)",
                   "[core][random]", float, double) {
  const double beta = 2.5;
  // alpha = 1: Exp(beta), P(X < 1/beta) = 1 - e^-1.
  check_fraction(fraction_below(sf::gamma_generator<TestType>{5, TestType(1), TestType(beta)}, 1 / beta),
                 1 - std::exp(-1.0));
  // alpha = 1/2: X = Z^2 / (2 beta) with Z standard normal, so P(X < 1/beta) = P(|Z| < sqrt 2) = erf(1).
  check_fraction(fraction_below(sf::gamma_generator<TestType>{5, TestType(0.5), TestType(beta)}, 1 / beta),
                 std::erf(1.0));
}

TEST_CASE("validate_gamma_alpha and validate_gamma_beta reject non-positive or non-finite values",
          "[core][random]") {
  CHECK_NOTHROW(sf::validate_gamma_alpha(0.5));
  CHECK_NOTHROW(sf::validate_gamma_beta(1e-3));
  for (const double bad : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity()}) {
    CHECK_THROWS_AS(sf::validate_gamma_alpha(bad), sf::invalid_argument);
    CHECK_THROWS_AS(sf::validate_gamma_beta(bad), sf::invalid_argument);
  }
  CHECK_THROWS_WITH(sf::validate_gamma_alpha(-2.0, "my_op"), Catch::Contains("my_op") && Catch::Contains("alpha"));
}

TEMPLATE_TEST_CASE("generators are pure functions of (seed, stream, i)", "[core][random]", float, double) {
  constexpr std::uint64_t n = 2000;
  const sf::normal_generator<TestType> a{77};
  const sf::normal_generator<TestType> b{77};
  std::vector<TestType> forward(n), backward(n);
  for (std::uint64_t i = 0; i < n; ++i) forward[i] = a(i);
  for (std::uint64_t i = n; i-- > 0;) backward[i] = b(i);
  CHECK(forward == backward);

  auto count_equal = [&](const auto& g) {
    int same = 0;
    for (std::uint64_t i = 0; i < n; ++i) same += g(i) == forward[i] ? 1 : 0;
    return same;
  };
  CHECK(count_equal(sf::normal_generator<TestType>{78}) == 0);                  // another seed
  CHECK(count_equal(sf::normal_generator<TestType>{77, 0, 1, 1}) == 0);         // another stream
  CHECK(count_equal(sf::normal_generator<TestType>{77, 0, 1, 1ull << 40}) == 0);  // stream above 2^32
  CHECK(count_equal(sf::normal_generator<TestType>{77ull << 32}) == 0);         // seed's high word matters

  // An index above 2^32 is not confused with its low 32 bits.
  const std::uint64_t big = (1ull << 32) + 5;
  CHECK(a(big) != a(5));
  CHECK(a(big) == b(big));

  const sf::truncated_normal_generator<TestType> t{77};
  const sf::gamma_generator<TestType> g{77, TestType(0.7)};
  const sf::uniform_generator<TestType> u{77};
  for (std::uint64_t i = 0; i < 100; ++i) {
    CHECK(t(i) == sf::truncated_normal_generator<TestType>{77}(i));
    CHECK(g(i) == sf::gamma_generator<TestType>{77, TestType(0.7)}(i));
    CHECK(u(i) == sf::uniform_generator<TestType>{77}(i));
  }
}

TEST_CASE("uniform_generator follows the documented counter layout", "[core][random]") {
  // counter = {lo32(i), hi32(i), draw, stream}, key = {lo32(seed), hi32(seed)} for stream < 2^32;
  // double takes 27 + 26 bits of words 0 and 1, float the top 24 bits of word 0.
  const std::uint64_t seed = 0x0123456789abcdefull;
  const std::uint64_t stream = 9;
  const std::uint64_t i = 0x0000000500000007ull;
  const sf::u32x4 w = sf::philox4x32_10(sf::u32x4{{7u, 5u, 0u, 9u}}, sf::u32x2{{0x89abcdefu, 0x01234567u}});
  const double want_double =
      static_cast<double>((static_cast<std::uint64_t>(w.v[0] >> 5) << 26) | (w.v[1] >> 6)) / 9007199254740992.0;
  const float want_float = static_cast<float>(w.v[0] >> 8) / 16777216.0f;
  CHECK(sf::uniform_generator<double>{seed, 0.0, 1.0, stream}(i) == want_double);
  CHECK(sf::uniform_generator<float>{seed, 0.0f, 1.0f, stream}(i) == want_float);
}
