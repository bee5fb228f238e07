// expect: sf::check_numerics: the tensor must hold floating-point values
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief check_numerics of an integer tensor does not compile (integers are never NaN; TF's
/// CheckNumerics takes floating types only).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<std::int32_t, sf::shape<4>> counts;
  auto checked = sf::eval(sf::check_numerics(counts * 2, "counts"));
  return static_cast<int>(checked.size());
}
