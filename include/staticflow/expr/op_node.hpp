// SPDX-License-Identifier: MIT
/// \file
/// \brief `op_node<Op, L, R>`: a materialised two-operand op with its own kernels (fused
/// losses now; convolution and pooling follow the same protocol).
///
/// `Op` supplies the shape rule (`result_shape`, `result_dims`), `forward<P>(out, l, r)` and
/// `backward<Side, P>(d, l, r, out, g)` over views in memory; the executor's `for_each` runs its
/// SF_HD row functors on either policy. Expressions, autodiff and sessions handle it generically.
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
  op_node(Op o, L l, R r)
      : op(o), lhs(std::move(l)), rhs(std::move(r)),
        extents(Op::template result_dims<shape_type>(lhs.dims(), rhs.dims())) {}
  const dims_t<shape_type>& dims() const { return extents; }
};

template <class Op, class A, class B>
auto make_op_node(Op op, const A& a, const B& b) {
  return op_node<Op, node_t<A>, node_t<B>>(op, as_node(a), as_node(b));
}

}  // namespace staticflow
