// expect: rank 2
// expect: "\[2, 3, 4\] x \[4, 5\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief matmul of a rank-3 operand does not compile.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3, 4>> a;
  sf::tensor<float, sf::shape<4, 5>> b;
  auto c = sf::eval(sf::matmul(a, b));
  return static_cast<int>(c.size());
}
