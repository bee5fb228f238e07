// SPDX-License-Identifier: MIT
/// \file
/// \brief `sequential<input<...>, layers...>`: a network as a flat type list, with every layer's
/// output shape and the parameter count computed at compile time.
#pragma once
#ifndef STATICFLOW_NN_SEQUENTIAL_HPP
#define STATICFLOW_NN_SEQUENTIAL_HPP

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "staticflow/nn/layers.hpp"

namespace staticflow::nn {

namespace detail {

template <class... S>
struct shape_list {};

/// The running state of the shape fold: the shapes so far, the last one, the position.
template <std::size_t Position, class Last, class List>
struct shape_fold {
  using last = Last;
  using list = List;
  static constexpr bool ok = true;
};
template <class L>
struct layer_tag {};

template <class L, std::size_t Position, class In, bool Ok = L::template check<Position, In>::ok>
struct apply_layer {
  using type = In;  // the check failed (its message is printed); keep the shape to stop the cascade
};
template <class L, std::size_t Position, class In>
struct apply_layer<L, Position, In, true> {
  using type = typename L::template output<In>;
};

/// One step of the fold: checks layer `L` at `Position` against the current shape.
template <std::size_t Position, class Last, class... S, class L>
auto operator>>(shape_fold<Position, Last, shape_list<S...>>, layer_tag<L>) {
  using out = typename apply_layer<L, Position, Last>::type;
  return shape_fold<Position + 1, out, shape_list<S..., out>>{};
}

template <class L>
inline constexpr bool is_frozen_v = requires { requires L::is_frozen; };

template <class List, std::size_t I>
struct nth_shape;
template <class... S, std::size_t I>
struct nth_shape<shape_list<S...>, I> {
  using type = std::tuple_element_t<I, std::tuple<S...>>;
};

}  // namespace detail

/// A network type. **Example:**
/// `using mlp = sf::nn::sequential<sf::nn::input<784>, sf::nn::dense<500>, sf::nn::relu, sf::nn::dense<10>>;`
/// `static_assert(std::is_same_v<mlp::output_shape, sf::shape<sf::dyn, 10>>);`
/// **Errors:** a layer that does not accept its input's shape fails to compile with the layer's
/// message; the instantiation note names the position and the shape it received.
template <class Input, class... Layers>
struct sequential {
  using input_shape = typename Input::shape_type;
  using fold = decltype((detail::shape_fold<1, input_shape, detail::shape_list<input_shape>>{} >> ... >>
                         detail::layer_tag<Layers>{}));
  /// The shape entering layer i (i = 0 is the input); `shape_at<sizeof...(Layers)>` is the output.
  template <std::size_t I>
  using shape_at = typename detail::nth_shape<typename fold::list, I>::type;
  using output_shape = typename fold::last;
  static constexpr std::size_t layer_count = sizeof...(Layers);

 private:
  template <bool FrozenOnly, std::size_t... I>
  static constexpr std::size_t count_parameters(std::index_sequence<I...>) {
    return (std::size_t{0} + ... + (!FrozenOnly || detail::is_frozen_v<Layers> ? Layers::template parameter_count<shape_at<I>> : 0));
  }

 public:
  static constexpr std::size_t parameter_count = count_parameters<false>(std::index_sequence_for<Layers...>{});
  /// The parameters of `frozen<...>` layers (Keras's non-trainable params).
  static constexpr std::size_t frozen_parameter_count = count_parameters<true>(std::index_sequence_for<Layers...>{});
  using layers = std::tuple<Layers...>;
};

namespace detail {
struct summary_row {
  std::string_view name;
  std::string shape;
  std::size_t parameters;
};
/// Prints the table; the network type only collects the rows (one copy of this code).
inline void print_summary(std::ostream& os, const summary_row* rows, std::size_t count, std::size_t total,
                          std::size_t frozen) {
  char line[128];
  std::snprintf(line, sizeof line, "%-24s%-24s%12s\n", "Layer (type)", "Output Shape", "Param #");
  os << std::string(60, '=') << '\n' << line << std::string(60, '=') << '\n';
  for (std::size_t i = 0; i < count; ++i) {
    const std::string label = "layer_" + std::to_string(i + 1) + " (" + std::string(rows[i].name) + ")";
    std::snprintf(line, sizeof line, "%-24s%-24s%12zu\n", label.c_str(), rows[i].shape.c_str(), rows[i].parameters);
    os << line;
  }
  os << std::string(60, '=') << "\nTotal params: " << total << '\n';
  if (frozen) os << "Trainable params: " << total - frozen << "\nNon-trainable params: " << frozen << '\n';
}


/// A Keras-style table as Markdown (TensorBoard's Text tab renders it): the same rows and totals.
inline std::string summary_markdown(const summary_row* rows, std::size_t count, std::size_t total, std::size_t frozen) {
  std::string md = "| Layer (type) | Output Shape | Param # |\n|---|---|---:|\n";
  for (std::size_t i = 0; i < count; ++i)
    md += "| layer_" + std::to_string(i + 1) + " (" + std::string(rows[i].name) + ") | " + rows[i].shape + " | " +
          std::to_string(rows[i].parameters) + " |\n";
  md += "\nTotal params: " + std::to_string(total);
  if (frozen) md += "\nTrainable params: " + std::to_string(total - frozen) + "\nNon-trainable params: " + std::to_string(frozen);
  return md;
}

/// The rows of `Net`'s table: each layer's name, output shape and parameter count.
template <class Net>
auto summary_rows() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<summary_row, sizeof...(I)>{summary_row{
        std::tuple_element_t<I, typename Net::layers>::name, to_string(typename Net::template shape_at<I + 1>{}),
        std::tuple_element_t<I, typename Net::layers>::template parameter_count<typename Net::template shape_at<I>>}...};
  }(std::make_index_sequence<Net::layer_count>{});
}
}  // namespace detail

/// A Keras-style table: layer, output shape, parameters, and the total.
template <class Net>
void summary(std::ostream& os = std::cout) {
  const auto rows = detail::summary_rows<Net>();
  detail::print_summary(os, rows.data(), rows.size(), Net::parameter_count, Net::frozen_parameter_count);
}

/// The same table as Markdown (what `fit(..., {.logdir})` logs as the text summary `layers`).
template <class Net>
std::string summary_markdown() {
  const auto rows = detail::summary_rows<Net>();
  return detail::summary_markdown(rows.data(), rows.size(), Net::parameter_count, Net::frozen_parameter_count);
}

/// A network instantiated in a graph: its variables and its forward expression.
///
/// **Example:** `sf::nn::model<lenet5> net(graph, seed); auto logits = net(x);`
template <class Net, class T = float>
class model {
 public:
  using network = Net;
  using value_type = T;

  explicit model(graph& g = default_graph(), std::uint64_t seed = 0, std::string name = "net")
      : graph_(&g), name_(std::move(name)), params_(create(g, seed, name_, std::make_index_sequence<Net::layer_count>{})) {}

  /// The network applied to `x`; x's shape must match the input's (the batch extent may differ).
  template <operand X>
  auto operator()(const X& x) const {
    if constexpr (fits_input<shape_of_t<X>>()) return forward<0, false>(x);
    else return forward<0, false>(stand_in<X>());
  }

  /// The network as it trains: like `operator()`, but layers such as dropout are active and
  /// the gradient stops where the leading frozen layers end (nothing below them trains).
  template <operand X>
  auto training(const X& x) const {
    // The gradient may stop after the frozen layers unless the input itself reads variables.
    constexpr bool stop = !has_variables_v<std::remove_cvref_t<decltype(as_node(x))>>;
    if constexpr (fits_input<shape_of_t<X>>()) return forward<0, trains_differently(), Net::layer_count, stop>(x);
    else return forward<0, trains_differently(), Net::layer_count, stop>(stand_in<X>());
  }

  /// The output of the first `Layers` layers at inference (a feature extractor's "bottleneck").
  template <std::size_t Layers, operand X>
  auto features(const X& x) const {
    static_assert(Layers <= Net::layer_count, "sf::nn::model::features: the network has fewer layers");
    if constexpr (fits_input<shape_of_t<X>>()) return forward<0, false, Layers>(x);
    else return forward<0, false, Layers>(stand_in<X>());
  }

  /// The variables of layers [first, last) (0-based, in creation order): a saver's `var_list`
  /// for restoring the lower layers into a network that shares them.
  std::vector<var_ref> variables(std::size_t first = 0, std::size_t last = Net::layer_count) const {
    std::vector<var_ref> out;
    for (const auto& v : graph_->global_variables())
      for (std::size_t i = first; i < std::min(last, Net::layer_count); ++i)
        if (v->name().starts_with(layer_prefix(name_, i) + "/")) out.emplace_back(*v);
    return out;
  }

  /// A variable of the model by its name under the model, e.g. `variable<float, shape<84, 10>>(
  /// "layer_11/weights")` (layers counted from 1, as `summary` prints them), checked at run time
  /// (see graph::variable_by_name).
  template <element_type V, any_shape S>
  variable_node<V, S> variable(const std::string& name) const {
    return graph_->template variable_by_name<V, S>(name_ + "/" + name);
  }

  const auto& parameters() const { return params_; }

 private:
  template <class S>
  static constexpr bool fits_input() {
    if (S::rank != Net::input_shape::rank) return false;
    for (std::size_t i = 1; i < S::rank; ++i)
      if (S::extents[i] != Net::input_shape::extents[i]) return false;
    return true;
  }
  /// For an input of the wrong shape: the one error, with both shapes, and an input of the right
  /// shape in its place, so that the layers and whatever uses the result raise no more errors.
  template <class X>
  static auto stand_in() {
    SF_SHAPE_ASSERT("sf::nn::model: the input's shape differs from the network's input<...> shape",
                    "input " + shape_text<shape_of_t<X>>, "network input " + shape_text<typename Net::input_shape>);
    return tensor_view<value_t<X>, typename Net::input_shape, host>{};
  }
  template <std::size_t I>
  using layer_t = std::tuple_element_t<I, typename Net::layers>;
  template <std::size_t I>
  using params_t = typename layer_t<I>::template parameters<T, typename Net::template shape_at<I>>;

  template <std::size_t... I>
  static auto create(graph& g, std::uint64_t seed, const std::string& name, std::index_sequence<I...>) {
    return std::tuple<params_t<I>...>{
        params_t<I>::create(g, layer_prefix(name, I), seed + 7919 * I)...};
  }
  static std::string layer_prefix(const std::string& name, std::size_t i) {
    return name + "/layer_" + std::to_string(i + 1);
  }

  /// The leading layers that never train: frozen ones and parameter-free ones between them;
  /// it ends at the last frozen one.
  static constexpr std::size_t frozen_prefix() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      std::size_t end = 0;
      bool open = true;
      ((open = open && (detail::is_frozen_v<layer_t<I>> ||
                        layer_t<I>::template parameter_count<typename Net::template shape_at<I>> == 0),
        end = open && detail::is_frozen_v<layer_t<I>> ? I + 1 : end),
       ...);
      return end;
    }(std::make_index_sequence<Net::layer_count>{});
  }

  /// Whether a layer acts otherwise while training (dropout, batch_norm). Without one,
  /// `training(x)` is `operator()(x)` and the two share every instantiation.
  static constexpr bool trains_differently() {
    return frozen_prefix() > 0 || []<std::size_t... I>(std::index_sequence<I...>) {
      return (requires(const tensor_view<T, typename Net::template shape_at<I>, host>& x, const params_t<I>& p) {
        layer_t<I>::template forward_training<typename Net::template shape_at<I>>(x, p);
      } || ...);
    }(std::make_index_sequence<Net::layer_count>{});
  }

  /// Layers [I, End); while training with `Stop`, the gradient stops after the frozen prefix.
  template <std::size_t I, bool Training, std::size_t End = Net::layer_count, bool Stop = false, class X>
  auto forward(const X& x) const {
    using L = layer_t<I - (I == Net::layer_count ? 1 : 0)>;
    using In = typename Net::template shape_at<I>;
    if constexpr (I == End) {
      return as_node(x);
    } else if constexpr (Training && Stop && I + 1 == frozen_prefix()) {
      return forward<I + 1, Training, End, Stop>(stop_gradient(L::template forward<In>(x, std::get<I>(params_))));
    } else if constexpr (Training && requires { L::template forward_training<In>(x, std::get<I>(params_)); }) {
      return forward<I + 1, Training, End, Stop>(L::template forward_training<In>(x, std::get<I>(params_)));
    } else {
      return forward<I + 1, Training, End, Stop>(L::template forward<In>(x, std::get<I>(params_)));
    }
  }

  graph* graph_;
  std::string name_;
  decltype(create(std::declval<graph&>(), 0, "", std::make_index_sequence<Net::layer_count>{})) params_;
};

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_SEQUENTIAL_HPP
