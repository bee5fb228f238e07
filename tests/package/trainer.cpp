// SPDX-License-Identifier: MIT
/// \file
/// \brief The program every packaging test builds, each way a user consumes staticflow (the
/// README's "Using it in your project" blocks, run verbatim by tests/package/consume.sh): a small
/// dense network trained by SGD on generated data. It exits 0 only if the loss fell to a fifth.
///
/// It includes only the headers it uses (a third of the umbrella's compile time): the host
/// executor first, then the graph API and the optimisers. The single header (single_include/) has
/// one file, staticflow/staticflow.hpp, which it includes instead.
#if __has_include(<staticflow/device/host/executor.hpp>)
#include <staticflow/device/host/executor.hpp>  // the host's kernels: before anything runs on sf::host
#include <staticflow/graph/session.hpp>
#include <staticflow/train/optimizer.hpp>
#else
#include <staticflow/staticflow.hpp>
#endif

#include <cstddef>
#include <cstdio>

namespace sf = staticflow;

int main() {
  constexpr std::size_t n = 64;  // examples of y = x0 - 2 x1 + x2 x3 / 2 on [-1, 1)^4
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

  sf::session<sf::host> sess;
  sess.run(sf::global_variables_initializer());
  const float first = sess.run(loss, sf::feed(x, xs), sf::feed(y_, ys));
  float last = first;
  for (int i = 0; i < 100; ++i) last = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  std::printf("staticflow %d.%d.%d: loss %.4f -> %.4f after 100 SGD steps\n", STATICFLOW_VERSION_MAJOR,
              STATICFLOW_VERSION_MINOR, STATICFLOW_VERSION_PATCH, first, last);
  return last < first / 5 ? 0 : 1;
}
