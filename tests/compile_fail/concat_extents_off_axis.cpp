// expect: sf::concat: the parts' ranks, or their extents off the concatenation axis, differ
// expect: "\[2, 3\]".*"\[1, 4\]".*"axis 0"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief concat<0> of [2, 3] and [1, 4] does not compile: the extents off the axis (3, 4) are static and differ.
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3>> a;
  sf::tensor<float, sf::shape<1, 4>> b;
  auto c = sf::eval(sf::concat<0>(a, b));
  return static_cast<int>(c.size());
}
