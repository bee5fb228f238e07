// expect: sf::one_hot: the indices must be an integer expression
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief one_hot of float indices does not compile (TF: indices must be an integer type).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<3>> indices;
  auto hot = sf::eval(sf::one_hot<4>(indices));
  return static_cast<int>(hot.size());
}
