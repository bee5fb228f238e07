// expect: must be fully static
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A variable's shape must be known at compile time: a dyn extent does not compile.
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  auto w = sf::variable<float, sf::shape<sf::dyn, 3>>("w", sf::init::zeros());
  return static_cast<int>(w.name().size());
}
