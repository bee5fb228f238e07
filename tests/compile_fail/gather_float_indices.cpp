// expect: sf::gather: indices must be int32 or int64
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief gather with float indices does not compile (TF: indices must be int32 or int64).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<4, 3>> params;
  sf::tensor<float, sf::shape<2>> indices;
  auto rows = sf::eval(sf::gather(params, indices));
  return static_cast<int>(rows.size());
}
