// SPDX-License-Identifier: MIT
/// \file
/// \brief Layer specifications: each says, at compile time, which input shapes it accepts,
/// its output shape and parameter count; at run time it creates its variables and builds its
/// forward expression (whose backward comes from autodiff).
///
/// A layer `L` provides, for an input shape `In` (with the batch axis first):
///  - `L::check<Position, In>`: `static_assert`s with messages in words; `ok` says whether they passed
///    (the library's own assert under `if constexpr (!ok)` with SF_SHAPE_ASSERT, so the message
///    shows the position and shape, and nothing is formatted when the layer fits);
///  - `L::output<In>`: the output shape;
///  - `L::parameter_count<In>`;
///  - `L::parameters<T, In>` with `static create(graph&, prefix, seed)`;
///  - `L::forward<In>(x, params)`: the output expression.
#pragma once
#ifndef STATICFLOW_NN_LAYERS_HPP
#define STATICFLOW_NN_LAYERS_HPP

#include <cstddef>
#include <cstdint>
#include <string>

#include "staticflow/core/shape_error.hpp"
#include "staticflow/graph/graph.hpp"
#include "staticflow/expr/batch_norm.hpp"
#include "staticflow/expr/dropout.hpp"
#include "staticflow/expr/losses.hpp"
#include "staticflow/expr/reshape.hpp"

namespace staticflow::nn {

namespace detail {
/// Where a network's shape check failed, e.g. "layer 3 gets [?, 24, 24, 6]" (failure path only).
template <std::size_t Position, class In>
inline constexpr auto layer_input_text = "layer " + extent_text<Position> + " gets " + shape_text<In>;
}  // namespace detail

/// Parameter-free layers share this.
struct no_parameters {
  static no_parameters create(graph&, const std::string&, std::uint64_t) {
    return {};
  }
};

/// The first entry of a network: the shape of one example (the batch extent is added, dyn).
template <std::size_t... Extents>
struct input {
  using shape_type = shape<dyn, Extents...>;
};

/// Fully connected: [batch, in] -> [batch, N], y = x w + b (Glorot-uniform w, zero b).
template <std::size_t N>
struct dense {
  static constexpr const char* name = "Dense";
  template <std::size_t Position, class In>
  struct check {
    static constexpr bool ok = [] {
      if constexpr (In::rank != 2)
        SF_SHAPE_ASSERT("sf::nn::dense: the input must be [batch, features]; put sf::nn::flatten before a dense "
                        "layer that follows convolutions",
                        detail::layer_input_text<Position, In>);
      return In::rank == 2;
    }();
  };
  template <class In>
  using output = shape<In::extents[0], N>;
  template <class In>
  static constexpr std::size_t parameter_count = In::extents[In::rank - 1] * N + N;
  template <class T, class In>
  struct parameters {
    static constexpr std::size_t features = In::extents[In::rank - 1];
    variable_node<T, shape<features, N>> weights;
    variable_node<T, shape<N>> biases;
    static parameters create(graph& g, const std::string& prefix, std::uint64_t seed) {
      return {g.variable<T, shape<features, N>>(prefix + "/weights", init::glorot_uniform(seed)),
              g.variable<T, shape<N>>(prefix + "/biases", init::zeros())};
    }
  };
  template <class In, class X, class P>
  static auto forward(const X& x, const P& p) {
    return bias_add(matmul(x, p.weights), p.biases);  // TF's dense layer: MatMul, BiasAdd
  }
};

/// An elementwise activation as a layer.
template <class Fn, const char* Name>
struct activation {
  static constexpr const char* name = Name;
  template <std::size_t, class In>
  struct check {
    static constexpr bool ok = true;
  };
  template <class In>
  using output = In;
  template <class In>
  static constexpr std::size_t parameter_count = 0;
  template <class T, class In>
  using parameters = no_parameters;
  template <class In, class X, class P>
  static auto forward(const X& x, const P&) {
    return Fn{}(x);
  }
};

namespace detail {
inline constexpr char relu_name[] = "ReLU";
inline constexpr char sigmoid_name[] = "Sigmoid";
inline constexpr char tanh_name[] = "Tanh";
inline constexpr char softmax_name[] = "Softmax";
struct relu_fn {
  template <class X> auto operator()(const X& x) const { return staticflow::relu(x); }
};
struct sigmoid_fn {
  template <class X> auto operator()(const X& x) const { return staticflow::sigmoid(x); }
};
struct tanh_fn {
  template <class X> auto operator()(const X& x) const { return staticflow::tanh(x); }
};
struct softmax_fn {
  template <class X> auto operator()(const X& x) const { return staticflow::softmax(x); }
};
}  // namespace detail

using relu = activation<detail::relu_fn, detail::relu_name>;
using sigmoid = activation<detail::sigmoid_fn, detail::sigmoid_name>;
using tanh = activation<detail::tanh_fn, detail::tanh_name>;
using softmax = activation<detail::softmax_fn, detail::softmax_name>;

/// [batch, d1, d2, ...] -> [batch, d1 * d2 * ...] in TF's (h, w, c) order.
struct flatten {
  static constexpr const char* name = "Flatten";
  template <std::size_t Position, class In>
  struct check {
    static constexpr bool ok = [] {
      if constexpr (In::rank < 2)
        SF_SHAPE_ASSERT("sf::nn::flatten: the input needs a batch axis and at least one more",
                        detail::layer_input_text<Position, In>);
      return In::rank >= 2;
    }();
  };
  template <class In>
  using output = shape<In::extents[0], (In::static_part / (In::extents[0] == dyn ? 1 : In::extents[0]))>;
  template <class In>
  static constexpr std::size_t parameter_count = 0;
  template <class T, class In>
  using parameters = no_parameters;
  template <class In, class X, class P>
  static auto forward(const X& x, const P&) {
    return staticflow::flatten(x);
  }
};

/// Inverted dropout with probability `Rate` while training; the identity at inference. Each
/// training run draws a new mask (the layer keeps a run counter variable).
template <double Rate>
struct dropout {
  static_assert(Rate >= 0 && Rate < 1, "sf::nn::dropout: the rate must be in [0, 1)");
  static constexpr const char* name = "Dropout";
  template <std::size_t, class In>
  struct check {
    static constexpr bool ok = true;
  };
  template <class In>
  using output = In;
  template <class In>
  static constexpr std::size_t parameter_count = 0;
  template <class T, class In>
  struct parameters {
    variable_node<std::int64_t, shape<>> runs;
    std::uint64_t seed;
    static parameters create(graph& g, const std::string& prefix, std::uint64_t seed) {
      return {g.variable<std::int64_t, shape<>>(prefix + "/runs", init::zeros(), false), seed};
    }
  };
  template <class In, class X, class P>
  static auto forward(const X& x, const P&) {
    return as_node(x);
  }
  template <class In, class X, class P>
  static auto forward_training(const X& x, const P& p) {
    return staticflow::dropout(p.runs, x, Rate, p.seed);
  }
};

/// Batch normalisation over the last axis (channels), as tf.layers.batch_normalization: while
/// training, each batch is normalised with its own mean and (biased) variance over every other
/// axis, and those fold into moving averages (`Decay`) that inference uses instead. Learns a
/// scale gamma (ones) and an offset beta (zeros); the moving mean (zeros) and variance (ones)
/// are non-trainable variables. Parameters: 4 per channel, counted as Keras does.
template <double Decay = 0.99, double Epsilon = 0.001>
struct batch_norm {
  static_assert(Decay >= 0 && Decay <= 1, "sf::nn::batch_norm: the decay must be in [0, 1]");
  static_assert(Epsilon > 0, "sf::nn::batch_norm: epsilon must be positive");
  static constexpr const char* name = "BatchNorm";
  template <std::size_t Position, class In>
  struct check {
    static constexpr bool ok = [] {
      if constexpr (In::rank < 2) {
        SF_SHAPE_ASSERT("sf::nn::batch_norm: the input needs a batch axis and a channel axis",
                        detail::layer_input_text<Position, In>);
        return false;
      } else {
        constexpr bool channels = In::extents[In::rank - 1] != dyn;
        if constexpr (!channels)
          SF_SHAPE_ASSERT("sf::nn::batch_norm: the channel (last) extent must be known at compile time",
                          detail::layer_input_text<Position, In>);
        return channels;
      }
    }();
  };
  template <class In>
  using output = In;
  template <class In>
  static constexpr std::size_t parameter_count = 4 * In::extents[In::rank - 1];
  template <class T, class In>
  struct parameters {
    using channels = shape<In::extents[In::rank - 1]>;
    variable_node<T, channels> gamma, beta, moving_mean, moving_variance;
    static parameters create(graph& g, const std::string& prefix, std::uint64_t) {
      return {g.variable<T, channels>(prefix + "/gamma", init::ones()),
              g.variable<T, channels>(prefix + "/beta", init::zeros()),
              g.variable<T, channels>(prefix + "/moving_mean", init::zeros(), false),
              g.variable<T, channels>(prefix + "/moving_variance", init::ones(), false)};
    }
  };
  template <class In, class X, class P>
  static auto forward(const X& x, const P& p) {
    return batch_normalization(x, p.moving_mean, p.moving_variance, p.beta, p.gamma, Epsilon);
  }
  template <class In, class X, class P>
  static auto forward_training(const X& x, const P& p) {
    const auto [mean, variance] = moments(x);
    return batch_normalization(x, update_moving_average(p.moving_mean, mean, Decay),
                               update_moving_average(p.moving_variance, variance, Decay), p.beta, p.gamma, Epsilon);
  }
};

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_LAYERS_HPP
