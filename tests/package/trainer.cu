// SPDX-License-Identifier: MIT
/// \file
/// \brief The CUDA consumer of the packaging tests (find_package(staticflow COMPONENTS cuda)):
/// tests/package/trainer.cpp's network, trained by a session on the GPU. Without a GPU it says so
/// and exits 77, which the test reads as "compiled, not run".
#include <staticflow/cuda.hpp>

#include <cstddef>
#include <cstdio>

namespace sf = staticflow;

int main() {
  if (!sf::cuda_available()) {
    std::printf("staticflow %d.%d.%d: compiled for CUDA; not run: %s\n", STATICFLOW_VERSION_MAJOR,
                STATICFLOW_VERSION_MINOR, STATICFLOW_VERSION_PATCH, sf::cuda_unavailable_reason().c_str());
    return 77;
  }
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

  sf::session<sf::cuda> sess;
  sess.run(sf::global_variables_initializer());
  const float first = sess.run(loss, sf::feed(x, xs), sf::feed(y_, ys));
  float last = first;
  for (int i = 0; i < 100; ++i) last = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  std::printf("staticflow %d.%d.%d: loss %.4f -> %.4f after 100 SGD steps on %s\n", STATICFLOW_VERSION_MAJOR,
              STATICFLOW_VERSION_MINOR, STATICFLOW_VERSION_PATCH, first, last, sf::cuda_device_name().c_str());
  return last < first / 5 ? 0 : 1;
}
