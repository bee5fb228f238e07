// expect: the input's columns differ from the quantized weights' rows
// expect: "input \[1, 100\]".*"weights \[784, 500\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief Quantized weights [784, 500] cannot multiply an input of 100 columns.
#include "staticflow/staticflow.hpp"
#include "staticflow/expr/quantized.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<784, 500>> w;
  const auto wq = sf::quantize(w);
  sf::tensor<float, sf::shape<1, 100>> x;
  auto y = sf::eval(sf::matmul(x, wq));
  return static_cast<int>(y.size());
}
