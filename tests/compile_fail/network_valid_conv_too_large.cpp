// expect: sf::nn::conv2d: the filter is larger than the input with VALID padding
// expect: "layer 1 gets \[\?, 4, 4, 1\]".*"filter 5x5"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A 5x5 VALID convolution as layer 1 of a network whose input is 4x4: the note names
/// the layer (its 5x5 window) and the [?, 4, 4, 1] it received.
#include "staticflow/nn/conv.hpp"
#include "staticflow/nn/sequential.hpp"

namespace nn = staticflow::nn;

using net = nn::sequential<nn::input<4, 4, 1>, nn::conv2d<6, 5, 5>, nn::relu>;

int main() { return static_cast<int>(net::parameter_count); }
