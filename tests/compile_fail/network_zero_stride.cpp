// expect: sf::nn::conv2d: strides must be at least 1
// expect: "layer 2 gets \[\?, 28, 28, 6\]".*"strides 0x1"
// errors: 1
// SPDX-License-Identifier: MIT
/// \file
/// \brief A stride of 0 cannot step over the input: layer 2 says so, naming its input shape.
#include "staticflow/nn/conv.hpp"
#include "staticflow/nn/sequential.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

using net = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 3, 3, 1, 1, sf::padding::same>,
                           nn::conv2d<8, 3, 3, 0, 1, sf::padding::same>>;

int main() { return static_cast<int>(net::parameter_count); }
