// SPDX-License-Identifier: MIT
/// \file
/// \brief The forward pass of training: computes every materialisation point once and keeps
/// the expression's structure (with `computed` values) for the backward pass.
///
/// A materialisation point (matmul, reduction, custom op) used more than once in a tree is
/// computed at its first use; later uses find its value by `node_id` and become `shared_use`s
/// without structure, whose gradients are added up and sent back through the first use once.
/// `prepare` is one fold over the node protocol (expr/node.hpp): no node kind is named here.
#pragma once
#ifndef STATICFLOW_AUTODIFF_FORWARD_HPP
#define STATICFLOW_AUTODIFF_FORWARD_HPP

#include <optional>

#include "staticflow/autodiff/nodes.hpp"
#include "staticflow/expr/assign.hpp"
#include "staticflow/expr/check_numerics.hpp"

namespace staticflow {

/// One use of a shared materialisation point; `full` holds the structure at the first use only.
template <class C>
struct shared_use : node_base<shared_use<C>> {
  using view_type = decltype(std::declval<C>().value);
  using value_type = typename view_type::value_type;
  using shape_type = typename view_type::shape_type;
  using policy_type = typename view_type::policy_type;
  std::optional<C> full;
  view_type value;
  node_id id;
  shared_use(std::optional<C> f, view_type v, node_id i) : full(std::move(f)), value(v), id(i) {}
  const dims_t<shape_type>& dims() const { return value.dims(); }
  /// Null at the later uses: only this node's own `backward` and `flush` walk below it.
  meta::children<C> children() const { return {full ? &*full : nullptr}; }

  /// Later uses add their gradient into the node's buffer; the first use (visited last) sends
  /// the total through the node's structure once.
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    using T = value_type;
    using P = policy_type;
    const auto gm = detail::materialize(g, ctx.tmp);
    if (void* acc = ctx.tmp.gradient(id)) {
      const tensor_view<T, shape_type, P> total(static_cast<T*>(acc), dims());
      detail::evaluate_into(total, total + gm, ctx.tmp);
      if (full) ctx.propagate(*full, total);
    } else if (full) {
      ctx.propagate(*full, gm);
    } else {
      auto total = ctx.tmp.template make<T, shape_type>(dims());
      detail::evaluate_into(total, gm, ctx.tmp);
      ctx.tmp.set_gradient(id, total.data());
    }
  }
  /// In a subtree that passes no gradient, the first use still sends back what the others left.
  template <class Ctx>
  void flush(Ctx& ctx) const {
    if (!full) return;
    if (void* acc = ctx.tmp.gradient(id))
      ctx.propagate(*full, tensor_view<value_type, shape_type, policy_type>(static_cast<value_type*>(acc), dims()));
    else
      ctx.flush(*full);
  }
};

template <class C, class O>
struct evaluator<shared_use<C>, O> : evaluator<typename shared_use<C>::view_type, O> {
  evaluator(const shared_use<C>& m, const dims_t<O>& out) : evaluator<typename shared_use<C>::view_type, O>(m.value, out) {}
};

}  // namespace staticflow

namespace staticflow::autodiff {

using staticflow::detail::has_value_view;

/// Computes `node` into a temporary and returns it as a `computed` node (structure + value),
/// checked for NaN and infinity when the session asks (device_config::check_numerics).
template <class P, class N>
auto compute(const N& node, workspace<P>& tmp) {
  auto out = tmp.template make<typename N::value_type, typename N::shape_type>(node.dims());
  staticflow::detail::evaluate_into(out, node, tmp);
  if constexpr (floating_element<typename N::value_type>)
    if (tmp.checks_numerics()) staticflow::detail::check_run_value<P>(out, "the output of ", op_name_v<N>);
  return computed<N, decltype(out)>(tmp.keep(node), out);
}

/// A heavy op's operand in memory: an elementwise operand is computed (and kept) first.
template <class P, class N>
auto in_memory(const N& node, workspace<P>& tmp) {
  if constexpr (has_value_view<N>) return node;
  else return compute(node, tmp);
}

template <class P>
struct prepare_fn;

/// Prepares a heavy op's child and computes it into memory.
template <class P>
struct prepare_in_memory {
  workspace<P>& tmp;
  template <class C>
  auto operator()(const C& c) const {
    return in_memory(prepare_fn<P>{tmp}(c), tmp);
  }
};

/// A materialisation point over prepared children, computed.
template <class P, class N>
auto prepare_first(const N& node, workspace<P>& tmp) {
  if constexpr (traits_v<N>.operands_in_memory) return compute(map_children(node, prepare_in_memory<P>{tmp}), tmp);
  else return compute(map_children(node, prepare_fn<P>{tmp}), tmp);
}

/// The first use computes (and remembers) the value; later uses of the same id read it.
template <class P, class N>
auto prepare_shared(const N& node, workspace<P>& tmp) {
  using first = decltype(prepare_first(node, tmp));
  using view = typename shared_use<first>::view_type;
  if (void* done = tmp.find(node.id))
    return shared_use<first>(std::nullopt, view(static_cast<typename view::value_type*>(done), node.dims()), node.id);
  shared_use<first> m(std::nullopt, view{}, node.id);
  m.full.emplace(prepare_first(node, tmp));
  m.value = m.full->value;
  tmp.remember(node.id, m.value.data());
  return m;
}

/// The tree ready for `backward`: every materialisation point computed once, elementwise
/// structure kept; a materialised op that passes no gradient (argmax) becomes its value. The
/// pass is a function object handed to map_children as is (one instantiation per node type).
template <class P>
struct prepare_fn {
  workspace<P>& tmp;
  template <class N>
  auto operator()(const N& node) const {
    constexpr node_traits traits = traits_v<N>;
    if constexpr (is_leaf_v<N> || has_value_view<N>) {
      return node;
    } else if constexpr (traits.materialized && !traits.differentiable) {
      auto ready = map_children(node, *this);
      auto out = tmp.template make<typename N::value_type, typename N::shape_type>(node.dims());
      staticflow::detail::evaluate_into(out, ready, tmp);
      if constexpr (floating_element<typename N::value_type>)
        if (tmp.checks_numerics()) staticflow::detail::check_run_value<P>(out, "the output of ", op_name_v<N>);
      return out;
    } else if constexpr (traits.materialized) {
      return prepare_shared(node, tmp);
    } else {
      return map_children(node, *this);
    }
  }
};

template <class P, class N>
auto prepare(const N& node, workspace<P>& tmp) {
  return prepare_fn<P>{tmp}(node);
}

}  // namespace staticflow::autodiff
#endif  // STATICFLOW_AUTODIFF_FORWARD_HPP
