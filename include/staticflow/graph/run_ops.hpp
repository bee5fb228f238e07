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
#include <vector>

#include "staticflow/graph/graph.hpp"

namespace staticflow {

// ---- operations that are not expressions -------------------------------------------------------------

/// Initialises every variable of the session's graph (TF's global_variables_initializer()).
struct init_all_op {};
inline init_all_op global_variables_initializer() { return {}; }

/// What `sf::gradients` can differentiate with respect to: a node with an identity to find in
/// the loss. A variable (its definition), a placeholder (its name is in its type), a tensor (its
/// memory) or a materialised op (matmul, conv2d, a reduction, ...: its `id`, kept by copies). An
/// elementwise expression has none: a copy of it inside the loss cannot be told from another
/// expression of the same type.
template <class X>
concept gradient_target =
    traits_v<X>.variable || is_placeholder_v<X> || is_tensor_v<X> || requires(const X& x) { x.id.value; };

/// The gradient of `loss` (summed over its elements) with respect to `x` (TF's tf.gradients(y, x)),
/// in x's shape; zeros when the loss does not depend on `x`.
template <class Loss, class X>
struct gradients_op {
  Loss loss;
  X wrt;
};
template <operand Loss, operand X>
gradients_op<node_t<Loss>, node_t<X>> gradients(const Loss& loss, const X& x) {
  static_assert(std::is_same_v<value_t<Loss>, value_t<X>>, "sf::gradients: the loss and x must share a dtype");
  static_assert(floating_element<value_t<Loss>>, "sf::gradients: the loss must have a floating dtype");
  static_assert(gradient_target<node_t<X>>,
                "sf::gradients: x must be a variable, a placeholder, a tensor or a materialised op (matmul, conv2d, "
                "a reduction, ...); an elementwise expression has no identity to find in the loss");
  return {as_node(loss), as_node(x)};
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
/// variable the loss reads. Running it returns a `grads_and_vars` (below); the gradients also
/// stay in the session, where `sess.gradient(var)` reads and `sess.set_gradient(var, g)`
/// replaces them (to clip, say) before an apply op runs.
template <class Loss>
struct compute_gradients_op {
  Loss loss;
};
template <operand Loss>
compute_gradients_op<node_t<Loss>> compute_gradients(const Loss& loss) {
  static_assert(floating_element<value_t<Loss>>, "sf::compute_gradients: the loss must have a floating dtype");
  return {as_node(loss)};
}

/// A variable's gradient copied to the host, whatever the session's device (as TF's run returns
/// numpy arrays), typed when it is read: `flat<T>()` (every element in a row, for clipping or a
/// norm) or `as<T, S>()` (the variable's shape), both checked against the variable. Copies share
/// the elements (handles, like views).
class host_gradient {
 public:
  template <floating_element T>
  static host_gradient allocate(const variable_base& v) {
    auto t = std::make_shared<tensor<T, shape<dyn>, host>>(dims_t<shape<dyn>>{{v.bytes() / sizeof(T)}});
    void* data = t->data();
    return host_gradient(std::move(t), data, v);
  }
  template <floating_element T>
  tensor_view<T, shape<dyn>, host> flat() const {
    return {checked<T>("flat"), {{var_->bytes() / sizeof(T)}}};
  }
  template <floating_element T, any_shape S>
  tensor_view<T, S, host> as() const {
    T* data = checked<T>("as");
    if (var_->shape_string() != to_string(S{}))
      detail::fail<invalid_argument>({"sf::host_gradient::as: the gradient of '", var_->name(), "' has shape ",
                                      var_->shape_string(), ", requested ", to_string(S{})});
    return {data, detail::make_dims<S>()};
  }
  void* data() const { return data_; }
  const variable_base& variable() const { return *var_; }

 private:
  host_gradient(std::shared_ptr<void> owner, void* data, const variable_base& v)
      : owner_(std::move(owner)), data_(data), var_(&v) {}
  template <class T>
  T* checked(const char* api) const {
    if (var_->type() != dtype_traits<T>::value)
      detail::fail<invalid_argument>({"sf::host_gradient::", api, ": the gradient of '", var_->name(), "' is ",
                                      var_->dtype_name(), ", requested ", dtype_name_v<T>});
    return static_cast<T*>(data_);
  }
  std::shared_ptr<void> owner_;
  void* data_;
  const variable_base* var_;
};

/// One entry of TF's grads_and_vars: `for (auto& [g, v] : gv)`.
struct grad_and_var {
  host_gradient gradient;
  var_ref variable;
};

/// What running `compute_gradients(loss)` returns: TF's list of (gradient, variable) pairs, one per
/// trainable variable the loss reads, in creation order (TF's trainable_variables() order), with
/// the loss before any update (what the run returned before the pairs: it still converts to it).
/// Clip the gradients in place and hand the list back: `sess.run(apply, gv)` or
/// `sess.set_gradients(gv)`.
///
/// Type-erased pairs rather than a visitor over the typed variables: the variables of a loss
/// have many shapes, and a plain list can be looped over, kept and passed on as TF's is; typed
/// access is one checked call away (`gv.gradient(w)`, `g.as<T, S>()`), as variable_by_name is.
template <class LossValue>
struct grads_and_vars : std::vector<grad_and_var> {
  LossValue loss{};
  operator const LossValue&() const { return loss; }  // NOLINT: `double l = sess.run(grads);` as before
  /// The gradient of `v`, typed. **Errors:** not_found when the list has none for `v` (TF's None:
  /// not trainable, or the loss does not read it).
  template <class T, class S>
  tensor_view<T, S, host> gradient(const variable_node<T, S>& v) const {
    for (const auto& [g, var] : *this)
      if (&var.get() == v.def) return g.template as<T, S>();
    detail::fail<not_found>({"sf::grads_and_vars::gradient('", v.name(),
                             "'): no gradient for this variable (it is not trainable or the loss does not read it)"});
  }
};

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

/// Several fetches in one run: `auto [loss, dw, y] = sess.run(sf::fetches(loss, sf::gradients(loss, w), y),
/// feeds...)` returns a tuple of what running each returns: expressions (a variable of a known
/// name too: `g.variable_by_name<float, sf::shape<2>>("w")`), `gradients` and `compute_gradients`.
template <class... E>
struct fetch_list {
  std::tuple<E...> items;
};
template <class E>
inline constexpr bool is_gradient_fetch_v = false;
template <class Loss, class X>
inline constexpr bool is_gradient_fetch_v<gradients_op<Loss, X>> = true;
template <class Loss>
inline constexpr bool is_gradient_fetch_v<compute_gradients_op<Loss>> = true;
template <class E>
concept fetchable = operand<E> || is_gradient_fetch_v<E>;

template <fetchable E>
auto as_fetch(const E& e) {
  if constexpr (operand<E>) return as_node(e);
  else return e;
}
template <fetchable... E>
fetch_list<decltype(as_fetch(std::declval<const E&>()))...> fetches(const E&... e) {
  return {{as_fetch(e)...}};
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
