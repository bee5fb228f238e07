// SPDX-License-Identifier: MIT
/// \file
/// \brief The book's moving-average example (seed 4.4.3): decay = min(0.99, (1+n)/(10+n)).
#include <staticflow/staticflow.hpp>

#include <cstdio>

namespace sf = staticflow;

int main() {
  auto v1 = sf::variable<float, sf::shape<>>("v1", sf::init::zeros());
  auto step = sf::variable<std::int64_t, sf::shape<>>("step", sf::init::zeros(), /*trainable*/ false);
  auto averages = sf::train::apply_moving_averages(sf::train::exponential_moving_average(0.99), step, v1);
  auto shadow = averages.average(v1);

  sf::session<sf::host> sess;
  sess.run(sf::global_variables_initializer());
  auto show = [&] { std::printf("[%g, %g]\n", sess.read_scalar(v1), sess.read_scalar(shadow)); };
  show();  // [0, 0]

  sess.write_scalar(v1, 5.f);
  sess.run(averages);  // decay = min(0.99, 1/10) = 0.1: 0.1 * 0 + 0.9 * 5
  show();              // [5, 4.5]

  sess.write_scalar(step, std::int64_t{10000});
  sess.write_scalar(v1, 10.f);
  sess.run(averages);  // decay = min(0.99, 10001/10010) = 0.99: 0.99 * 4.5 + 0.01 * 10
  show();              // [10, 4.555]

  sess.run(averages);
  show();  // [10, 4.60945]
}
