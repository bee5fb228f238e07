// expect: inner extents differ
// expect: "\[\?, 784\] x \[500, 10\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A [?, 784] by [500, 10] product does not compile: the inner extents are static and differ.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<sf::dyn, 784>> x(2);
  sf::tensor<float, sf::shape<500, 10>> w;
  auto y = sf::eval(sf::matmul(x, w));
  return static_cast<int>(y.size());
}
