// SPDX-License-Identifier: MIT
/// \file
/// \brief Inverted dropout: the keep rate, the 1 / (1 - rate) scale, a gradient that uses the
/// forward pass's own mask, a new mask every run, and the identity at inference.
#include <catch2/catch.hpp>

#include <cmath>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
namespace nn = staticflow::nn;

TEST_CASE("dropout keeps 1 - rate of the elements, scaled, with the gradient on the same mask", "[nn][dropout]") {
  sf::graph g;
  auto guard = g.as_default();
  constexpr std::size_t n = 20000;
  auto x = sf::variable<double, sf::shape<n>>("x", sf::init::ones());
  auto runs = sf::variable<std::int64_t, sf::shape<>>("runs", sf::init::zeros(), false);
  auto y = sf::dropout(runs, x, 0.25, /*seed*/ 11);
  auto grads = sf::compute_gradients(sf::reduce_sum(y));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());

  const double total = sess.run(grads);
  const auto dx = sess.gradient(x);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE((dx(i) == 0.0 || dx(i) == Approx(1 / 0.75)));
    kept += dx(i) != 0.0;
  }
  // The loss is the sum of the kept elements, each 1 / 0.75: the gradient saw the same mask.
  CHECK(total == Approx(kept / 0.75));
  // Binomial(n, 0.75): within 5 standard deviations.
  const double sd = std::sqrt(n * 0.75 * 0.25);
  CHECK(std::abs(double(kept) - 0.75 * n) < 5 * sd);
  CHECK(sess.read_scalar(runs) == 1);

  // The next run draws another mask.
  sess.run(grads);
  const auto dx2 = sess.gradient(x);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < n; ++i) differ += (dx(i) == 0.0) != (dx2(i) == 0.0);
  CHECK(differ > n / 10);

  CHECK_THROWS_AS(sf::dropout(runs, x, 1.0, 1), sf::invalid_argument);
}

TEST_CASE("a dropout layer is active in training and the identity at inference", "[nn][dropout]") {
  using net = nn::sequential<nn::input<8>, nn::dropout<0.5>>;
  static_assert(std::is_same_v<net::output_shape, sf::shape<sf::dyn, 8>>);
  static_assert(net::parameter_count == 0);
  sf::graph g;
  nn::model<net, float> m(g, 3);
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 8>, "x">();
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto xs = sf::ones<float, sf::shape<sf::dyn, 8>>(4);
  const auto inference = sess.run(m(x), sf::feed(x, xs));
  for (std::size_t i = 0; i < inference.size(); ++i) CHECK(inference.data()[i] == 1.0f);
  const auto training = sess.run(m.training(x), sf::feed(x, xs));
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < training.size(); ++i) {
    CHECK((training.data()[i] == 0.0f || training.data()[i] == 2.0f));
    zeros += training.data()[i] == 0.0f;
  }
  CHECK(zeros > 0);
  CHECK(zeros < training.size());
}
