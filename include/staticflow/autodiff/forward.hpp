// SPDX-License-Identifier: MIT
/// \file
/// \brief The forward pass of training: computes every materialisation point once and keeps
/// the expression's structure (with `cached` values) for the backward pass.
///
/// A materialisation point (matmul, reduction, custom op) used more than once in a tree is
/// computed at its first use; later uses find its value by `node_id` and become `memo_node`s
/// without structure, whose gradients are added up and sent back through the first use once.
#pragma once

#include <optional>

#include "staticflow/autodiff/nodes.hpp"
#include "staticflow/expr/assign.hpp"

namespace staticflow {

/// One use of a shared materialisation point; `full` holds the structure at the first use only.
template <class C>
struct memo_node : node_base<memo_node<C>> {
  using view_type = decltype(std::declval<C>().value);
  using value_type = typename view_type::value_type;
  using shape_type = typename view_type::shape_type;
  using policy_type = typename view_type::policy_type;
  std::optional<C> full;
  view_type value;
  node_id id;
  memo_node(std::optional<C> f, view_type v, node_id i) : full(std::move(f)), value(v), id(i) {}
  const dims_t<shape_type>& dims() const { return value.dims(); }
};

template <class C, class O>
struct evaluator<memo_node<C>, O> : evaluator<typename memo_node<C>::view_type, O> {
  evaluator(const memo_node<C>& m, const dims_t<O>& out) : evaluator<typename memo_node<C>::view_type, O>(m.value, out) {}
};

}  // namespace staticflow

namespace staticflow::autodiff {

using staticflow::detail::has_value_view;

template <class P, class N>
auto prepare(const N& node, temporaries<P>& tmp);
template <class P, class Op, class E>
auto prepare(const unary<Op, E>& node, temporaries<P>& tmp);
template <class P, class Op, class L, class R>
auto prepare(const binary<Op, L, R>& node, temporaries<P>& tmp);
template <class P, class C, class A, class B>
auto prepare(const select<C, A, B>& node, temporaries<P>& tmp);
template <class P, class L, class R, bool TA, bool TB>
auto prepare(const matmul_node<L, R, TA, TB>& node, temporaries<P>& tmp);
template <class P, class Red, class E, bool K, bool M, int... Ax>
auto prepare(const reduce_node<Red, E, K, M, Ax...>& node, temporaries<P>& tmp);
template <class P, class E, int Ax, bool Max>
auto prepare(const arg_reduce_node<E, Ax, Max>& node, temporaries<P>& tmp);
template <class P, class Op, class L, class R>
auto prepare(const op_node<Op, L, R>& node, temporaries<P>& tmp);
template <class P, class Op, class E>
auto prepare(const unary_op_node<Op, E>& node, temporaries<P>& tmp);
template <class P, class E, class S>
auto prepare(const reshape_node<E, S>& node, temporaries<P>& tmp);

/// Computes `node` into a temporary and returns it as a cached node (structure + value).
template <class P, class N>
auto compute(const N& node, temporaries<P>& tmp) {
  auto out = tmp.template make<typename N::value_type, typename N::shape_type>(node.dims());
  staticflow::detail::evaluate_into(out, node, tmp);
  return cached<N, decltype(out)>(tmp.keep(node), out);
}

/// A GEMM operand must sit in memory: an elementwise operand is computed (and cached) first.
template <class P, class N>
auto in_memory(const N& node, temporaries<P>& tmp) {
  if constexpr (has_value_view<N>) return node;
  else return compute(node, tmp);
}

/// `N(args...)` with the identity of `from`: a rebuilt node is the same node.
template <class N, class From, class... A>
N rebuilt(const From& from, const A&... args) {
  N node(args...);
  node.id = from.id;
  return node;
}

template <class P, class L, class R, bool TA, bool TB>
auto prepare_first(const matmul_node<L, R, TA, TB>& node, temporaries<P>& tmp) {
  auto l = in_memory(prepare(node.lhs, tmp), tmp);
  auto r = in_memory(prepare(node.rhs, tmp), tmp);
  return compute(rebuilt<matmul_node<decltype(l), decltype(r), TA, TB>>(node, l, r), tmp);
}
template <class P, class Red, class E, bool K, bool M, int... Ax>
auto prepare_first(const reduce_node<Red, E, K, M, Ax...>& node, temporaries<P>& tmp) {
  auto a = prepare(node.arg, tmp);
  return compute(rebuilt<reduce_node<Red, decltype(a), K, M, Ax...>>(node, node.reducer, a), tmp);
}
template <class P, class Op, class L, class R>
auto prepare_first(const op_node<Op, L, R>& node, temporaries<P>& tmp) {
  auto l = in_memory(prepare(node.lhs, tmp), tmp);
  auto r = in_memory(prepare(node.rhs, tmp), tmp);
  return compute(rebuilt<op_node<Op, decltype(l), decltype(r)>>(node, node.op, l, r), tmp);
}
template <class P, class Op, class E>
auto prepare_first(const unary_op_node<Op, E>& node, temporaries<P>& tmp) {
  auto a = in_memory(prepare(node.arg, tmp), tmp);
  return compute(rebuilt<unary_op_node<Op, decltype(a)>>(node, node.op, a), tmp);
}

/// The first use computes (and remembers) the value; later uses of the same id read it.
template <class P, class N>
auto prepare_shared(const N& node, temporaries<P>& tmp) {
  using first = decltype(prepare_first(node, tmp));
  using view = typename memo_node<first>::view_type;
  if (void* done = tmp.find(node.id))
    return memo_node<first>(std::nullopt, view(static_cast<typename view::value_type*>(done), node.dims()), node.id);
  memo_node<first> m(std::nullopt, view{}, node.id);
  m.full.emplace(prepare_first(node, tmp));
  m.value = m.full->value;
  tmp.remember(node.id, m.value.data());
  return m;
}

template <class P, class N>
auto prepare(const N& node, temporaries<P>&) {
  return node;  // leaves: tensor views, variables, scalars, generators
}
template <class P, class Op, class E>
auto prepare(const unary<Op, E>& node, temporaries<P>& tmp) {
  auto a = prepare(node.arg, tmp);
  return unary<Op, decltype(a)>(node.op, a);
}
template <class P, class Op, class L, class R>
auto prepare(const binary<Op, L, R>& node, temporaries<P>& tmp) {
  auto l = prepare(node.lhs, tmp);
  auto r = prepare(node.rhs, tmp);
  return binary<Op, decltype(l), decltype(r)>(node.op, l, r);
}
template <class P, class C, class A, class B>
auto prepare(const select<C, A, B>& node, temporaries<P>& tmp) {
  auto c = prepare(node.cond, tmp);
  auto a = prepare(node.if_true, tmp);
  auto b = prepare(node.if_false, tmp);
  return select<decltype(c), decltype(a), decltype(b)>(c, a, b);
}
template <class P, class L, class R, bool TA, bool TB>
auto prepare(const matmul_node<L, R, TA, TB>& node, temporaries<P>& tmp) {
  return prepare_shared(node, tmp);
}
template <class P, class Red, class E, bool K, bool M, int... Ax>
auto prepare(const reduce_node<Red, E, K, M, Ax...>& node, temporaries<P>& tmp) {
  return prepare_shared(node, tmp);
}
template <class P, class Op, class L, class R>
auto prepare(const op_node<Op, L, R>& node, temporaries<P>& tmp) {
  return prepare_shared(node, tmp);
}
template <class P, class Op, class E>
auto prepare(const unary_op_node<Op, E>& node, temporaries<P>& tmp) {
  return prepare_shared(node, tmp);
}
template <class P, class E, int Ax, bool Max>
auto prepare(const arg_reduce_node<E, Ax, Max>& node, temporaries<P>& tmp) {
  auto a = prepare(node.arg, tmp);
  auto out = tmp.template make<std::int64_t, typename arg_reduce_node<E, Ax, Max>::shape_type>(node.dims());
  staticflow::detail::evaluate_into(out, arg_reduce_node<decltype(a), Ax, Max>(a), tmp);
  return out;  // not differentiable: the value only
}
template <class P, class E, class S>
auto prepare(const reshape_node<E, S>& node, temporaries<P>& tmp) {
  auto a = prepare(node.arg, tmp);
  if constexpr (is_tensor_v<decltype(a)>)  // a view of memory: reshaping is free
    return tensor_view<typename E::value_type, S, P>(a.data(), node.dims());
  else return reshape_node<decltype(a), S>(a, node.dims());
}

}  // namespace staticflow::autodiff
