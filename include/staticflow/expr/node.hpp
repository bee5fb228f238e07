// SPDX-License-Identifier: MIT
/// \file
/// \brief What an expression is: the node base, operands, and the policy an expression runs on.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

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

/// An expression node (not a tensor).
template <class E>
concept expr_node = std::is_base_of_v<node_base<std::remove_cvref_t<E>>, std::remove_cvref_t<E>>;

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
