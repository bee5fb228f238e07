// expect: sf::gradients: x must be a variable, a placeholder, a tensor or a materialised op
// SPDX-License-Identifier: MIT
/// \file
/// \brief tf.gradients(y, x) with x an elementwise expression does not compile: a copy of it
/// inside y cannot be told from another expression of its type, so the message says what x may be.
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  auto w = sf::variable<float, sf::shape<2>>("w", sf::init::ones());
  auto h = sf::sigmoid(w * 2.f);
  auto y = sf::reduce_sum(sf::square(h));
  sf::session<sf::host> sess;
  sess.run(sf::global_variables_initializer());
  sess.run(sf::gradients(y, h));
  return 0;
}
