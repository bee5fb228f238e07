// SPDX-License-Identifier: MIT
/// \file
/// \brief The book's first forward propagation (seed 3.4.4): x = [[0.7, 0.9]] through a 2-3-1
/// network whose weights are drawn with stddev 1 and seed 1.
#include <staticflow/staticflow.hpp>

#include <iostream>

namespace sf = staticflow;

int main() {
  auto w1 = sf::variable<float, sf::shape<2, 3>>("w1", sf::init::random_normal(/*stddev*/ 1, /*seed*/ 1));
  auto w2 = sf::variable<float, sf::shape<3, 1>>("w2", sf::init::random_normal(1, 1));
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "input">();

  auto a = sf::matmul(x, w1);  // [?, 3]
  auto y = sf::matmul(a, w2);  // [?, 1]

  sf::session<sf::host> sess;
  sess.run(sf::global_variables_initializer());
  std::cout << "w1 =\n" << sess.value(w1) << "\nw2 =\n" << sess.value(w2) << "\n";

  const auto input = sf::constant<float, sf::shape<sf::dyn, 2>>({0.7f, 0.9f});
  std::cout << "y = " << sess.run(y, sf::feed(x, input)) << "\n";

  const auto batch = sf::constant<float, sf::shape<sf::dyn, 2>>({0.7f, 0.9f, 0.1f, 0.4f, 0.5f, 0.8f});
  std::cout << "y for a batch of 3 =\n" << sess.run(y, sf::feed(x, batch)) << "\n";
}
