// expect: placeholder that is not fed
// expect: "placeholder x".*"shape \[\?, 2\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief Running an expression without feeding one of its placeholders ("x") does not compile.
///
/// The expectation also wants the name: the instantiation note of the failed check names the
/// placeholder as g++ prints it (fixed_string<2>{"x"}) or as clang does (its characters, {{120, 0}}).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 1>, "y-input">();
  auto w = sf::variable<float, sf::shape<2, 1>>("w", sf::init::ones());
  auto y = sf::matmul(x, w) - y_;
  sf::session<sf::host> sess;
  sess.run(sf::global_variables_initializer());
  const auto ys = sf::constant<float, sf::shape<sf::dyn, 1>>({1.f, 0.f});
  sess.run(y, sf::feed(y_, ys));  // "x" is not fed
  return 0;
}
