// expect: explicit sf::cast
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief float + double does not compile: dtypes never mix implicitly.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<3>> a;
  sf::tensor<double, sf::shape<3>> b;
  auto c = sf::eval(a + b);
  return static_cast<int>(c.size());
}
