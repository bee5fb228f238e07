// expect: include staticflow/cuda.hpp
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A CUDA tensor in a host translation unit (no nvcc, no staticflow/cuda.hpp) does not compile.
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<3>, sf::cuda> t;
  return static_cast<int>(t.size());
}
