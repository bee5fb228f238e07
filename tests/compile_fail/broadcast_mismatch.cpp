// expect: do not broadcast
// expect: "\[3\]".*"\[4\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief [3] + [4] does not compile: the extents neither match nor are 1.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<3>> a;
  sf::tensor<float, sf::shape<4>> b;
  auto c = sf::eval(a + b);
  return static_cast<int>(c.size());
}
