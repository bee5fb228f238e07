// expect: segment_ids must be int32 or int64
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief segment_sum with float segment ids does not compile (TF: int32 or int64).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<4, 3>> data;
  sf::tensor<float, sf::shape<4>> ids;
  auto sums = sf::eval(sf::segment_sum(data, ids, 2));
  return static_cast<int>(sums.size());
}
