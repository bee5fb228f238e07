// SPDX-License-Identifier: MIT
/// \file
/// \brief What an expression is: the node protocol, operands, and the policy an expression runs on.
///
/// **The node protocol.** Every pass over an expression (lowering, preparation for training,
/// binding a graph to a session, placeholder detection, variable visiting, op naming, gradient
/// plumbing, printing) is a generic fold over four things a node states once, in its own file:
///
/// - `children()`: a `meta::children<C...>` of pointers to its operands (none: a leaf);
/// - `rebuild(c...)`: the same node over new children (new dtypes of node, same parameters); a
///   materialisation point keeps its `id`, so a rebuilt node is the same node;
/// - `traits`: a `node_traits` (materialised, differentiable, operands in memory, placeholder,
///   variable), default-constructed when absent;
/// - `name`: the op name logs and printouts use (`"sf::matmul"`), absent for leaves;
/// - `tf_op` (and `tf_name`, `tf_attrs(b)`): the TensorFlow op, default node name and attributes
///   a GraphDef export writes (graph/export.hpp); absent: the node cannot be exported.
///
/// Differentiable nodes add `backward(grad_context&, g)` (elementwise: the upstream gradient as
/// a lazy expression) or, when materialised, `backward(grad_context&, value, g)` (with the
/// node's computed value and `g` in memory); materialised nodes add `evaluate(dst, tmp)`.
/// The children are plain aggregates of core/meta.hpp, not Boost.Hana tuples: that header says
/// what Hana cost here.
#pragma once
#ifndef STATICFLOW_EXPR_NODE_HPP
#define STATICFLOW_EXPR_NODE_HPP

#include <atomic>
#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "staticflow/core/meta.hpp"
#include "staticflow/core/tensor.hpp"

namespace staticflow {

/// Base of every expression node. Nodes are data only: operands and run-time extents.
/// Nothing is computed until an expression is assigned to a tensor (or `eval`uated).
template <class Derived>
struct node_base {
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

/// Identity of a materialisation point, kept by copies: an expression used twice in a tree is
/// computed once per run (the forward pass looks its id up before computing).
struct node_id {
  std::uint64_t value = next();
  static std::uint64_t next() {
    static std::atomic<std::uint64_t> counter{1};
    return counter.fetch_add(1, std::memory_order_relaxed);
  }
};

template <class Policy>
class workspace;

namespace detail {
// Evaluation (expr/assign.hpp), declared here for the nodes' `evaluate` and `backward`.
template <class P, class N>
auto materialize(const N& node, workspace<P>& tmp);
template <class P, class N>
auto lower(const N& node, workspace<P>& tmp);
template <class P, class T, class S, class N>
void evaluate_into(const tensor_view<T, S, P>& dst, const N& node, workspace<P>& tmp);

/// The memory holding a node's value when it has one already (tensors, variables, computed results).
template <class N>
concept has_value_view = is_tensor_v<N> || requires(const N& n) { n.value.data(); };

template <class N>
auto value_view(const N& node) {
  if constexpr (is_tensor_v<N>) return node.view();
  else return node.value;
}
}  // namespace detail

/// An expression node (not a tensor).
template <class E>
concept expr_node = std::is_base_of_v<node_base<std::remove_cvref_t<E>>, std::remove_cvref_t<E>>;

/// What a node is, for the passes that treat kinds of nodes alike.
struct node_traits {
  bool materialized = false;        ///< computed into memory once per run (a heavy op)
  bool differentiable = true;       ///< gradients flow through it to its children
  bool operands_in_memory = false;  ///< its kernel reads its children from memory (GEMM, conv)
  bool placeholder = false;         ///< fed at run time (a graph's input)
  bool variable = false;            ///< a trainable value (a gradient target)
  bool pointwise = true;            ///< output element i reads element i of its operands (as broadcast)
};

/// The traits of node (or tensor view) type `N`. (Variable templates, not constexpr functions:
/// one cheap instantiation per node type instead of a function per pass that asks.)
template <class N>
inline constexpr node_traits traits_v = node_traits{};
template <class N>
  requires requires { std::remove_cvref_t<N>::traits; }
inline constexpr node_traits traits_v<N> = std::remove_cvref_t<N>::traits;

namespace detail {
// Found by overload resolution rather than a trait class per node type: `children()`'s return
// type, or no children (the `long` overload) for leaves.
template <class N>
auto children_type(const N& n, int) -> decltype(n.children());
template <class N>
meta::children<> children_type(const N&, long);
template <template <class> class Pred, class... C>
constexpr bool any_of(const meta::children<C...>*) {
  return (Pred<C>::value || ...);
}
}  // namespace detail

/// `N`'s children as a `meta::children<C...>` type (its arguments are the children's types).
template <class N>
using children_t = decltype(detail::children_type(std::declval<const std::remove_cvref_t<N>&>(), 0));

/// True when `N` has no children (tensors, scalars, generators, placeholders, variables).
template <class N>
inline constexpr bool is_leaf_v = children_t<N>::size == 0;

/// True when `Pred<C>::value` holds for a child type `C` of `N`.
template <class N, template <class> class Pred>
inline constexpr bool any_child_v = detail::any_of<Pred>(static_cast<const children_t<N>*>(nullptr));

/// Calls `f(child)` for every child, first to last (`Reverse`: last to first).
template <bool Reverse = false, class N, class F>
void for_each_child(const N& n, F&& f) {
  constexpr std::size_t size = children_t<N>::size;
  if constexpr (size == 0) {
    return;
  } else if constexpr (size <= 3) {
    const auto ch = n.children();
    if constexpr (Reverse) {
      if constexpr (size == 3) f(*ch.p2);
      if constexpr (size >= 2) f(*ch.p1);
      f(*ch.p0);
    } else {
      f(*ch.p0);
      if constexpr (size >= 2) f(*ch.p1);
      if constexpr (size == 3) f(*ch.p2);
    }
  } else {
    const auto ch = n.children();
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(*meta::get<Reverse ? size - 1 - I : I>(ch)), ...);
    }(std::make_index_sequence<size>{});
  }
}

/// `n` rebuilt over `f(child)` for every child, computed first to last (passes that hand out
/// workspace in request order depend on the order).
template <class N, class F>
auto map_children(const N& n, F&& f) {
  constexpr std::size_t size = children_t<N>::size;
  const auto ch = n.children();
  if constexpr (size == 1) {
    return n.rebuild(f(*ch.p0));
  } else if constexpr (size == 2) {
    auto a = f(*ch.p0);
    auto b = f(*ch.p1);
    return n.rebuild(std::move(a), std::move(b));
  } else if constexpr (size == 3) {
    auto a = f(*ch.p0);
    auto b = f(*ch.p1);
    auto c = f(*ch.p2);
    return n.rebuild(std::move(a), std::move(b), std::move(c));
  } else {
    return meta::apply(ch, [&](const auto*... c) {
      meta::values<decltype(f(*c))...> mapped{{{f(*c)}...}};
      return meta::apply(mapped, [&](auto&... m) { return n.rebuild(std::move(m)...); });
    });
  }
}

/// The op name of a node kind (nullptr for leaves), as logged by `log_device_placement`.
template <class N>
inline constexpr const char* op_name_v = nullptr;
template <class N>
  requires requires { { N::name } -> std::convertible_to<const char*>; }
inline constexpr const char* op_name_v<N> = N::name;

/// The TensorFlow op a GraphDef export writes for a node kind (nullptr: none; the export then
/// says so), and the default node name TF's Python gives it (the op name unless `tf_name` says).
template <class N>
inline constexpr const char* tf_op_v = nullptr;
template <class N>
  requires requires { { N::tf_op } -> std::convertible_to<const char*>; }
inline constexpr const char* tf_op_v<N> = N::tf_op;
template <class N>
inline constexpr const char* tf_name_v = tf_op_v<N>;
template <class N>
  requires requires { { N::tf_name } -> std::convertible_to<const char*>; }
inline constexpr const char* tf_name_v<N> = N::tf_name;

namespace detail {
template <class... C>
constexpr bool any_has_variables(const meta::children<C...>*);
}
/// True when a variable (a gradient target) sits at or below `N`. (Variable templates and a
/// constexpr fold, not trait classes: no class instantiated per node type to ask.)
template <class N>
inline constexpr bool has_variables_v =
    traits_v<N>.variable || detail::any_has_variables(static_cast<const children_t<N>*>(nullptr));
namespace detail {
template <class... C>
constexpr bool any_has_variables(const meta::children<C...>*) {
  return (has_variables_v<C> || ...);
}
}  // namespace detail

/// Anything that can appear in an expression: a node, a tensor or a tensor view.
template <class E>
concept operand = expr_node<E> || is_tensor_v<E>;

/// The node form of an operand: tensors become views (cheap handles), nodes stay as they are.
template <operand E>
auto as_node(const E& e) {
  if constexpr (is_tensor_v<E>) return e.view();
  else return e;
}
template <class E>
using node_t = decltype(as_node(std::declval<const E&>()));

template <class E>
using value_t = typename node_t<E>::value_type;
template <class E>
using shape_of_t = typename node_t<E>::shape_type;

/// The policy of an expression: that of its tensors; `void` when it has none (scalars, generators).
template <class... P>
struct common_policy {
  using type = void;
};
template <class P, class... Rest>
struct common_policy<P, Rest...> {
  using rest = typename common_policy<Rest...>::type;
  static_assert(std::is_void_v<P> || std::is_void_v<rest> || std::is_same_v<P, rest>,
                "sf: the operands live on different devices; copy one explicitly (no hidden transfers)");
  using type = std::conditional_t<std::is_void_v<P>, rest, P>;
};
template <class... P>
using common_policy_t = typename common_policy<P...>::type;

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_NODE_HPP
