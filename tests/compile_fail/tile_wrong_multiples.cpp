// expect: sf::tile: give one multiple per axis of the operand
// expect: "operand \[2, 3\]".*"multiples \[2\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief tile<2> of a rank-2 tensor does not compile (two multiples needed).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3>> a;
  auto t = sf::eval(sf::tile<2>(a));
  return static_cast<int>(t.size());
}
