// SPDX-License-Identifier: MIT
/// \file
/// \brief The network and data every packaging consumer trains, on the host (trainer.cpp) or on
/// CUDA (trainer.cu): a 4-8-1 dense network, 100 SGD steps on 64 examples of
/// y = x0 - 2 x1 + x2 x3 / 2 on [-1, 1)^4. The includer brings staticflow's headers.
#pragma once

#include <cstddef>
#include <utility>

/// The loss before and after 100 steps on a session of `Policy`.
template <class Policy>
std::pair<float, float> train_small_network() {
  namespace sf = staticflow;
  constexpr std::size_t n = 64;
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 4>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 1>, "y">();
  auto w1 = sf::variable<float, sf::shape<4, 8>>("w1", sf::init::random_normal(/*stddev*/ 0.5, /*seed*/ 1));
  auto b1 = sf::variable<float, sf::shape<8>>("b1", sf::init::zeros());
  auto w2 = sf::variable<float, sf::shape<8, 1>>("w2", sf::init::random_normal(0.5, 2));
  auto y = sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2);
  auto loss = sf::reduce_mean(sf::square(y_ - y));
  auto step = sf::minimize(sf::train::gradient_descent(0.05), loss);

  const sf::tensor<float, sf::shape<sf::dyn, 4>> xs = sf::random_uniform<float, sf::shape<sf::dyn, 4>>(-1.f, 1.f, 3, n);
  sf::tensor<float, sf::shape<sf::dyn, 1>> ys(n);
  for (std::size_t i = 0; i < n; ++i) ys(i, 0) = xs(i, 0) - 2 * xs(i, 1) + 0.5f * xs(i, 2) * xs(i, 3);

  sf::session<Policy> sess;
  sess.run(sf::global_variables_initializer());
  const float first = sess.run(loss, sf::feed(x, xs), sf::feed(y_, ys));
  float last = first;
  for (int i = 0; i < 100; ++i) last = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  return {first, last};
}
