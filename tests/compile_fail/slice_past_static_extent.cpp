// expect: parameters do not fit the operand's static shape
// expect: "sf::slice".*"operand \[2, 3\]".*"the slice reaches past the end
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief slice<begin [1, 0], size [2, 3]> of a [2, 3] tensor does not compile (rows 1..2 of 2).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3>> a;
  auto s = sf::eval(sf::slice<sf::ints<1, 0>, sf::ints<2, 3>>(a));
  return static_cast<int>(s.size());
}
