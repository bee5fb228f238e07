// SPDX-License-Identifier: MIT
/// \file
/// \brief Sparse softmax cross-entropy (against the one-hot version and by hand) and the typed
/// losses collection.
#include <catch2/catch.hpp>

#include <cmath>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;

TEST_CASE("sparse softmax cross-entropy equals the one-hot form, value and gradient", "[losses]") {
  sf::graph g;
  auto guard = g.as_default();
  auto logits = sf::variable<double, sf::shape<3, 4>>("logits", sf::init::values({1, 2, 3, 4, -1, 0, 5e3, 1, 0.5, 0.5, 0.5, 0.5}));
  auto labels = sf::constant<std::int64_t, sf::shape<3>>({3, 2, 0});
  auto one_hot = sf::constant<double, sf::shape<3, 4>>({0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0});
  auto sparse = sf::sparse_softmax_cross_entropy_with_logits(labels, logits);
  auto dense = sf::softmax_cross_entropy_with_logits(one_hot, logits);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto a = sess.run(sparse);
  const auto b = sess.run(dense);
  // By hand: row 0 = log(e + e^2 + e^3 + e^4) - 4; row 1 = 0 (label is the huge logit); row 2 = log 4.
  CHECK(a(0) == Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + std::exp(4.0)) - 4));
  CHECK(a(1) == Approx(0.0).margin(1e-12));
  CHECK(a(2) == Approx(std::log(4.0)));
  for (int r = 0; r < 3; ++r) CHECK(a(r) == Approx(b(r)));
  const auto ga = sess.run(sf::gradients(sf::reduce_sum(sparse), logits));
  const auto gb = sess.run(sf::gradients(sf::reduce_sum(dense), logits));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) CHECK(ga(r, c) == Approx(gb(r, c)).margin(1e-12));
  CHECK(ga(2, 0) == Approx(0.25 - 1));
}

TEST_CASE("a losses collection sums its terms, and its gradient is the sum of theirs", "[losses]") {
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<2>>("w", sf::init::values({1.0, -3.0}));
  const auto l1 = sf::train::l1_regularizer(0.5);
  const auto l2 = sf::train::l2_regularizer(0.1);
  auto losses = sf::losses_collection<>().add(l1(w)).add(l2(w)).add(sf::reduce_sum(w * 2.0));
  static_assert(decltype(losses)::size() == 3);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  // 0.5 * (1 + 3) + 0.1 * (1 + 9) / 2 + 2 * (1 - 3)
  CHECK(sess.run(losses.total()).data()[0] == Approx(2.0 + 0.5 - 4.0));
  const auto dw = sess.run(sf::gradients(losses.total(), w));
  CHECK(dw(0) == Approx(0.5 + 0.1 * 1.0 + 2.0));
  CHECK(dw(1) == Approx(-0.5 + 0.1 * -3.0 + 2.0));
}
