// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::check_numerics and device_config::check_numerics on sf::cuda: values and
/// gradients in device memory are checked (copied to the host) with the host's messages.
#include <catch2/catch.hpp>

#include <string>

#include "staticflow/cuda.hpp"

namespace sf = staticflow;
using Catch::Matchers::Contains;

TEST_CASE("cuda: check_numerics passes values, names a NaN and checks the gradient", "[cuda][check_numerics]") {
  sf::graph g;
  auto w = g.variable<float, sf::shape<2>>("w", sf::init::values({0.0f, 4.0f}));
  sf::session<sf::cuda> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto ok = sess.run(sf::check_numerics(w * 2.0f, "w2"));
  CHECK(ok.data()[1] == 8.0f);
  CHECK_THROWS_WITH(sess.run(sf::check_numerics(sf::log(w - 1.0f), "log(w - 1)")),
                    Contains("log(w - 1): NaN at flat index 0 of 2"));
  const auto loss = sf::reduce_sum(sf::sqrt(sf::check_numerics(w, "w")));
  CHECK_THROWS_WITH(sess.run(sf::gradients(loss, w)), Contains("w: +infinity at flat index 0 of 2 (in the gradient"));
}

TEST_CASE("cuda: device_config::check_numerics names the op and the variable", "[cuda][check_numerics]") {
  sf::graph g;
  auto w = g.variable<float, sf::shape<2>>("w", sf::init::values({0.0f, 4.0f}));
  sf::device_config config;
  config.check_numerics = true;
  sf::session<sf::cuda> sess(g, sf::cuda{0}, config);
  sess.run(sf::global_variables_initializer());
  CHECK_THROWS_WITH(sess.run(sf::log(w - 1.0f)), Contains("the output of sf::log: NaN at flat index 0 of 2"));
  CHECK_THROWS_WITH(sess.run(sf::train::gradient_descent(0.1f).minimize(sf::reduce_sum(sf::sqrt(w)))),
                    Contains("the gradient of variable w: +infinity at flat index 0 of 2"));
  const auto after = sess.run(w);
  CHECK(after.data()[0] == 0.0f);
}
