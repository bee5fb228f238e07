// expect: sf::nn::model: the input's shape differs from the network's input<...> shape
// expect: "input \[\?, 784\]".*"network input \[\?, 28, 28, 1\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief Flat [?, 784] images fed to a network whose input is <28, 28, 1>: the note names the
/// network (its input<28, 28, 1>) and the placeholder's shape.
#include "staticflow/staticflow.hpp"
#include "staticflow/nn/conv.hpp"
#include "staticflow/nn/sequential.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

using net = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::flatten, nn::dense<10>>;

int main() {
  nn::model<net> m;
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 784>, "x">();
  auto y = m(x);
  return static_cast<int>(sizeof(y));
}
