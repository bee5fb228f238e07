// expect: sf::embedding_lookup: params must be a 2-D table \[vocabulary, dim\]
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief embedding_lookup of a rank-3 params does not compile (TF's embedding tables are 2-D).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  sf::tensor<float, sf::shape<4, 3, 2>> params;
  sf::tensor<std::int64_t, sf::shape<2>> ids;
  auto rows = sf::eval(sf::embedding_lookup(params, ids));
  return static_cast<int>(rows.size());
}
