// SPDX-License-Identifier: MIT
/// \file
/// \brief What an expression is: the node protocol, operands, and the policy an expression runs on.
///
/// **The node protocol.** Every pass over an expression (lowering, preparation for training,
/// binding a graph to a session, placeholder detection, variable visiting, op naming, gradient
/// plumbing, printing) is a generic fold over four things a node states once, in its own file:
///
/// - `children()`: a `boost::hana::tuple` of pointers to its operand nodes (none for a leaf);
/// - `rebuild(c...)`: the same node over new children (new dtypes of node, same parameters);
///   `with_children` keeps a materialisation point's `id`, so a rebuilt node is the same node;
/// - `traits`: a `node_traits` (materialised, differentiable, operands in memory, placeholder,
///   variable), default-constructed when absent;
/// - `name`: the op name logs and printouts use (`"sf::matmul"`), absent for leaves.
///
/// Differentiable nodes add `backward(grad_context&, g)` (elementwise: the upstream gradient as
/// a lazy expression) or, when materialised, `backward(grad_context&, value, g)` (with the
/// node's computed value and `g` in memory); materialised nodes add `evaluate(dst, tmp)`.
/// Boost.Hana holds and folds the children: its tuple and `for_each`/`unpack` cost nothing
/// measurable in compile time here (benchmarks/RESULTS.md, session 8), and it is already a
/// dependency.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/reverse.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

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
class temporaries;
template <class Policy>
struct executor;

namespace detail {
// Evaluation (expr/assign.hpp), declared here for the nodes' `evaluate` and `backward`.
template <class P, class N>
auto materialize(const N& node, temporaries<P>& tmp);
template <class P, class N>
auto lower(const N& node, temporaries<P>& tmp);
template <class P, class T, class S, class N>
void evaluate_into(const tensor_view<T, S, P>& dst, const N& node, temporaries<P>& tmp);

/// The memory holding a node's value when it has one already (tensors, variables, cached results).
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
};

template <class N>
constexpr node_traits traits_of() {
  if constexpr (requires { N::traits; }) return N::traits;
  else return {};
}
/// The traits of node (or tensor view) type `N`.
template <class N>
inline constexpr node_traits traits_v = traits_of<std::remove_cvref_t<N>>();

/// The children of a node: a hana tuple of pointers (empty for leaves and tensors).
template <class N>
auto children(const N& n) {
  if constexpr (requires { n.children(); }) return n.children();
  else return boost::hana::make_tuple();
}

/// A list of types (placeholders of an expression, children of a node).
template <class... T>
struct type_list {};

namespace detail {
template <class T>
struct child_list;
template <class... C>
struct child_list<boost::hana::tuple<C...>> {
  using types = type_list<std::remove_cvref_t<std::remove_pointer_t<C>>...>;
  template <template <class> class Pred>
  static constexpr bool any = (Pred<std::remove_cvref_t<std::remove_pointer_t<C>>>::value || ...);
  static constexpr std::size_t size = sizeof...(C);
};
template <class N>
using child_list_of = child_list<decltype(children(std::declval<const N&>()))>;
}  // namespace detail

/// The types of `N`'s children, as a `type_list`.
template <class N>
using child_types_t = typename detail::child_list_of<std::remove_cvref_t<N>>::types;

/// True when `N` has no children (tensors, scalars, generators, placeholders, variables).
template <class N>
inline constexpr bool is_leaf_v = detail::child_list_of<std::remove_cvref_t<N>>::size == 0;

/// True when `Pred<C>::value` holds for a child type `C` of `N`.
template <class N, template <class> class Pred>
inline constexpr bool any_child_v = detail::child_list_of<std::remove_cvref_t<N>>::template any<Pred>;

/// Calls `f(child)` for every child, first to last (`reverse`: last to first).
template <bool Reverse = false, class N, class F>
void for_each_child(const N& n, F&& f) {
  auto list = children(n);
  auto call = [&](const auto* c) { f(*c); };
  if constexpr (Reverse) boost::hana::for_each(boost::hana::reverse(list), call);
  else boost::hana::for_each(list, call);
}

/// `n` rebuilt over `c...`, keeping its identity when it has one (a rebuilt node is the same node).
template <class N, class... C>
auto with_children(const N& n, C&&... c) {
  auto out = n.rebuild(std::forward<C>(c)...);
  if constexpr (requires { out.id = n.id; }) out.id = n.id;
  return out;
}

/// `n` rebuilt over `f(child)` for every child, computed first to last (a braced list fixes
/// the order: passes that hand out workspace in request order depend on it).
template <class N, class F>
auto map_children(const N& n, F&& f) {
  return boost::hana::unpack(children(n), [&](const auto*... c) {
    boost::hana::tuple<decltype(f(*c))...> mapped{f(*c)...};
    return boost::hana::unpack(std::move(mapped), [&](auto&&... m) { return with_children(n, std::move(m)...); });
  });
}

/// The op name of a node kind (nullptr for leaves), as logged by `log_device_placement`.
template <class N>
constexpr const char* op_name_v = [] {
  if constexpr (requires { { N::name } -> std::convertible_to<const char*>; }) return static_cast<const char*>(N::name);
  else return static_cast<const char*>(nullptr);
}();

/// True when a variable (a gradient target) sits at or below `N`.
template <class N>
struct has_variables : std::bool_constant<traits_v<N>.variable || any_child_v<N, has_variables>> {};
template <class N>
inline constexpr bool has_variables_v = has_variables<std::remove_cvref_t<N>>::value;

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
