// expect: axis is out of range
// expect: check_axes<staticflow::ops::sum_reducer, 2, 2>
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief reduce_sum<2> of a rank-2 tensor does not compile (valid axes are -2..1).
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<2, 3>> a;
  auto s = sf::eval(sf::reduce_sum<2>(a));
  return static_cast<int>(s.size());
}
