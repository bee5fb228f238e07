// expect: dtype differs
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief Feeding a double tensor to a float placeholder does not compile (no silent casts).
#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

int main() {
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  sf::session<sf::host> sess;
  const auto xs = sf::constant<double, sf::shape<sf::dyn, 2>>({1.0, 2.0, 3.0, 4.0});
  auto out = sess.run(x * 2.0f, sf::feed(x, xs));
  return static_cast<int>(out.size());
}
