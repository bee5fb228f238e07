// SPDX-License-Identifier: MIT
/// \file
/// \brief Expression nodes of differentiation: variable leaves, computed values, broadcasts and
/// the fused gradient expressions of elementwise ops.
///
/// A gradient expression recomputes the (cheap) forward values it needs inside the same pass
/// instead of storing them: `unary_grad<relu, A, G>` evaluates `relu.grad(a, relu(a), g)` per
/// element, so the backward chain of a run of elementwise ops is one fused pass too. Only the
/// values of materialisation points (matmuls, reductions) are kept, in `computed` nodes.
#pragma once
#ifndef STATICFLOW_AUTODIFF_NODES_HPP
#define STATICFLOW_AUTODIFF_NODES_HPP

#include <string>
#include <type_traits>

#include "staticflow/core/indexed_slices.hpp"
#include "staticflow/expr/check_numerics.hpp"
#include "staticflow/expr/evaluator.hpp"

namespace staticflow {

/// Where a variable's gradient buffer stands during a run (one flag per variable, kept by the
/// session): the first gradient to arrive is written, later ones are added, and the buffer is
/// never zeroed beforehand (a pass over every parameter saved per step). `rows`: the gradient so
/// far is the run's row-sparse record (core/indexed_slices.hpp), not in the buffer.
enum class gradient_state : char { not_wanted = 0, unwritten = 1, written = 2, rows = 3 };

/// A trainable value during a run: its storage, the buffer its gradient goes to (null when no
/// gradient is wanted), that buffer's state (null: every gradient is added to the buffer) and
/// the variable's name (for the messages of device_config::check_numerics; may be null).
template <class T, class S, class P>
struct var_leaf : node_base<var_leaf<T, S, P>> {
  using value_type = T;
  using shape_type = S;
  using policy_type = P;
  tensor_view<T, S, P> value;
  T* grad = nullptr;
  gradient_state* state = nullptr;
  const std::string* name = nullptr;
  indexed_slices_slot* slices = nullptr;  ///< where a row-sparse gradient may go (null: dense only)
  static constexpr node_traits traits{.variable = true};
  var_leaf(tensor_view<T, S, P> v, T* g, gradient_state* st = nullptr, const std::string* n = nullptr,
           indexed_slices_slot* sl = nullptr)
      : value(v), grad(g), state(st), name(n), slices(sl) {}
  const dims_t<S>& dims() const { return value.dims(); }
  /// The first gradient to arrive is written into the buffer, later ones are added.
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    if (!grad) return;
    const tensor_view<T, S, P> acc(grad, dims());
    densify(ctx);
    if (first_gradient()) staticflow::detail::evaluate_into(acc, g, ctx.tmp);
    else staticflow::detail::evaluate_into(acc, acc + g, ctx.tmp);
    check_gradient(ctx);
  }
  /// A gradient that touches `rows` only (distinct; `values` holds their gradient rows): kept as
  /// rows when the run accepts them and no dense gradient came first; otherwise added into the
  /// buffer row by row (so a lookup's backward never costs a pass over the whole table).
  template <class Ctx>
  void backward_rows(Ctx& ctx, const std::int64_t* rows, const T* values, std::size_t count) const {
    if (!grad) return;
    const std::size_t inner = dims()[0] ? value.size() / dims()[0] : 0;
    if (slices && slices->accepted && state && *state != gradient_state::written) {
      if (*state == gradient_state::unwritten) {
        *slices = {true, rows, const_cast<T*>(values), count, inner};
        *state = gradient_state::rows;
        return;
      }
      densify(ctx);  // a second lookup of the same table: the two sets of rows meet in the buffer
    } else if (first_gradient()) {
      staticflow::detail::evaluate_into(flat(), scalar<T>(T(0)), ctx.tmp);
    }
    executor<P>::for_each(count, ops::add_rows<T>{grad, rows, values, inner}, inner);
    check_gradient(ctx);
  }
  /// Moves a row-sparse gradient kept so far into the (zeroed) buffer.
  template <class Ctx>
  void densify(Ctx& ctx) const {
    if (!state || *state != gradient_state::rows) return;
    staticflow::detail::evaluate_into(flat(), scalar<T>(T(0)), ctx.tmp);
    executor<P>::for_each(slices->count,
                          ops::add_rows<T>{grad, slices->rows, static_cast<const T*>(slices->values), slices->inner},
                          slices->inner);
    *state = gradient_state::written;
  }
  tensor_view<T, shape<dyn>, P> flat() const { return {grad, {value.size()}}; }
  template <class Ctx>
  void check_gradient(Ctx& ctx) const {
    if constexpr (floating_element<T>)
      if (ctx.tmp.checks_numerics())
        staticflow::detail::check_finite<P>(grad, value.size(), "the gradient of variable ", "",
                                            name ? std::string_view(*name) : std::string_view("(unnamed)"));
  }
  /// True for the first gradient reaching this variable in the run (to be written, not added).
  bool first_gradient() const {
    if (!state) return false;
    const bool first = *state == gradient_state::unwritten;
    *state = gradient_state::written;
    return first;
  }
};

/// A node whose value has been computed once (in the forward pass) and is read from memory;
/// the node's structure is kept for the backward pass, in the run's `workspace` (so that a
/// prepared tree is small whatever lies below it).
template <class N, class V>
struct computed : node_base<computed<N, V>> {
  using value_type = typename V::value_type;
  using shape_type = typename V::shape_type;
  using policy_type = typename V::policy_type;
  const N* node;
  V value;
  computed(const N& kept, V v) : node(&kept), value(v) {}
  const dims_t<shape_type>& dims() const { return value.dims(); }
  meta::children<N> children() const { return {node}; }
  /// A heavy op's gradient reads its value and the upstream gradient in memory; an elementwise
  /// operand computed for a GEMM continues through its structure.
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    if constexpr (traits_v<N>.materialized) {
      const auto gm = detail::materialize(g, ctx.tmp);
      if constexpr (floating_element<value_type>)
        if (ctx.tmp.checks_numerics())
          detail::check_run_value<policy_type>(gm, "the gradient reaching the output of ", op_name_v<N>);
      node->backward(ctx, value, gm);
    } else {
      ctx.propagate(*node, g);
    }
  }
};

/// `E` repeated along the axes where its shape has 1 (to shape `S`).
template <class E, class S>
struct broadcast_node : node_base<broadcast_node<E, S>> {
  using value_type = typename E::value_type;
  using shape_type = S;
  using policy_type = typename E::policy_type;
  E arg;
  dims_t<S> extents;
  broadcast_node(E e, const dims_t<S>& d) : arg(std::move(e)), extents(d) {}
  const dims_t<S>& dims() const { return extents; }
};

/// Gradient of `Op(a)` with respect to `a`, given upstream `g`.
template <class Op, class A, class G>
struct unary_grad : node_base<unary_grad<Op, A, G>> {
  using value_type = typename A::value_type;
  using shape_type = typename A::shape_type;
  using policy_type = common_policy_t<typename A::policy_type, typename G::policy_type>;
  Op op;
  A arg;
  G g;
  unary_grad(Op o, A a, G up) : op(o), arg(std::move(a)), g(std::move(up)) {}
  decltype(auto) dims() const { return arg.dims(); }
};

/// Gradient of `Op(l, r)` with respect to `l` (Side 0) or `r` (Side 1), in the output's shape.
template <class Op, class L, class R, class G, int Side>
struct binary_grad : node_base<binary_grad<Op, L, R, G, Side>> {
  using value_type = typename L::value_type;
  using shape_type = typename G::shape_type;
  using policy_type = common_policy_t<typename L::policy_type, typename R::policy_type, typename G::policy_type>;
  Op op;
  L lhs;
  R rhs;
  G g;
  binary_grad(Op o, L l, R r, G up) : op(o), lhs(std::move(l)), rhs(std::move(r)), g(std::move(up)) {}
  decltype(auto) dims() const { return g.dims(); }
};

template <class T, class S, class P, class O>
struct evaluator<var_leaf<T, S, P>, O> : evaluator<tensor_view<T, S, P>, O> {
  evaluator(const var_leaf<T, S, P>& v, const dims_t<O>& out) : evaluator<tensor_view<T, S, P>, O>(v.value, out) {}
};

template <class N, class V, class O>
struct evaluator<computed<N, V>, O> : evaluator<V, O> {
  evaluator(const computed<N, V>& c, const dims_t<O>& out) : evaluator<V, O>(c.value, out) {}
};

template <class E, class S, class O>
struct evaluator<broadcast_node<E, S>, O> : evaluator<E, O> {
  evaluator(const broadcast_node<E, S>& b, const dims_t<O>& out) : evaluator<E, O>(b.arg, out) {}
};

template <class Op, class A, class G, class O>
struct evaluator<unary_grad<Op, A, G>, O> {
  using value_type = typename A::value_type;
  Op op;
  evaluator<A, O> arg;
  evaluator<G, O> g;
  evaluator(const unary_grad<Op, A, G>& n, const dims_t<O>& out) : op(n.op), arg(n.arg, out), g(n.g, out) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const {
    const value_type x = arg.coeff(i);
    return op.grad(x, op(x), g.coeff(i));
  }

  struct row_type {
    Op op;
    row_t<evaluator<A, O>> arg;
    row_t<evaluator<G, O>> g;
    SF_HD_INLINE value_type coeff(std::size_t j) const {
      const value_type x = arg.coeff(j);
      return op.grad(x, op(x), g.coeff(j));
    }
  };
  SF_HD_INLINE row_type row(std::size_t first) const { return {op, row_of(arg, first), row_of(g, first)}; }
};

template <class Op, class L, class R, class G, int Side, class O>
struct evaluator<binary_grad<Op, L, R, G, Side>, O> {
  using value_type = typename L::value_type;
  Op op;
  evaluator<L, O> lhs;
  evaluator<R, O> rhs;
  evaluator<G, O> g;
  evaluator(const binary_grad<Op, L, R, G, Side>& n, const dims_t<O>& out)
      : op(n.op), lhs(n.lhs, out), rhs(n.rhs, out), g(n.g, out) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const {
    const value_type a = lhs.coeff(i), b = rhs.coeff(i);
    if constexpr (Side == 0) return op.grad_a(a, b, op(a, b), g.coeff(i));
    else return op.grad_b(a, b, op(a, b), g.coeff(i));
  }

  struct row_type {
    Op op;
    row_t<evaluator<L, O>> lhs;
    row_t<evaluator<R, O>> rhs;
    row_t<evaluator<G, O>> g;
    SF_HD_INLINE value_type coeff(std::size_t j) const {
      const value_type a = lhs.coeff(j), b = rhs.coeff(j);
      if constexpr (Side == 0) return op.grad_a(a, b, op(a, b), g.coeff(j));
      else return op.grad_b(a, b, op(a, b), g.coeff(j));
    }
  };
  SF_HD_INLINE row_type row(std::size_t first) const {
    return {op, row_of(lhs, first), row_of(rhs, first), row_of(g, first)};
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_AUTODIFF_NODES_HPP
