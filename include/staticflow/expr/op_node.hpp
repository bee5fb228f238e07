// SPDX-License-Identifier: MIT
/// \file
/// \brief `op_node<Op, L, R>` and `unary_op_node<Op, E>`: materialised ops with their own
/// kernels (fused losses, convolution, pooling).
///
/// `Op` supplies the shape rule (`result_shape`, `result_dims`), `forward<P>(out, l, r, tmp)` and
/// `backward<Side, P>(d, l, r, out, g, tmp)` over views in memory (unary: `forward<P>(out, x, tmp)`
/// and `backward<P>(d, x, out, g, tmp)`); `tmp` is the run's `temporaries<P>` for workspace
/// (im2col matrices). The executor's `for_each` runs its SF_HD functors on either policy.
/// Expressions, autodiff and sessions handle both generically.
#pragma once

#include "staticflow/expr/elementwise.hpp"

namespace staticflow {

template <class Op, class L, class R>
struct op_node : node_base<op_node<Op, L, R>> {
  using value_type = typename R::value_type;
  using shape_type = typename Op::template result_shape<typename L::shape_type, typename R::shape_type>;
  using policy_type = common_policy_t<typename L::policy_type, typename R::policy_type>;
  using op_type = Op;
  Op op;
  L lhs;
  R rhs;
  dims_t<shape_type> extents;
  node_id id;
  op_node(Op o, L l, R r)
      : op(o), lhs(std::move(l)), rhs(std::move(r)),
        extents(Op::template result_dims<shape_type>(lhs.dims(), rhs.dims())) {}
  const dims_t<shape_type>& dims() const { return extents; }
};

template <class Op, class A, class B>
auto make_op_node(Op op, const A& a, const B& b) {
  return op_node<Op, node_t<A>, node_t<B>>(op, as_node(a), as_node(b));
}

/// A materialised one-operand op (pooling). The operand is `arg`, as for every unary node.
template <class Op, class E>
struct unary_op_node : node_base<unary_op_node<Op, E>> {
  using value_type = typename E::value_type;
  using shape_type = typename Op::template result_shape<typename E::shape_type>;
  using policy_type = typename E::policy_type;
  using op_type = Op;
  Op op;
  E arg;
  dims_t<shape_type> extents;
  node_id id;
  unary_op_node(Op o, E e) : op(o), arg(std::move(e)), extents(Op::template result_dims<shape_type>(arg.dims())) {}
  const dims_t<shape_type>& dims() const { return extents; }
};

template <class Op, class E>
auto make_unary_op_node(Op op, const E& e) {
  return unary_op_node<Op, node_t<E>>(op, as_node(e));
}

}  // namespace staticflow
