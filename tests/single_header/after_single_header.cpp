// SPDX-License-Identifier: MIT
/// \file
/// \brief The single header first, then original headers from include/: must compile (each
/// original's guard is already defined by the single header's copy of it).
#include <staticflow/staticflow.hpp>  // single_include/ is first on the include path

#ifndef STATICFLOW_SINGLE_HEADER
#error "the single header was not the one included (include path order)"
#endif

#include <staticflow/core/tensor.hpp>
#include <staticflow/data/mnist.hpp>
#include <staticflow/expr/quantized.hpp>
#include <staticflow/graph/session.hpp>
#include <staticflow/nn/trainer.hpp>
#include <staticflow/device/host/quantized.hpp>

namespace sf = staticflow;

int main() {
  // The quantized product is in the single header itself.
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 4>, "x">();
  auto w = sf::variable<float, sf::shape<4, 3>>("w", sf::init::random_normal(1, 1));
  sf::session<sf::host> sess;
  sess.run(sf::global_variables_initializer());
  const auto w_q = sf::quantize(sess.value(w));
  const sf::tensor<float, sf::shape<sf::dyn, 4>> xs = sf::ones<float, sf::shape<sf::dyn, 4>>(2);
  return sess.run(sf::matmul(x, w_q), sf::feed(x, xs)).dim(0) == 2 ? 0 : 1;
}
