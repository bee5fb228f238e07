// expect: another dtype
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief Assigning an int expression to a float tensor does not compile without sf::cast.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<int, sf::shape<3>> i;
  sf::tensor<float, sf::shape<3>> f;
  f = i * 2;
  return static_cast<int>(f.size());
}
