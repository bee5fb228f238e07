// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of sf::check_numerics: values passed through, NaN and infinities named with the
/// message and the first bad flat index, in the forward pass and in the gradient flowing back.

#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "staticflow/staticflow.hpp"

#include "../autodiff/gradcheck.hpp"

namespace sf = staticflow;
using Catch::Matchers::Contains;

namespace {
constexpr float nan_f = std::numeric_limits<float>::quiet_NaN();
constexpr float inf_f = std::numeric_limits<float>::infinity();
}  // namespace

TEST_CASE("check_numerics passes finite values through", "[expr][check_numerics]") {
  sf::tensor<float, sf::shape<2, 3>> x;
  for (std::size_t i = 0; i < 6; ++i) x.span()[i] = static_cast<float>(i) - 2.5f;
  sf::tensor<float, sf::shape<2, 3>> y = sf::check_numerics(x * 2.0f, "x2");
  for (std::size_t i = 0; i < 6; ++i) CHECK(y.span()[i] == 2.0f * (static_cast<float>(i) - 2.5f));
  // large doubles are finite (no narrowing to float on the way)
  sf::tensor<double, sf::shape<1>> big;
  big.span()[0] = 1e300;
  sf::tensor<double, sf::shape<1>> same = sf::check_numerics(big, "big");
  CHECK(same.span()[0] == 1e300);
}

TEST_CASE("check_numerics names the message, the kind and the first bad index", "[expr][check_numerics]") {
  sf::tensor<float, sf::shape<2, 3>> x;
  for (std::size_t i = 0; i < 6; ++i) x.span()[i] = 1.0f;
  x.span()[4] = nan_f;
  x.span()[5] = inf_f;
  sf::tensor<float, sf::shape<2, 3>> y;
  CHECK_THROWS_MATCHES(y = sf::check_numerics(x + 1.0f, "layer 2 activations"), sf::invalid_argument,
                       Catch::Matchers::Predicate<sf::invalid_argument>([](const auto& e) {
                         return std::string(e.what()) ==
                                "sf::check_numerics: layer 2 activations: NaN at flat index 4 of 6";
                       }));
  x.span()[4] = 0.0f;
  CHECK_THROWS_WITH(y = sf::check_numerics(x, "logits"), Contains("logits: +infinity at flat index 5 of 6"));
  x.span()[1] = -inf_f;
  CHECK_THROWS_WITH(y = sf::check_numerics(x, "logits"), Contains("-infinity at flat index 1"));
}

TEST_CASE("check_numerics in a graph: a NaN made by an op is named; its gradient is the identity",
          "[expr][check_numerics][graph]") {
  sf::graph g;
  auto w = g.variable<double, sf::shape<2>>("w", sf::init::values({0.0, 4.0}));
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  // log(w - 1): log(-1) is NaN at index 0.
  CHECK_THROWS_WITH(sess.run(sf::check_numerics(sf::log(w - 1.0), "log(w - 1)")),
                    Contains("log(w - 1): NaN at flat index 0 of 2"));
  // sqrt(w) is finite, [0, 2]; its gradient 0.5 / sqrt(w) is +infinity at w = 0, and reaches
  // the check on its way back to w.
  const auto loss = sf::reduce_sum(sf::sqrt(sf::check_numerics(w, "w")));
  CHECK(sess.run(loss).data()[0] == Approx(2.0));
  CHECK_THROWS_WITH(sess.run(sf::gradients(loss, w)),
                    Contains("w: +infinity at flat index 0 of 2 (in the gradient flowing back through it)"));
  // loss = sum(check_numerics(w) * [3, 5]): dloss/dw = [3, 5], passed through unchanged.
  const auto c = sf::constant<double, sf::shape<2>>({3.0, 5.0});
  const auto grad = sess.run(sf::gradients(sf::reduce_sum(sf::check_numerics(w, "w") * c), w));
  CHECK(grad.data()[0] == 3.0);
  CHECK(grad.data()[1] == 5.0);
}

TEST_CASE("gradcheck: check_numerics inside an expression", "[autodiff][gradcheck][check_numerics]") {
  using gradcheck_detail::dtensor;
  using gradcheck_detail::randn;
  dtensor<sf::shape<3, 2>> x = randn<sf::shape<3, 2>>(5);
  gradcheck("tanh(check_numerics(x * 1.5))", x, [](auto e) { return sf::tanh(sf::check_numerics(e * 1.5, "x")); });
}
