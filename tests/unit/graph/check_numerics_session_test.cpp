// SPDX-License-Identifier: MIT
/// \file
/// \brief device_config::check_numerics (TF 1.x's add_check_numerics_ops): every value a run
/// computes and every gradient of a step checked, the first NaN or infinity named with the op
/// that produced it; a training step that finds one throws before it updates anything.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;
using Catch::Matchers::Contains;

namespace {
sf::device_config checked() {
  sf::device_config c;
  c.check_numerics = true;
  return c;
}
}  // namespace

TEST_CASE("check_numerics option: a NaN made by an elementwise op is named when fetched", "[graph][check_numerics]") {
  sf::graph g;
  auto w = g.variable<double, sf::shape<2>>("w", sf::init::values({0.0, 4.0}));
  sf::session<sf::host> plain(g), sess(g, sf::host{}, checked());
  plain.run(sf::global_variables_initializer());
  sess.run(sf::global_variables_initializer());
  // Without the option the NaN comes back: log(0 - 1) = NaN.
  CHECK(std::isnan(plain.run(sf::log(w - 1.0)).data()[0]));
  CHECK_THROWS_WITH(sess.run(sf::log(w - 1.0)), Contains("the output of sf::log: NaN at flat index 0 of 2"));
  // Finite values pass.
  CHECK(sess.run(sf::sqrt(w)).data()[1] == 2.0);
}

TEST_CASE("check_numerics option: the first materialised op whose output is bad is named", "[graph][check_numerics]") {
  sf::graph g;
  auto x = g.variable<double, sf::shape<1, 2>>("x", sf::init::values({1.0, 1e300}));
  auto w = g.variable<double, sf::shape<2, 2>>("w", sf::init::values({1.0, 2.0, 3.0, 1e300}));
  sf::session<sf::host> sess(g, sf::host{}, checked());
  sess.run(sf::global_variables_initializer());
  // [1, 1e300] x [[1, 2], [3, 1e300]] = [1 + 3e300, 2 + 1e600]: the second overflows to +inf in
  // the product; the reduction after it is never reached.
  CHECK_THROWS_WITH(sess.run(sf::reduce_sum(sf::matmul(x, w))),
                    Contains("the output of sf::matmul: +infinity at flat index 1 of 2"));
}

TEST_CASE("check_numerics option: gradients of a step; no update when one is bad", "[graph][check_numerics][train]") {
  sf::graph g;
  auto w = g.variable<double, sf::shape<2>>("w", sf::init::values({0.0, 4.0}));
  sf::session<sf::host> sess(g, sf::host{}, checked());
  sess.run(sf::global_variables_initializer());
  // d sum(sqrt(w)) / dw = 0.5 / sqrt(w): +infinity at w = 0, an elementwise gradient that ends
  // in the variable's buffer.
  const auto loss = sf::reduce_sum(sf::sqrt(w));
  CHECK_THROWS_WITH(sess.run(sf::train::gradient_descent(0.1).minimize(loss)),
                    Contains("the gradient of variable w: +infinity at flat index 0 of 2"));
  const auto after = sess.run(w);
  CHECK(after.data()[0] == 0.0);
  CHECK(after.data()[1] == 4.0);
}

TEST_CASE("check_numerics option: a bad gradient reaching a materialised op is named", "[graph][check_numerics]") {
  sf::graph g;
  auto x = g.variable<double, sf::shape<1, 2>>("x", sf::init::values({1.0, 0.0}));
  auto w = g.variable<double, sf::shape<2, 2>>("w", sf::init::values({0.0, 1.0, 5.0, 1.0}));
  sf::session<sf::host> sess(g, sf::host{}, checked());
  sess.run(sf::global_variables_initializer());
  // matmul(x, w) = [0, 1]; sqrt's gradient 0.5 / sqrt(0) is +infinity at index 0 of the product.
  const auto loss = sf::reduce_sum(sf::sqrt(sf::matmul(x, w)));
  CHECK(sess.run(loss) == 1.0);
  CHECK_THROWS_WITH(sess.run(sf::gradients(loss, w)),
                    Contains("the gradient reaching the output of sf::matmul: +infinity at flat index 0 of 2"));
}
