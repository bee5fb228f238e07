// SPDX-License-Identifier: MIT
/// \file
/// \brief Learning-rate schedules against TF 1.x's formulas, worked by hand.

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <staticflow/staticflow.hpp>
#include <staticflow/train/schedule.hpp>

namespace sf = staticflow;
using Catch::Matchers::Contains;

TEST_CASE("exponential_decay: lr * rate^(step/decay_steps), floored exponent with staircase", "[train][schedule]") {
  const sf::train::exponential_decay stair{0.1, 100, 0.96, true};
  CHECK(stair(0) == Approx(0.1));
  CHECK(stair(99) == Approx(0.1));                   // floor(0.99) = 0
  CHECK(stair(100) == Approx(0.096));                // 0.1 * 0.96
  CHECK(stair(250) == Approx(0.1 * 0.96 * 0.96));    // floor(2.5) = 2: 0.09216
  CHECK(stair(250) == Approx(0.09216).epsilon(1e-12));

  const sf::train::exponential_decay smooth{0.1, 100, 0.96};
  CHECK(smooth(50) == Approx(0.1 * std::sqrt(0.96)));       // exponent 0.5
  CHECK(smooth(250) == Approx(0.09216 * std::sqrt(0.96)));  // exponent 2.5 = 2 + 0.5
}

TEST_CASE("inverse_time_decay and natural_exp_decay", "[train][schedule]") {
  CHECK(sf::train::inverse_time_decay(0.1, 10, 0.5)(20) == Approx(0.05));          // 0.1 / (1 + 0.5 * 2)
  CHECK(sf::train::inverse_time_decay(0.1, 10, 0.5)(15) == Approx(0.1 / 1.75));    // 1 + 0.5 * 1.5
  CHECK(sf::train::inverse_time_decay(0.1, 10, 0.5, true)(15) == Approx(0.1 / 1.5));
  CHECK(sf::train::natural_exp_decay(0.1, 10, 0.5)(20) == Approx(0.1 * std::exp(-1.0)));
  CHECK(sf::train::natural_exp_decay(0.1, 10, 0.5, true)(29) == Approx(0.1 * std::exp(-1.0)));
}

TEST_CASE("piecewise_constant: a step on a boundary keeps the earlier value", "[train][schedule]") {
  const sf::train::piecewise_constant pc({100, 200}, {1.0, 0.5, 0.1});
  CHECK(pc(0) == 1.0);
  CHECK(pc(100) == 1.0);
  CHECK(pc(101) == 0.5);
  CHECK(pc(200) == 0.5);
  CHECK(pc(201) == 0.1);
  CHECK(pc(1'000'000'000) == 0.1);
  CHECK(pc(-5) == 1.0);

  const sf::train::piecewise_constant single({}, {0.25});
  CHECK(single(12345) == 0.25);
}

TEST_CASE("piecewise_constant rejects mismatched sizes and unordered boundaries", "[train][schedule]") {
  CHECK_THROWS_AS(sf::train::piecewise_constant({100, 200}, {1.0, 0.5}), sf::invalid_argument);
  CHECK_THROWS_WITH(sf::train::piecewise_constant({100, 200}, {1.0, 0.5}),
                    Contains("piecewise_constant") && Contains("3 values, got 2"));
  CHECK_THROWS_AS(sf::train::piecewise_constant({200, 100}, {1.0, 0.5, 0.1}), sf::invalid_argument);
  CHECK_THROWS_WITH(sf::train::piecewise_constant({100, 100}, {1.0, 0.5, 0.1}), Contains("increase"));
}

TEST_CASE("polynomial_decay: linear and quadratic, with and without cycle", "[train][schedule]") {
  const sf::train::polynomial_decay linear(0.1, 100, 0.01);
  CHECK(linear(0) == Approx(0.1));
  CHECK(linear(50) == Approx(0.055));   // 0.09 * 0.5 + 0.01
  CHECK(linear(100) == Approx(0.01));
  CHECK(linear(150) == Approx(0.01));   // clamped at decay_steps

  const sf::train::polynomial_decay quadratic(0.1, 100, 0.01, 2.0);
  CHECK(quadratic(50) == Approx(0.0325));  // 0.09 * 0.25 + 0.01

  const sf::train::polynomial_decay cyclic(0.1, 100, 0.01, 1.0, true);
  CHECK(cyclic(0) == Approx(0.1));       // ceil(0) treated as one period
  CHECK(cyclic(100) == Approx(0.01));    // ceil(1) = 1: the end of the first period
  CHECK(cyclic(101) == Approx(0.05455)); // period 200: 0.09 * (1 - 101/200) + 0.01
  CHECK(cyclic(150) == Approx(0.0325));  // 0.09 * 0.25 + 0.01

  // The default end rate is TF's 0.0001.
  CHECK(sf::train::polynomial_decay(0.1, 10)(10) == Approx(0.0001));
}

TEST_CASE("cosine_decay: half a cosine from lr down to alpha * lr", "[train][schedule]") {
  const sf::train::cosine_decay plain(0.1, 100);
  CHECK(plain(0) == Approx(0.1));
  CHECK(plain(50) == Approx(0.05));                                      // cos(pi/2) = 0
  CHECK(plain(25) == Approx(0.1 * 0.5 * (1 + std::numbers::sqrt2 / 2)));  // cos(pi/4)
  CHECK(plain(100) == Approx(0.0).margin(1e-15));
  CHECK(plain(200) == Approx(0.0).margin(1e-15));

  const sf::train::cosine_decay floor(0.1, 100, 0.1);
  CHECK(floor(50) == Approx(0.055));  // 0.1 * (0.9 * 0.5 + 0.1)
  CHECK(floor(100) == Approx(0.01));
  CHECK(floor(300) == Approx(0.01));
}

TEST_CASE("decay_steps must be positive", "[train][schedule]") {
  CHECK_THROWS_AS(sf::train::exponential_decay(0.1, 0, 0.9), sf::invalid_argument);
  CHECK_THROWS_WITH(sf::train::exponential_decay(0.1, -3, 0.9),
                    Contains("exponential_decay") && Contains("decay_steps") && Contains("-3"));
  CHECK_THROWS_AS(sf::train::polynomial_decay(0.1, 0), sf::invalid_argument);
  CHECK_THROWS_AS(sf::train::cosine_decay(0.1, 0), sf::invalid_argument);
  CHECK_THROWS_AS(sf::train::inverse_time_decay(0.1, 0, 0.5), sf::invalid_argument);
  CHECK_THROWS_AS(sf::train::natural_exp_decay(0.1, 0, 0.5), sf::invalid_argument);
}

TEST_CASE("schedule erases a constant, a TF schedule or any callable", "[train][schedule]") {
  const sf::train::schedule constant = 0.3;
  CHECK(constant.is_constant());
  CHECK(constant(0) == 0.3);
  CHECK(constant(1'000'000) == 0.3);

  const sf::train::schedule from_int = 2;  // an integer converts like a double
  CHECK(from_int(5) == 2.0);

  const sf::train::schedule decayed = sf::train::exponential_decay{0.1, 100, 0.96, true};
  CHECK_FALSE(decayed.is_constant());
  CHECK(decayed(250) == Approx(0.09216));

  const sf::train::schedule custom = [](std::int64_t step) { return 1.0 / static_cast<double>(step + 1); };
  CHECK(custom(3) == 0.25);

  sf::train::schedule copy = decayed;
  CHECK(copy(100) == Approx(0.096));
}
