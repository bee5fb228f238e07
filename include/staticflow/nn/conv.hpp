// SPDX-License-Identifier: MIT
/// \file
/// \brief Convolution and pooling layers (NHWC inputs, HWIO filters, TF's SAME and VALID).
#pragma once
#ifndef STATICFLOW_NN_CONV_HPP
#define STATICFLOW_NN_CONV_HPP

#include "staticflow/expr/conv.hpp"
#include "staticflow/nn/layers.hpp"

namespace staticflow::nn {

namespace detail {
constexpr bool window_fits(std::size_t in, std::size_t k, padding p) { return p == padding::same || k <= in; }
template <class In, std::size_t KH, std::size_t KW, padding Pad>
constexpr bool window_fits_input() {
  if constexpr (In::rank != 4) return false;
  else return window_fits(In::extents[1], KH, Pad) && window_fits(In::extents[2], KW, Pad);
}
}  // namespace detail

/// `Filters` KHxKW filters with strides (SH, SW): [batch, h, w, c] -> [batch, h', w', Filters].
/// Glorot-uniform filters (fans from the HWIO shape), zero biases.
template <std::size_t Filters, std::size_t KH, std::size_t KW, std::size_t SH = 1, std::size_t SW = 1,
          padding Pad = padding::valid>
struct conv2d {
  static constexpr const char* name = "Conv2D";
  template <std::size_t Position, class In>
  struct check {
    static constexpr bool ok = [] {  // one message, for the first rule broken
      constexpr bool fit = detail::window_fits_input<In, KH, KW, Pad>();
      if constexpr (In::rank != 4)
        SF_SHAPE_ASSERT("sf::nn::conv2d: the input must be [batch, height, width, channels]",
                        detail::layer_input_text<Position, In>);
      else if constexpr (SH == 0 || SW == 0)
        SF_SHAPE_ASSERT("sf::nn::conv2d: strides must be at least 1", detail::layer_input_text<Position, In>,
                        "strides " + extent_text<SH> + "x" + extent_text<SW>);
      else if constexpr (!fit)
        SF_SHAPE_ASSERT("sf::nn::conv2d: the filter is larger than the input with VALID padding",
                        detail::layer_input_text<Position, In>,
                        "filter " + extent_text<KH> + "x" + extent_text<KW>);
      return fit && SH >= 1 && SW >= 1;
    }();
  };
  template <class In>  // the op's own shape rule (expr/conv.hpp), not a restatement of it
  using output = typename conv2d_op<SH, SW, Pad>::template result_shape<In, shape<KH, KW, In::extents[3], Filters>>;
  template <class In>
  static constexpr std::size_t parameter_count = KH * KW * In::extents[In::rank - 1] * Filters + Filters;
  template <class T, class In>
  struct parameters {
    static constexpr std::size_t channels = In::extents[In::rank - 1];
    variable_node<T, shape<KH, KW, channels, Filters>> filter;
    variable_node<T, shape<Filters>> biases;
    static parameters create(graph& g, const std::string& prefix, std::uint64_t seed) {
      return {g.variable<T, shape<KH, KW, channels, Filters>>(prefix + "/filter", init::glorot_uniform(seed)),
              g.variable<T, shape<Filters>>(prefix + "/biases", init::zeros())};
    }
  };
  template <class In, class X, class P>
  static auto forward(const X& x, const P& p) {
    return bias_add(staticflow::conv2d<SH, SW, Pad>(x, p.filter), p.biases);  // Conv2D, BiasAdd
  }
};

/// Max or average pooling over KHxKW windows with strides (SH, SW) (TF's max_pool / avg_pool).
template <bool Max, std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad>
struct pool2d {
  static constexpr const char* name = Max ? "MaxPool2D" : "AvgPool2D";
  template <std::size_t Position, class In>
  struct check {
    static constexpr bool ok = [] {  // one message, for the first rule broken
      constexpr bool fit = detail::window_fits_input<In, KH, KW, Pad>();
      if constexpr (In::rank != 4)
        SF_SHAPE_ASSERT("sf::nn::pool2d: the input must be [batch, height, width, channels]",
                        detail::layer_input_text<Position, In>);
      else if constexpr (SH == 0 || SW == 0)
        SF_SHAPE_ASSERT("sf::nn::max_pool2d / avg_pool2d: strides must be at least 1",
                        detail::layer_input_text<Position, In>, "strides " + extent_text<SH> + "x" + extent_text<SW>);
      else if constexpr (!fit)
        SF_SHAPE_ASSERT("sf::nn::max_pool2d / avg_pool2d: the window is larger than the input with VALID padding",
                        detail::layer_input_text<Position, In>,
                        "window " + extent_text<KH> + "x" + extent_text<KW>);
      return fit && SH >= 1 && SW >= 1;
    }();
  };
  template <class In>  // the op's own shape rule (expr/conv.hpp)
  using output = typename pool2d_op<KH, KW, SH, SW, Pad, Max>::template result_shape<In>;
  template <class In>
  static constexpr std::size_t parameter_count = 0;
  template <class T, class In>
  using parameters = no_parameters;
  template <class In, class X, class P>
  static auto forward(const X& x, const P&) {
    if constexpr (Max) return staticflow::max_pool2d<KH, KW, SH, SW, Pad>(x);
    else return staticflow::avg_pool2d<KH, KW, SH, SW, Pad>(x);
  }
};

template <std::size_t KH, std::size_t KW, std::size_t SH = KH, std::size_t SW = KW, padding Pad = padding::valid>
using max_pool2d = pool2d<true, KH, KW, SH, SW, Pad>;
template <std::size_t KH, std::size_t KW, std::size_t SH = KH, std::size_t SW = KW, padding Pad = padding::valid>
using avg_pool2d = pool2d<false, KH, KW, SH, SW, Pad>;

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_CONV_HPP
