// expect: sf::summary::scalar: the value must be a scalar \(rank 0\); reduce it first
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief summary::scalar of a vector does not compile (tf.summary.scalar needs a scalar).
#include "staticflow/staticflow.hpp"
#include "staticflow/summary.hpp"

namespace sf = staticflow;

int main() {
  sf::graph g;
  auto w = g.variable<float, sf::shape<3>>("w", sf::init::zeros());
  sf::session<sf::host> sess(g);
  const std::string s = sess.run(sf::summary::scalar("w", w));
  return static_cast<int>(s.size());
}
