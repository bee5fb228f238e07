// SPDX-License-Identifier: MIT
/// \file
/// \brief The forward pass of training: computes every materialisation point once and keeps
/// the expression's structure (with `cached` values) for the backward pass.
#pragma once

#include "staticflow/autodiff/nodes.hpp"
#include "staticflow/expr/assign.hpp"

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
template <class P, class E, class S>
auto prepare(const reshape_node<E, S>& node, temporaries<P>& tmp);

/// Computes `node` into a temporary and returns it as a cached node (structure + value).
template <class P, class N>
auto compute(const N& node, temporaries<P>& tmp) {
  auto out = tmp.template make<typename N::value_type, typename N::shape_type>(node.dims());
  staticflow::detail::evaluate_into(out, node, tmp);
  return cached<N, decltype(out)>(node, out);
}

/// A GEMM operand must sit in memory: an elementwise operand is computed (and cached) first.
template <class P, class N>
auto in_memory(const N& node, temporaries<P>& tmp) {
  if constexpr (has_value_view<N>) return node;
  else return compute(node, tmp);
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
  auto l = in_memory(prepare(node.lhs, tmp), tmp);
  auto r = in_memory(prepare(node.rhs, tmp), tmp);
  return compute(matmul_node<decltype(l), decltype(r), TA, TB>(l, r), tmp);
}
template <class P, class Red, class E, bool K, bool M, int... Ax>
auto prepare(const reduce_node<Red, E, K, M, Ax...>& node, temporaries<P>& tmp) {
  auto a = prepare(node.arg, tmp);
  return compute(reduce_node<Red, decltype(a), K, M, Ax...>(node.reducer, a), tmp);
}
template <class P, class E, int Ax, bool Max>
auto prepare(const arg_reduce_node<E, Ax, Max>& node, temporaries<P>& tmp) {
  auto a = prepare(node.arg, tmp);
  return compute(arg_reduce_node<decltype(a), Ax, Max>(a), tmp).value;  // not differentiable: keep the value only
}

template <class P, class Op, class L, class R>
auto prepare(const op_node<Op, L, R>& node, temporaries<P>& tmp) {
  auto l = in_memory(prepare(node.lhs, tmp), tmp);
  auto r = in_memory(prepare(node.rhs, tmp), tmp);
  return compute(op_node<Op, decltype(l), decltype(r)>(node.op, l, r), tmp);
}

template <class P, class E, class S>
auto prepare(const reshape_node<E, S>& node, temporaries<P>& tmp) {
  auto a = prepare(node.arg, tmp);
  return reshape_node<decltype(a), S>(a, node.dims());
}

}  // namespace staticflow::autodiff
