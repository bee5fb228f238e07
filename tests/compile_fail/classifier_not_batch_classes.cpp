// expect: sf::nn::classifier: the network must end in \[batch, classes\]
// expect: "network output \[\?, 12, 12, 6\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A classifier over a network that ends in feature maps [?, 12, 12, 6], not
/// [batch, classes]: the note names the shape the network ends in.
#include "staticflow/staticflow.hpp"
#include "staticflow/nn/conv.hpp"
#include "staticflow/nn/trainer.hpp"
#include "staticflow/train/optimizer.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

using net = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>>;

int main() {
  nn::classifier<net, sf::train::adam> c(sf::train::adam(0.001));
  return 0;
}
