// SPDX-License-Identifier: MIT
/// \file
/// \brief The LeNet-5 network type of the MNIST examples (mnist_lenet5 trains it,
/// embedded_inference runs it from a generated header of its weights).
#pragma once

#include <staticflow/nn/conv.hpp>
#include <staticflow/staticflow.hpp>

namespace nn = staticflow::nn;

using lenet5 = nn::sequential<nn::input<28, 28, 1>,                                      //
                              nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,       // [?, 12, 12, 6]
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,      // [?, 4, 4, 16]
                              nn::flatten,                                               // [?, 256]
                              nn::dense<120>, nn::relu, nn::dense<84>, nn::relu,         // [?, 84]
                              nn::dense<10>>;                                            // [?, 10]
static_assert(std::is_same_v<lenet5::output_shape, staticflow::shape<staticflow::dyn, 10>>);
static_assert(lenet5::parameter_count == 44426);
