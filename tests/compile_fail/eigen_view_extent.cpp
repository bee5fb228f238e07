// expect: the shape's second extent differs from the Eigen matrix's columns
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::eigen::view checks the shape against Eigen's compile-time extents: 784 columns are
/// not 10.
#include "staticflow/interop/eigen.hpp"

namespace sf = staticflow;

int main() {
  Eigen::Matrix<float, Eigen::Dynamic, 784, Eigen::RowMajor> images(2, 784);
  auto v = sf::eigen::view<sf::shape<sf::dyn, 10>>(images);
  return static_cast<int>(v.size());
}
