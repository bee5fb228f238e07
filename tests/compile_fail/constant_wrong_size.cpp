// expect: number of values differs
// expect: "shape \[3\]".*"2 values"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief constant<float, shape<3>> from two values does not compile.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  auto c = sf::constant<float, sf::shape<3>>({1.f, 2.f});
  return static_cast<int>(c.size());
}
