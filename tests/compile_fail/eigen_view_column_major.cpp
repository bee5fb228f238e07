// expect: this Eigen matrix is column-major \(Eigen's default\), which a row-major tensor cannot view
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::eigen::view of Eigen's default (column-major) MatrixXf does not compile: a row-major
/// tensor cannot see its elements in order; the message says to use Eigen::RowMajor.
#include "staticflow/interop/eigen.hpp"

namespace sf = staticflow;

int main() {
  Eigen::MatrixXf m(3, 4);
  auto v = sf::eigen::view<sf::shape<sf::dyn, 4>>(m);
  return static_cast<int>(v.size());
}
