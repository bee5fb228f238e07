// SPDX-License-Identifier: MIT
/// \file
/// \brief log_softmax, l2_loss, softmax cross-entropy v1 (no gradient into the labels, as TF
/// 1.x's) and v2 (into both), and moments over chosen axes: values by hand, gradients by finite
/// differences.
#include <catch2/catch.hpp>

#include <cmath>

#include "gradcheck.hpp"
#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
using gradcheck_detail::dtensor;
using gradcheck_detail::make_positive;
using gradcheck_detail::randn;

TEST_CASE("log_softmax: values by hand, stable at 1e4, gradient by finite differences", "[losses][log_softmax]") {
  sf::tensor<double, sf::shape<2, 3>> x;
  const double v[] = {1, 2, 3, 1e4, 0, 1e4};
  std::copy(v, v + 6, x.data());
  const sf::tensor<double, sf::shape<2, 3>> y = sf::log_softmax(x);
  const double lse0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  CHECK(y(0, 0) == Approx(1 - lse0));
  CHECK(y(0, 2) == Approx(3 - lse0));
  CHECK(y(1, 0) == Approx(-std::log(2.0)));  // two equal huge logits share the mass
  CHECK(y(1, 1) == Approx(-1e4 - std::log(2.0)));
  CHECK(std::isfinite(y(1, 1)));
  dtensor<sf::shape<sf::dyn, 5>> z = randn<sf::shape<sf::dyn, 5>>(41, 4);
  gradcheck("log_softmax", z, [](auto t) { return sf::log_softmax(t); });
}

TEST_CASE("l2_loss is sum(x^2) / 2 with gradient x", "[losses][l2_loss]") {
  sf::tensor<double, sf::shape<3>> x;
  x(0) = 1, x(1) = -2, x(2) = 0.5;
  CHECK(sf::eval(sf::l2_loss(x)).data()[0] == Approx((1 + 4 + 0.25) / 2));
  dtensor<sf::shape<sf::dyn, 3>> z = randn<sf::shape<sf::dyn, 3>>(42, 4);
  gradcheck("l2_loss", z, [](auto t) { return sf::l2_loss(t); });
}

TEST_CASE("softmax cross-entropy: v1 sends no gradient to the labels, v2 sends -log_softmax", "[losses]") {
  sf::graph g;
  auto guard = g.as_default();
  auto labels = sf::variable<double, sf::shape<2, 3>>("labels", sf::init::values({0.2, 0.3, 0.5, 1, 0, 0}));
  auto logits = sf::variable<double, sf::shape<2, 3>>("logits", sf::init::values({1, 2, 3, -1, 0, 4}));
  auto v1 = sf::reduce_sum(sf::softmax_cross_entropy_with_logits(labels, logits));
  auto v2 = sf::reduce_sum(sf::softmax_cross_entropy_with_logits_v2(labels, logits));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  CHECK(sess.run(v1).data()[0] == Approx(sess.run(v2).data()[0]));
  const auto d2 = sess.run(sf::gradients(v2, labels));
  const double lse0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const double lse1 = std::log(std::exp(-1.0) + std::exp(0.0) + std::exp(4.0));
  CHECK(d2(0, 0) == Approx(lse0 - 1));
  CHECK(d2(0, 2) == Approx(lse0 - 3));
  CHECK(d2(1, 2) == Approx(lse1 - 4));
  const auto d1 = sess.run(sf::gradients(v1, labels));
  for (std::size_t i = 0; i < d1.size(); ++i) CHECK(d1.data()[i] == 0.0);
  // Both send the same gradient to the logits.
  const auto l1 = sess.run(sf::gradients(v1, logits));
  const auto l2 = sess.run(sf::gradients(v2, logits));
  for (std::size_t i = 0; i < l1.size(); ++i) CHECK(l1.data()[i] == Approx(l2.data()[i]));
  // And v2's label gradient agrees with finite differences.
  dtensor<sf::shape<sf::dyn, 3>> y = randn<sf::shape<sf::dyn, 3>>(43, 4);
  make_positive(y);
  const dtensor<sf::shape<sf::dyn, 3>> x = randn<sf::shape<sf::dyn, 3>>(44, 4);
  gradcheck("softmax CE v2 wrt labels", y, [&](auto t) { return sf::softmax_cross_entropy_with_logits_v2(t, x); });
}

TEST_CASE("moments over chosen axes, with and without keepdims", "[losses][moments]") {
  // x[n, h, c] = n + 10 h + 100 c over [2, 3, 2]: per channel over axes (0, 1), per (n, c) over axis 1.
  sf::tensor<double, sf::shape<2, 3, 2>> x;
  for (int n = 0; n < 2; ++n)
    for (int h = 0; h < 3; ++h)
      for (int c = 0; c < 2; ++c) x(n, h, c) = n + 10 * h + 100 * c;
  {
    const auto [mean, variance] = sf::moments<0, 1>(x);
    static_assert(std::is_same_v<sf::shape_of_t<decltype(mean)>, sf::shape<2>>);
    const sf::tensor<double, sf::shape<2>> m = mean, v = variance;
    CHECK(m(0) == Approx(0.5 + 10));  // n averages 0.5, h averages 1
    CHECK(m(1) == Approx(100.5 + 10));
    CHECK(v(0) == Approx(0.25 + 100 * 2.0 / 3));  // var(n) + var(10 h), independent
  }
  {
    const auto [mean, variance] = sf::moments<1>(x);  // not a leading axis
    static_assert(std::is_same_v<sf::shape_of_t<decltype(mean)>, sf::shape<2, 2>>);
    const sf::tensor<double, sf::shape<2, 2>> m = mean, v = variance;
    CHECK(m(1, 0) == Approx(1 + 10));
    CHECK(m(0, 1) == Approx(100 + 10));
    CHECK(v(1, 1) == Approx(100 * 2.0 / 3));
  }
  {
    const auto [mean, variance] = sf::moments<-2>(x, sf::keepdims);
    static_assert(std::is_same_v<sf::shape_of_t<decltype(mean)>, sf::shape<2, 1, 2>>);
    const sf::tensor<double, sf::shape<2, 1, 2>> v = variance;
    CHECK(v(0, 0, 0) == Approx(100 * 2.0 / 3));
  }
  dtensor<sf::shape<sf::dyn, 3, 2>> z = randn<sf::shape<sf::dyn, 3, 2>>(45, 2);
  gradcheck("moments<1> variance", z, [](auto t) { return sf::moments<1>(t).second; });
  gradcheck("moments<0, 2> mean", z, [](auto t) { return sf::moments<0, 2>(t).first; });
}
