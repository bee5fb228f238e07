// expect: a temporary Eigen matrix would be freed before the view is used
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::eigen::view of a temporary Eigen matrix does not compile: the view would dangle.
#include "staticflow/interop/eigen.hpp"

namespace sf = staticflow;

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

int main() {
  auto v = sf::eigen::view<sf::shape<sf::dyn, 4>>(row_major(3, 4));
  return static_cast<int>(v.size());
}
