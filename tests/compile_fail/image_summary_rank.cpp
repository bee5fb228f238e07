// expect: sf::summary::image_summary: images are \[N, H, W, C\] or \[H, W, C\]
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief An image summary of a matrix does not compile (images need a channel axis).
#include "staticflow/core/tensor.hpp"
#include "staticflow/summary/image.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<28, 28>> digit;
  return static_cast<int>(sf::summary::image_summary("digit", digit, 1).size());
}
