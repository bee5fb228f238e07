// SPDX-License-Identifier: MIT
/// \file
/// \brief L1 and L2 regularisers (TF's l2 carries a half) on a hand-picked tensor.

#include <catch2/catch.hpp>

#include <staticflow/staticflow.hpp>
#include <staticflow/train/regularizer.hpp>

namespace sf = staticflow;
using Catch::Matchers::Contains;

namespace {
template <class T>
sf::tensor<T, sf::shape<2, 2>> weights() {
  sf::tensor<T, sf::shape<2, 2>> w;
  const double v[] = {1.0, -2.0, 3.0, -0.5};  // |w| sums to 6.5; w^2 sums to 14.25
  for (std::size_t i = 0; i < 4; ++i) w.data()[i] = static_cast<T>(v[i]);
  return w;
}
template <class E>
double value(const E& e) {
  const auto t = sf::eval(e);
  return static_cast<double>(t.data()[0]);
}
}  // namespace

TEMPLATE_TEST_CASE("l1_regularizer: scale * sum |w|", "[train][regularizer]", float, double) {
  const auto w = weights<TestType>();
  CHECK(value(sf::train::l1_regularizer(0.1)(w)) == Approx(0.65));
  CHECK(value(sf::train::l1_regularizer(0.0)(w)) == 0.0);
}

TEMPLATE_TEST_CASE("l2_regularizer: scale * sum w^2 / 2", "[train][regularizer]", float, double) {
  const auto w = weights<TestType>();
  CHECK(value(sf::train::l2_regularizer(0.1)(w)) == Approx(0.7125));  // 0.1 * 14.25 / 2
  CHECK(value(sf::train::l2_regularizer(2.0)(w)) == Approx(14.25));
  // Any expression works, not only tensors: (2w)^2 sums to 57.
  CHECK(value(sf::train::l2_regularizer(1.0)(w * TestType(2))) == Approx(28.5));
}

TEST_CASE("l1_l2_regularizer adds both penalties", "[train][regularizer]") {
  const auto w = weights<double>();
  CHECK(value(sf::train::l1_l2_regularizer(0.1, 0.1)(w)) == Approx(0.65 + 0.7125));
}

TEST_CASE("a negative scale is rejected", "[train][regularizer]") {
  CHECK_THROWS_AS(sf::train::l1_regularizer(-1.0), sf::invalid_argument);
  CHECK_THROWS_WITH(sf::train::l2_regularizer(-0.5), Contains("l2_regularizer") && Contains("-0.5"));
  CHECK_THROWS_AS(sf::train::l1_l2_regularizer(0.1, -0.1), sf::invalid_argument);
}
