// expect: sf::reshape: the new shape must hold the same number of elements
// expect: "from \[2, 3\]".*"to \[4, 2\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief Reshaping [2, 3] (6 elements) to [4, 2] (8) does not compile; both shapes are in the message.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"
#include "staticflow/expr/reshape.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3>> a;
  auto r = sf::eval(sf::reshape<sf::shape<4, 2>>(a) * 2.0f);
  return static_cast<int>(r.size());
}
