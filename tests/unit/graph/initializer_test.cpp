// SPDX-License-Identifier: MIT
/// \file
/// \brief Initialisers against TF 1.x's published formulas: the fans of dense and HWIO shapes,
/// variance scaling's limits and standard deviations for every mode and distribution (with
/// the truncated normal's 0.87962566103423978 correction), the Glorot / He / LeCun presets and
/// random gamma's moments. Statistical checks use 150000+ samples and tolerances of at least
/// five standard errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
using Catch::Matchers::Contains;

namespace {

struct moments {
  double mean = 0, stddev = 0, max_abs = 0;
};

template <class T>
moments moments_of(const T* p, std::size_t n) {
  moments m;
  double sum = 0, sq = 0;
  for (std::size_t i = 0; i < n; ++i) sum += double(p[i]);
  m.mean = sum / double(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double d = double(p[i]) - m.mean;
    sq += d * d;
    m.max_abs = std::max(m.max_abs, std::abs(double(p[i])));
  }
  m.stddev = std::sqrt(sq / double(n - 1));
  return m;
}

constexpr std::size_t samples = 150000;
// A dense [300, 500] layer's fans.
const std::pair<double, double> dense_fans{300, 500};

template <class T = double>
std::vector<T> draw(const sf::init::initializer& init, std::pair<double, double> fans = dense_fans,
                    std::size_t n = samples) {
  sf::tensor<T, sf::shape<sf::dyn>> t(n);
  init.fill(t.view(), fans, "w");
  return std::vector<T>(t.data(), t.data() + n);
}

/// Uniform in [-limit, limit): every sample inside, the largest near the limit, stddev limit / sqrt(3).
void check_uniform(const std::vector<double>& v, double limit) {
  const auto m = moments_of(v.data(), v.size());
  CHECK(m.max_abs <= limit);
  CHECK(m.max_abs > 0.999 * limit);
  CHECK(m.stddev == Approx(limit / std::sqrt(3.0)).epsilon(0.01));
  CHECK(std::abs(m.mean) < 5 * limit / std::sqrt(3.0 * double(v.size())));
}

/// Truncated normal with the variance `want_stddev`^2: TF draws with stddev
/// want_stddev / 0.87962566103423978 and cuts at 2 of those, so samples reach past 2 * want_stddev.
void check_truncated(const std::vector<double>& v, double want_stddev) {
  const auto m = moments_of(v.data(), v.size());
  const double sigma = want_stddev / 0.87962566103423978;
  CHECK(m.stddev == Approx(want_stddev).epsilon(0.015));
  CHECK(m.max_abs <= 2 * sigma * (1 + 1e-12));
  CHECK(m.max_abs > 2 * want_stddev);  // about 3.5% of samples lie between 2 * want and 2 * sigma
  CHECK(std::abs(m.mean) < 5 * want_stddev / std::sqrt(double(v.size())));
}

/// Untruncated normal: the stddev, and tails past 2.2 stddev (2.8% of samples).
void check_normal(const std::vector<double>& v, double want_stddev) {
  const auto m = moments_of(v.data(), v.size());
  CHECK(m.stddev == Approx(want_stddev).epsilon(0.015));
  CHECK(m.max_abs > 3 * want_stddev);
  CHECK(std::abs(m.mean) < 5 * want_stddev / std::sqrt(double(v.size())));
}

}  // namespace

TEST_CASE("fans as TF's _compute_fans: dense [in, out], HWIO [kh, kw, cin, cout]", "[init]") {
  using init = sf::init::initializer;
  CHECK(init::fans<sf::shape<784, 10>>() == std::pair<double, double>{784, 10});
  // fan_in = kh * kw * cin = 5 * 5 * 3, fan_out = kh * kw * cout = 5 * 5 * 64.
  CHECK(init::fans<sf::shape<5, 5, 3, 64>>() == std::pair<double, double>{75, 1600});
  CHECK(init::fans<sf::shape<3, 3, 16, 32>>() == std::pair<double, double>{144, 288});
  // Rank 3 (a 1-D convolution's [k, cin, cout]): receptive field k.
  CHECK(init::fans<sf::shape<3, 4, 5>>() == std::pair<double, double>{12, 15});
  CHECK(init::fans<sf::shape<7>>() == std::pair<double, double>{7, 7});
  CHECK(init::fans<sf::shape<>>() == std::pair<double, double>{1, 1});
}

TEST_CASE("Glorot, He and LeCun presets: limits and standard deviations", "[init]") {
  const double in = 300, out = 500;
  SECTION("glorot_uniform: limit sqrt(6 / (in + out))") { check_uniform(draw(sf::init::glorot_uniform(1)), std::sqrt(6 / (in + out))); }
  SECTION("glorot_normal: stddev sqrt(2 / (in + out))") { check_truncated(draw(sf::init::glorot_normal(2)), std::sqrt(2 / (in + out))); }
  SECTION("he_normal: stddev sqrt(2 / in)") { check_truncated(draw(sf::init::he_normal(3)), std::sqrt(2 / in)); }
  SECTION("he_uniform: limit sqrt(6 / in)") { check_uniform(draw(sf::init::he_uniform(4)), std::sqrt(6 / in)); }
  SECTION("lecun_normal: stddev sqrt(1 / in)") { check_truncated(draw(sf::init::lecun_normal(5)), std::sqrt(1 / in)); }
  SECTION("lecun_uniform: limit sqrt(3 / in)") { check_uniform(draw(sf::init::lecun_uniform(6)), std::sqrt(3 / in)); }
}

TEST_CASE("variance_scaling: every mode and distribution", "[init]") {
  using sf::init::distribution;
  using sf::init::fan_mode;
  // n = fan_in 300, fan_out 500, fan_avg 400; limit sqrt(3 scale / n), stddev sqrt(scale / n).
  SECTION("fan_in, truncated normal, scale 0.5") {
    check_truncated(draw(sf::init::variance_scaling(0.5, fan_mode::fan_in, distribution::truncated_normal, 7)),
                    std::sqrt(0.5 / 300));
  }
  SECTION("fan_out, untruncated normal, scale 2") {
    check_normal(draw(sf::init::variance_scaling(2.0, fan_mode::fan_out, distribution::untruncated_normal, 8)),
                 std::sqrt(2.0 / 500));
  }
  SECTION("fan_avg, uniform, scale 3") {
    check_uniform(draw(sf::init::variance_scaling(3.0, fan_mode::fan_avg, distribution::uniform, 9)),
                  std::sqrt(9.0 / 400));
  }
  SECTION("fan_out, uniform, scale 1") {
    check_uniform(draw(sf::init::variance_scaling(1.0, fan_mode::fan_out, distribution::uniform, 10)),
                  std::sqrt(3.0 / 500));
  }
  SECTION("defaults: scale 1, fan_in, truncated normal") {
    const auto d = sf::init::variance_scaling();
    CHECK(d.a == 1.0);
    CHECK(d.mode == fan_mode::fan_in);
    CHECK(d.dist == distribution::truncated_normal);
  }
  SECTION("a fan below 1 counts as 1 (TF's max(1, n))") {
    const auto init = sf::init::variance_scaling(1.0, fan_mode::fan_in, distribution::uniform, 11);
    check_uniform(draw(init, {0, 4}), std::sqrt(3.0));
    CHECK(init.target_variance({0, 4}) == 1.0);
    CHECK(init.target_variance({8, 4}) == 0.125);
  }
  SECTION("float samples follow the same law") {
    const auto v = draw<float>(sf::init::he_normal(12));
    const auto m = moments_of(v.data(), v.size());
    CHECK(m.stddev == Approx(std::sqrt(2.0 / 300)).epsilon(0.015));
  }
  CHECK_THROWS_WITH(sf::init::variance_scaling(0.0), Contains("variance_scaling") && Contains("scale"));
  CHECK_THROWS_AS(sf::init::variance_scaling(-1.0), sf::invalid_argument);
}

TEST_CASE("a session initialises HWIO filters with the conv fans", "[init]") {
  sf::graph g;
  auto guard = g.as_default();
  using sf::init::distribution;
  using sf::init::fan_mode;
  // [3, 3, 16, 32]: fan_in 144, fan_out 288. He uniform limit sqrt(6 / 144) = 0.2041;
  // fan_out uniform limit sqrt(3 / 288) = 0.1021 (with fan_out = cout = 32 it would be 0.306).
  auto he = sf::variable<double, sf::shape<3, 3, 16, 32>>("he", sf::init::he_uniform(21));
  auto fo = sf::variable<double, sf::shape<3, 3, 16, 32>>(
      "fo", sf::init::variance_scaling(1.0, fan_mode::fan_out, distribution::uniform, 22));
  auto dense = sf::variable<float, sf::shape<400, 600>>("dense", sf::init::glorot_normal(23));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto a = sess.value(he);
  const auto b = sess.value(fo);
  const auto c = sess.value(dense);
  const auto ma = moments_of(a.data(), a.size());
  const auto mb = moments_of(b.data(), b.size());
  const auto mc = moments_of(c.data(), c.size());
  // 4608 samples: the stddev of a uniform sample stddev is ~0.7% here; allow 5%.
  CHECK(ma.max_abs <= std::sqrt(6.0 / 144));
  CHECK(ma.max_abs > 0.99 * std::sqrt(6.0 / 144));
  CHECK(ma.stddev == Approx(std::sqrt(2.0 / 144)).epsilon(0.05));
  CHECK(mb.max_abs <= std::sqrt(3.0 / 288));
  CHECK(mb.max_abs > 0.99 * std::sqrt(3.0 / 288));
  CHECK(mb.stddev == Approx(std::sqrt(1.0 / 288)).epsilon(0.05));
  // glorot_normal on [400, 600]: stddev sqrt(2 / 1000), 240000 samples.
  CHECK(mc.stddev == Approx(std::sqrt(2.0 / 1000)).epsilon(0.01));
  CHECK(mc.max_abs <= 2 * std::sqrt(2.0 / 1000) / 0.87962566103423978 * (1 + 1e-6));
}

TEST_CASE("init::gamma: mean alpha / beta, variance alpha / beta^2, deterministic per seed", "[init]") {
  SECTION("alpha 2, rate 4") {
    const auto v = draw(sf::init::gamma(2.0, 4.0, 31), {1, 1}, 200000);
    const auto m = moments_of(v.data(), v.size());
    CHECK(m.mean == Approx(0.5).epsilon(0.01));                 // standard error 0.16%
    CHECK(m.stddev == Approx(std::sqrt(2.0) / 4).epsilon(0.015));  // standard error 0.25%
    CHECK(*std::min_element(v.begin(), v.end()) > 0.0);
  }
  SECTION("alpha 0.5 (the boosted branch), rate 1") {
    const auto v = draw(sf::init::gamma(0.5, 1.0, 32), {1, 1}, 200000);
    const auto m = moments_of(v.data(), v.size());
    CHECK(m.mean == Approx(0.5).epsilon(0.015));
    CHECK(m.stddev == Approx(std::sqrt(0.5)).epsilon(0.025));
    CHECK(*std::min_element(v.begin(), v.end()) > 0.0);
    // P(X < 0.5) for Gamma(1/2) = P(chi^2_1 < 1) = erf(sqrt(1/2)) = 0.682689.
    const double below = double(std::count_if(v.begin(), v.end(), [](double x) { return x < 0.5; })) / double(v.size());
    CHECK(below == Approx(0.682689).margin(0.006));
  }
  SECTION("alpha 1 is the exponential: P(X < 1/beta) = 1 - 1/e") {
    const auto v = draw(sf::init::gamma(1.0, 2.0, 33), {1, 1}, 200000);
    const double below = double(std::count_if(v.begin(), v.end(), [](double x) { return x < 0.5; })) / double(v.size());
    CHECK(below == Approx(1 - std::exp(-1.0)).margin(0.006));
  }
  SECTION("the same seed gives the same values, another seed others; the default rate is 1") {
    const auto a = draw(sf::init::gamma(3.0, 1.0, 5), {1, 1}, 1000);
    const auto b = draw(sf::init::gamma(3.0, 1.0, 5), {1, 1}, 1000);
    const auto c = draw(sf::init::gamma(3.0, 1.0, 6), {1, 1}, 1000);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(draw(sf::init::gamma(3.0), {1, 1}, 1000) == draw(sf::init::gamma(3.0, 1.0, 0), {1, 1}, 1000));
  }
  SECTION("through a session, in float") {
    sf::graph g;
    auto guard = g.as_default();
    auto w = sf::variable<float, sf::shape<400, 500>>("w", sf::init::gamma(3.0, 2.0, 7));
    sf::session<> sess(g);
    sess.run(sf::global_variables_initializer());
    const auto v = sess.value(w);
    const auto m = moments_of(v.data(), v.size());
    CHECK(m.mean == Approx(1.5).epsilon(0.01));
    CHECK(m.stddev == Approx(std::sqrt(3.0) / 2).epsilon(0.015));
  }
  CHECK_THROWS_WITH(sf::init::gamma(0.0), Contains("sf::init::gamma") && Contains("alpha"));
  CHECK_THROWS_WITH(sf::init::gamma(1.0, -1.0), Contains("sf::init::gamma") && Contains("beta"));
}
