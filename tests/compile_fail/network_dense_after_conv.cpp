// expect: sf::nn::dense: the input must be \[batch, features\]
// expect: "layer 3 gets \[\?, 24, 24, 6\]"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A dense layer straight after a convolution (no flatten): layer 3 receives a rank-4
/// [?, 24, 24, 6] where it needs [batch, features]; the note names the position and the shape.
#include "staticflow/nn/conv.hpp"
#include "staticflow/nn/sequential.hpp"

namespace nn = staticflow::nn;

using net = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::dense<10>>;

int main() { return static_cast<int>(net::parameter_count); }
