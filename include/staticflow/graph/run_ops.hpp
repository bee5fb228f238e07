// SPDX-License-Identifier: MIT
/// \file
/// \brief The operations a session runs that are not expressions: initialisation, gradients,
/// training steps (`minimize`, `compute_gradients` / `apply_gradients`), several fetches and
/// groups. Each is data; `session::run` gives it its meaning.
#pragma once
#ifndef STATICFLOW_GRAPH_RUN_OPS_HPP
#define STATICFLOW_GRAPH_RUN_OPS_HPP

#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "staticflow/graph/graph.hpp"

namespace staticflow {

// ---- operations that are not expressions -------------------------------------------------------------

/// Initialises every variable of the session's graph (TF's global_variables_initializer()).
struct init_all_op {};
inline init_all_op global_variables_initializer() { return {}; }

/// The gradient of `loss` (summed over its elements) with respect to one variable.
template <class Loss, class T, class S>
struct gradients_op {
  Loss loss;
  variable_node<T, S> wrt;
};
template <operand Loss, class T, class S>
gradients_op<node_t<Loss>, T, S> gradients(const Loss& loss, const variable_node<T, S>& wrt) {
  static_assert(std::is_same_v<value_t<Loss>, T>, "sf::gradients: the loss and the variable must share a dtype");
  return {as_node(loss), wrt};
}

/// One optimisation step of `loss` (built by an optimiser's `minimize`).
template <class Opt, class Loss>
struct train_op {
  Opt optimizer;
  Loss loss;
  std::optional<variable_node<std::int64_t, shape<>>> global_step;
  std::shared_ptr<const int> identity = std::make_shared<const int>(0);  ///< keys the optimiser's slots
};

/// Builds a train op; optimisers call this from their `minimize`.
template <class Opt, operand Loss>
auto minimize(const Opt& opt, const Loss& loss, std::optional<variable_node<std::int64_t, shape<>>> global_step = {}) {
  static_assert(floating_element<value_t<Loss>>, "sf::minimize: the loss must have a floating dtype");
  return train_op<Opt, node_t<Loss>>{opt, as_node(loss), std::move(global_step), std::make_shared<const int>(0)};
}

/// The first half of a step (TF's compute_gradients): forward and backward for every trainable
/// variable the loss reads. The gradients stay in the session, where `sess.gradient(var)` reads
/// and `sess.set_gradient(var, g)` replaces them (to clip, say) before an apply op runs.
template <class Loss>
struct compute_gradients_op {
  Loss loss;
};
template <operand Loss>
compute_gradients_op<node_t<Loss>> compute_gradients(const Loss& loss) {
  static_assert(floating_element<value_t<Loss>>, "sf::compute_gradients: the loss must have a floating dtype");
  return {as_node(loss)};
}

/// The second half (TF's apply_gradients): the optimiser's update of every trainable variable
/// of the loss from the gradients in the session, then global_step += 1.
template <class Opt, class Loss>
struct apply_gradients_op {
  Opt optimizer;
  Loss loss;
  std::optional<variable_node<std::int64_t, shape<>>> global_step;
  std::shared_ptr<const int> identity = std::make_shared<const int>(0);  ///< keys the optimiser's slots
};
template <class Opt, class Loss>
apply_gradients_op<Opt, Loss> apply_gradients(const Opt& opt, const compute_gradients_op<Loss>& grads,
                                              std::optional<variable_node<std::int64_t, shape<>>> global_step = {}) {
  return {opt, grads.loss, std::move(global_step), std::make_shared<const int>(0)};
}

/// Several fetches in one run: `sess.run(sf::fetches(a, b), feeds...)` returns a tuple.
template <class... E>
struct fetch_list {
  std::tuple<E...> items;
};
template <operand... E>
fetch_list<node_t<E>...> fetches(const E&... e) {
  return {{as_node(e)...}};
}

/// Runs several ops in order in one `run` (TF's tf.group with control dependencies); returns
/// what the first one returns (e.g. a train op's loss).
template <class First, class... Rest>
struct group_op {
  First first;
  std::tuple<Rest...> rest;
  template <class Session, class... F>
  auto run_on(Session& s, const F&... feeds) const {
    auto result = s.run(first, feeds...);
    std::apply([&](const auto&... op) { (s.run(op, feeds...), ...); }, rest);
    return result;
  }
};
template <class First, class... Rest>
group_op<First, Rest...> group(First first, Rest... rest) {
  return {std::move(first), {std::move(rest)...}};
}

}  // namespace staticflow
#endif  // STATICFLOW_GRAPH_RUN_OPS_HPP
