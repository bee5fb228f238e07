// expect: parameters do not fit the operand's static shape
// expect: "sf::pad \(REFLECT\)".*"operand \[2, 3\]".*"REFLECT padding must be below
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief REFLECT padding of 3 on an axis of extent 3 does not compile (at most extent - 1 = 2).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3>> a;
  auto p = sf::eval(sf::pad<sf::ints<0, 0, 3, 0>, sf::pad_mode::reflect>(a));
  return static_cast<int>(p.size());
}
