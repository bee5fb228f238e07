// SPDX-License-Identifier: MIT
/// \file
/// \brief Exponential moving average: the seed's worked numbers and the effective decay.

#include <catch2/catch.hpp>

#include <optional>

#include <staticflow/staticflow.hpp>
#include <staticflow/train/moving_average.hpp>

namespace sf = staticflow;
using Catch::Matchers::Contains;

TEST_CASE("effective decay is min(decay, (1 + n) / (10 + n)) with num_updates", "[train][ema]") {
  const sf::train::exponential_moving_average ema(0.99);
  CHECK(ema.decay() == 0.99);
  CHECK(ema.effective_decay(std::nullopt) == 0.99);
  CHECK(ema.effective_decay(0) == Approx(0.1));             // 1 / 10
  CHECK(ema.effective_decay(90) == Approx(0.91));           // 91 / 100
  CHECK(ema.effective_decay(10000) == Approx(0.99));        // 10001 / 10010 = 0.9991 > 0.99
}

TEMPLATE_TEST_CASE("the seed's example: (0, 0), (5, 4.5), (10, 4.555)", "[train][ema]", float, double) {
  const sf::train::exponential_moving_average ema(0.99);
  sf::tensor<TestType, sf::shape<>> var, shadow;
  var.data()[0] = 0;
  shadow.data()[0] = 0;  // the shadow starts at the variable's value
  CHECK(shadow.data()[0] == 0);

  // var = 5, num_updates = 0: decay 0.1, shadow = 0 - 0.9 * (0 - 5) = 4.5.
  var.data()[0] = 5;
  ema.update(shadow.view(), var.view(), 0);
  CHECK(double(shadow.data()[0]) == Approx(4.5).margin(1e-6));

  // var = 10, num_updates = 10000: decay 0.99, shadow = 4.5 - 0.01 * (4.5 - 10) = 4.555.
  var.data()[0] = 10;
  ema.update(shadow.view(), var.view(), 10000);
  CHECK(double(shadow.data()[0]) == Approx(4.555).margin(1e-6));

  // Without num_updates the decay is the one given: 4.555 - 0.01 * (4.555 - 10) = 4.60945.
  ema.update(shadow.view(), var.view());
  CHECK(double(shadow.data()[0]) == Approx(4.60945).margin(1e-6));
}

TEST_CASE("update moves every element and checks sizes", "[train][ema]") {
  const sf::train::exponential_moving_average ema(0.5);
  sf::tensor<double, sf::shape<sf::dyn>> shadow(3), var(3), other(2);
  for (std::size_t i = 0; i < 3; ++i) shadow.data()[i] = double(i), var.data()[i] = 10.0;
  ema.update(shadow.view(), var.view());
  CHECK(shadow.data()[0] == 5.0);  // 0 - 0.5 * (0 - 10)
  CHECK(shadow.data()[1] == 5.5);
  CHECK(shadow.data()[2] == 6.0);
  CHECK_THROWS_AS(ema.update(shadow.view(), other.view()), sf::invalid_argument);
  CHECK_THROWS_WITH(ema.update(shadow.view(), other.view()), Contains("3 elements") && Contains("2"));
}

TEST_CASE("decay outside [0, 1] is rejected", "[train][ema]") {
  CHECK_THROWS_AS(sf::train::exponential_moving_average(1.5), sf::invalid_argument);
  CHECK_THROWS_WITH(sf::train::exponential_moving_average(-0.1), Contains("exponential_moving_average") &&
                                                                     Contains("decay"));
  CHECK_NOTHROW(sf::train::exponential_moving_average(1.0));
  CHECK_NOTHROW(sf::train::exponential_moving_average(0.0));
}
