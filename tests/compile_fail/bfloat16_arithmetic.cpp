// expect: bfloat16 is a storage dtype
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief Adding bfloat16 tensors does not compile: bfloat16 stores weights, float32 computes.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<sf::bfloat16, sf::shape<3>> a;
  auto c = sf::eval(a + a);
  return static_cast<int>(c.size());
}
