// SPDX-License-Identifier: MIT
/// \file
/// \brief Assignments that read their own destination: elementwise ones work in place; ones
/// that move elements (transpose, reverse, matmul, reductions) must see the old values.
#include <catch2/catch.hpp>

#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

namespace {
template <class T>
std::vector<float> values(const T& t) {
  return {t.data(), t.data() + t.size()};
}
}  // namespace

TEST_CASE("an assignment that moves elements of its destination sees the old values", "[assign]") {
  sf::tensor<float, sf::shape<3, 3>> s = sf::constant<float, sf::shape<3, 3>>({0, 1, 2, 3, 4, 5, 6, 7, 8});
  s = sf::transpose(s);
  REQUIRE(values(s) == std::vector<float>{0, 3, 6, 1, 4, 7, 2, 5, 8});

  sf::tensor<float, sf::shape<5>> v = sf::constant<float, sf::shape<5>>({0, 1, 2, 3, 4});
  v = sf::reverse<0>(v) + 1.f;
  REQUIRE(values(v) == std::vector<float>{5, 4, 3, 2, 1});

  sf::tensor<float, sf::shape<2, 2>> m = sf::constant<float, sf::shape<2, 2>>({1, 2, 3, 4});
  m = sf::matmul(m, m);  // [[1 2][3 4]]^2 = [[7 10][15 22]]
  REQUIRE(values(m) == std::vector<float>{7, 10, 15, 22});

  sf::tensor<float, sf::shape<4>> w = sf::constant<float, sf::shape<4>>({1, 2, 3, 4});
  w = w - sf::reduce_mean(w);  // the mean of the old values, 2.5
  REQUIRE(values(w) == std::vector<float>{-1.5f, -0.5f, 0.5f, 1.5f});
}

TEST_CASE("elementwise assignments and moves of other tensors are unchanged", "[assign]") {
  sf::tensor<float, sf::shape<4>> a = sf::constant<float, sf::shape<4>>({1, 2, 3, 4});
  a = a * 2.f + 1.f;
  REQUIRE(values(a) == std::vector<float>{3, 5, 7, 9});
  sf::tensor<float, sf::shape<2, 2>> b = sf::constant<float, sf::shape<2, 2>>({1, 2, 3, 4});
  sf::tensor<float, sf::shape<2, 2>> c = sf::transpose(b);
  REQUIRE(values(c) == std::vector<float>{1, 3, 2, 4});
}
