// expect: float32 times bfloat16
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief bfloat16 on the left of matmul does not compile: only weights (the right operand) may
/// be bfloat16.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<sf::bfloat16, sf::shape<2, 3>> a;
  sf::tensor<float, sf::shape<3, 4>> b;
  auto c = sf::eval(sf::matmul(a, b));
  return static_cast<int>(c.size());
}
