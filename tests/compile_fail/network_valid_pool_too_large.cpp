// expect: sf::nn::max_pool2d / avg_pool2d: the window is larger than the input with VALID padding
// expect: "layer 3 gets \[\?, 24, 24, 6\]".*"window 30x30"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A 30x30 VALID max pool at position 3, after a conv that leaves [?, 24, 24, 6].
#include "staticflow/nn/conv.hpp"
#include "staticflow/nn/sequential.hpp"

namespace nn = staticflow::nn;

using net = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<30, 30>>;

int main() { return static_cast<int>(net::parameter_count); }
