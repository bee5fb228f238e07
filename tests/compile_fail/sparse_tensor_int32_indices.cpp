// expect: sf::sparse_tensor: indices must be int64
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief a sparse tensor with int32 indices does not compile (TF's SparseTensor indices are int64).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<std::int32_t, sf::shape<3, 2>> indices;
  sf::tensor<std::int64_t, sf::shape<3>> ids;
  auto sp = sf::make_sparse_tensor(indices, ids, {2, 5});
  return static_cast<int>(sp.dense_shape[0]);
}
