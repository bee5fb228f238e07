// expect: sf::transpose: Perm must list every axis of the operand exactly once
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief transpose<0, 0> of a rank-2 tensor does not compile (axis 0 twice, axis 1 missing).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3>> a;
  auto t = sf::eval(sf::transpose<0, 0>(a));
  return static_cast<int>(t.size());
}
