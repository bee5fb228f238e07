// SPDX-License-Identifier: MIT
/// \file
/// \brief What a user writes, compiled by the `warnings_*` tests with -Wall -Wextra -Wpedantic
/// -Werror: the umbrella header, the headers it leaves out, and the option structs filled with
/// designated initializers naming only some fields (-Wmissing-field-initializers warns there when
/// a member has no default member initializer).
#include <staticflow/staticflow.hpp>
#include <staticflow/expr/quantized.hpp>

#include <cstdio>

namespace sf = staticflow;

using net = sf::nn::sequential<sf::nn::input<4>, sf::nn::dense<3>, sf::nn::relu, sf::nn::dense<10>>;

int main(int argc, char**) {
  if (argc > 1) {  // never run: compiled for its warnings only
    auto data = sf::data::read_data_sets("data/mnist", {.one_hot = true});
    sf::nn::classifier<net, sf::train::adam> trainer(sf::train::adam(0.001));
    trainer.fit(data.train, {.epochs = 10, .batch = 64});
    std::printf("%g\n", trainer.evaluate(data.test));
    const sf::data::idx_array labels = sf::data::read_idx("labels", {.role = "labels", .rank = 1});
    std::printf("%zu\n", labels.dims.size());
  }
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 4>, "x">();
  auto w = sf::variable<float, sf::shape<4, 3>>("w", sf::init::random_normal(1, 1));
  sf::session<sf::host> sess(sf::default_graph(), sf::host{}, {.allow_soft_placement = true});
  sess.run(sf::global_variables_initializer());
  const auto w_q = sf::quantize(sess.value(w));
  const sf::tensor<float, sf::shape<sf::dyn, 4>> xs = sf::ones<float, sf::shape<sf::dyn, 4>>(2);
  const auto y = sess.run(sf::matmul(x, w_q), sf::feed(x, xs));
  std::printf("%g\n", double(y(0, 0)));
}
