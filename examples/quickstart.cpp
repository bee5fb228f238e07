// SPDX-License-Identifier: MIT
/// \file
/// \brief Quick start: compile-time-shaped tensors and a fused expression (the README's taste).
#include <staticflow/staticflow.hpp>

#include <iostream>

namespace sf = staticflow;

int main() {
  const std::size_t batch = 2;
  sf::tensor<float, sf::shape<sf::dyn, 3>> a(batch);  // runtime batch extent
  a = sf::random_normal<float, sf::shape<sf::dyn, 3>>(0.f, 1.f, /*seed*/ 7, batch);
  sf::tensor<float, sf::shape<3>> b = sf::constant<float, sf::shape<3>>({1, 2, 3});
  auto y = sf::relu(a * b + 1.f);  // an expression: nothing computed yet
  sf::tensor<float, sf::shape<sf::dyn, 3>> out = y;  // one fused pass, no temporaries
  std::cout << "a =\n" << a << "\nrelu(a * b + 1) =\n" << out << "\n";
  std::cout << "row sums: " << sf::eval(sf::reduce_sum<1>(out)) << "\n";
  std::cout << "matmul with b as a column: " << sf::eval(sf::matmul(a, b.reshape<sf::shape<3, 1>>())) << "\n";
}
