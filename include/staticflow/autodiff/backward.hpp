// SPDX-License-Identifier: MIT
/// \file
/// \brief Reverse-mode differentiation over prepared expression types.
///
/// `backprop(node, g)` pushes the upstream gradient `g` (an expression of the node's shape)
/// towards the variables below `node`. The recursion is over types, so which paths lead to
/// variables is known at compile time and the others cost nothing. Elementwise gradients stay
/// expressions until they reach a materialisation point or a variable, where they are
/// evaluated in one fused pass.
#pragma once

#include <array>
#include <utility>

#include "staticflow/autodiff/forward.hpp"

namespace staticflow::autodiff {

/// True when a variable (a gradient target) sits below `N`.
template <class N>
struct has_variables : std::false_type {};
template <class N>
inline constexpr bool has_variables_v = has_variables<N>::value;
template <class T, class S, class P>
struct has_variables<var_leaf<T, S, P>> : std::true_type {};
template <class N, class V>
struct has_variables<cached<N, V>> : has_variables<N> {};
template <class Op, class E>
struct has_variables<unary<Op, E>> : has_variables<E> {};
template <class Op, class L, class R>
struct has_variables<binary<Op, L, R>> : std::bool_constant<has_variables_v<L> || has_variables_v<R>> {};
template <class C, class A, class B>
struct has_variables<select<C, A, B>> : std::bool_constant<has_variables_v<A> || has_variables_v<B>> {};
template <class L, class R, bool TA, bool TB>
struct has_variables<matmul_node<L, R, TA, TB>> : std::bool_constant<has_variables_v<L> || has_variables_v<R>> {};
template <class Red, class E, bool K, bool M, int... Ax>
struct has_variables<reduce_node<Red, E, K, M, Ax...>> : has_variables<E> {};
template <class E, class S>
struct has_variables<reshape_node<E, S>> : has_variables<E> {};
template <class Op, class L, class R>
struct has_variables<op_node<Op, L, R>> : std::bool_constant<has_variables_v<L> || has_variables_v<R>> {};
template <class Op, class E>
struct has_variables<unary_op_node<Op, E>> : has_variables<E> {};
template <class C>
struct has_variables<memo_node<C>> : has_variables<C> {};

namespace detail {

/// The axes of output shape `O` that an operand of shape `S` was broadcast along.
template <class S, class O>
struct broadcast_axes {
  static constexpr std::size_t rank = O::rank;
  static constexpr bool reduced(std::size_t d) {
    return d + S::rank < rank || (S::extents[d + S::rank - rank] == 1 && O::extents[d] != 1);
  }
  static constexpr std::size_t count = [] {
    std::size_t n = 0;
    for (std::size_t d = 0; d < rank; ++d) n += reduced(d);
    return n;
  }();
  static constexpr std::array<int, count> list = [] {
    std::array<int, count> a{};
    std::size_t k = 0;
    for (std::size_t d = 0; d < rank; ++d)
      if (reduced(d)) a[k++] = static_cast<int>(d);
    return a;
  }();
};

template <class S, class G, std::size_t... I>
auto sum_over_broadcast_axes(const G& g, std::index_sequence<I...>) {
  using axes = broadcast_axes<S, typename G::shape_type>;
  return reduce_node<ops::sum_reducer, G, true, false, axes::list[I]...>(ops::sum_reducer{}, g);
}

}  // namespace detail

/// The gradient `g` (in a broadcast result's shape) summed back to an operand's shape `S`.
template <class S, class P, class G>
auto sum_to(const G& g, const dims_t<S>& operand_dims, temporaries<P>& tmp) {
  using axes = detail::broadcast_axes<S, typename G::shape_type>;
  if constexpr (axes::count == 0) {
    return g;
  } else if constexpr (is_tensor_v<G> && axes::count + S::rank == G::shape_type::rank) {
    // Summed over leading axes only (a bias): through a [rows, columns] view, so the biases of
    // every layer of a dtype share one reduction.
    using T = typename G::value_type;
    using flat = tensor_view<T, shape<dyn, dyn>, P>;
    const std::size_t columns = element_count(operand_dims), rows = columns ? g.size() / columns : 0;
    auto out = tmp.template make<T, shape<dyn>>(dims_t<shape<dyn>>{{columns}});
    staticflow::detail::evaluate_into(
        out, reduce_node<ops::sum_reducer, flat, false, false, 0>(ops::sum_reducer{}, flat(g.data(), {{rows, columns}})),
        tmp);
    return tensor_view<T, S, P>(out.data(), operand_dims);
  } else {
    auto r = detail::sum_over_broadcast_axes<S>(g, std::make_index_sequence<axes::count>{});
    auto out = tmp.template make<typename G::value_type, typename decltype(r)::shape_type>(r.dims());
    staticflow::detail::evaluate_into(out, r, tmp);
    return tensor_view<typename G::value_type, S, P>(out.data(), operand_dims);
  }
}

/// The upstream gradient in memory (one fused pass), as a heavy node's backward needs it.
template <class P, class G>
auto gradient_in_memory(const G& g, temporaries<P>& tmp) {
  if constexpr (is_tensor_v<G>) return g;
  else return staticflow::detail::materialize(g, tmp);
}

template <class P, class N, class G>
void backprop(const N& node, const G& g, temporaries<P>& tmp);
template <class P, class Op, class E, class G>
void backprop(const unary<Op, E>& node, const G& g, temporaries<P>& tmp);
template <class P, class Op, class L, class R, class G>
void backprop(const binary<Op, L, R>& node, const G& g, temporaries<P>& tmp);
template <class P, class C, class A, class B, class G>
void backprop(const select<C, A, B>& node, const G& g, temporaries<P>& tmp);
template <class P, class N, class V, class G>
void backprop(const cached<N, V>& node, const G& g, temporaries<P>& tmp);
template <class P, class C, class G>
void backprop(const memo_node<C>& node, const G& g, temporaries<P>& tmp);
template <class P, class N>
void flush(const N& node, temporaries<P>& tmp);
template <class P, class E, class S, class G>
void backprop(const reshape_node<E, S>& node, const G& g, temporaries<P>& tmp);
template <class P, class T, class S, class G>
void backprop(const var_leaf<T, S, P>& node, const G& g, temporaries<P>& tmp);
template <class P, class N, class V, class G>
void backprop_cached(const N& node, const V& value, const G& g, temporaries<P>& tmp);
template <class P, class L, class R, bool TA, bool TB, class V, class G>
void backprop_cached(const matmul_node<L, R, TA, TB>& node, const V& value, const G& g, temporaries<P>& tmp);
template <class P, class Red, class E, bool K, bool M, int... Ax, class V, class G>
void backprop_cached(const reduce_node<Red, E, K, M, Ax...>& node, const V& value, const G& g, temporaries<P>& tmp);
template <class P, class Op, class L, class R, class V, class G>
void backprop_cached(const op_node<Op, L, R>& node, const V& value, const G& g, temporaries<P>& tmp);
template <class P, class Op, class E, class V, class G>
void backprop_cached(const unary_op_node<Op, E>& node, const V& value, const G& g, temporaries<P>& tmp);

template <class P, class N, class G>
void backprop(const N&, const G&, temporaries<P>&) {}  // constants, feeds, scalars: no gradient

template <class P, class T, class S, class G>
void backprop(const var_leaf<T, S, P>& node, const G& g, temporaries<P>& tmp) {
  if (!node.grad) return;
  const tensor_view<T, S, P> acc(node.grad, node.dims());
  if (node.first_gradient()) staticflow::detail::evaluate_into(acc, g, tmp);
  else staticflow::detail::evaluate_into(acc, acc + g, tmp);
}

template <class P, class Op, class E, class G>
void backprop(const unary<Op, E>& node, const G& g, temporaries<P>& tmp) {
  if constexpr (has_variables_v<E> && requires { node.op.grad(value_t<E>{}, value_t<E>{}, value_t<E>{}); })
    backprop(node.arg, unary_grad<Op, E, G>(node.op, node.arg, g), tmp);
  else flush(node.arg, tmp);
}

/// The gradient reaching one side of a binary node: d(op)/d(side) times g, lazily; for an
/// addition, g itself (so a gradient already in memory is handed on without another pass).
template <int Side, class Op, class L, class R, class G>
auto side_gradient(const binary<Op, L, R>& node, const G& g) {
  if constexpr (std::is_same_v<Op, ops::add>) return g;
  else return binary_grad<Op, L, R, G, Side>(node.op, node.lhs, node.rhs, g);
}

// Children are visited in the reverse of the forward pass's order, so the first use of a
// shared node (which holds its structure) comes after all its other uses have left their
// gradients. Subtrees that pass no gradient are still `flush`ed for the same reason.

template <class P, class Op, class L, class R, class G>
void backprop(const binary<Op, L, R>& node, const G& g, temporaries<P>& tmp) {
  using T = typename L::value_type;
  constexpr bool differentiable = requires { node.op.grad_a(T{}, T{}, T{}, T{}); };
  if constexpr (!differentiable) {
    flush(node.rhs, tmp), flush(node.lhs, tmp);
  } else if constexpr (has_variables_v<L> && has_variables_v<R> && !is_tensor_v<G>) {
    // Both sides read the upstream gradient (a dense layer's bias and product, say): one pass
    // computes it into memory instead of each side evaluating the lazy expression again.
    backprop(node, gradient_in_memory(g, tmp), tmp);
  } else {
    if constexpr (has_variables_v<R>)
      backprop(node.rhs,
               sum_to<typename R::shape_type>(side_gradient<1>(node, g), node.rhs.dims(), tmp),
               tmp);
    if constexpr (has_variables_v<L>)
      backprop(node.lhs,
               sum_to<typename L::shape_type>(side_gradient<0>(node, g), node.lhs.dims(), tmp),
               tmp);
  }
}

template <class P, class C, class A, class B, class G>
void backprop(const select<C, A, B>& node, const G& g, temporaries<P>& tmp) {
  using T = typename A::value_type;
  if constexpr (has_variables_v<B>) {
    select<C, scalar<T>, G> gb(node.cond, scalar<T>(T(0)), g, node.dims());
    backprop(node.if_false, sum_to<typename B::shape_type>(gb, node.if_false.dims(), tmp), tmp);
  }
  if constexpr (has_variables_v<A>) {
    select<C, G, scalar<T>> ga(node.cond, g, scalar<T>(T(0)), node.dims());
    backprop(node.if_true, sum_to<typename A::shape_type>(ga, node.if_true.dims(), tmp), tmp);
  }
  flush(node.cond, tmp);
}

/// A use of a shared node: later uses add their gradient into the node's buffer; the first
/// use (visited last) sends the total through the node's structure once.
template <class P, class C, class G>
void backprop(const memo_node<C>& node, const G& g, temporaries<P>& tmp) {
  if constexpr (has_variables_v<C>) {
    using T = typename memo_node<C>::value_type;
    using S = typename memo_node<C>::shape_type;
    const auto gm = gradient_in_memory(g, tmp);
    if (void* acc = tmp.gradient(node.id)) {
      const tensor_view<T, S, P> total(static_cast<T*>(acc), node.dims());
      staticflow::detail::evaluate_into(total, total + gm, tmp);
      if (node.full) backprop(*node.full, total, tmp);
    } else if (node.full) {
      backprop(*node.full, gm, tmp);
    } else {
      auto total = tmp.template make<T, S>(node.dims());
      staticflow::detail::evaluate_into(total, gm, tmp);
      tmp.set_gradient(node.id, total.data());
    }
  }
}

/// Walks a subtree that receives no gradient, so that the first use of a shared node found
/// there still sends back the gradients its other uses left.
template <class P, class N>
void flush(const N& node, temporaries<P>& tmp) {
  if constexpr (!has_variables_v<N>) {
    return;
  } else if constexpr (requires { node.full; node.id; }) {
    if (!node.full) return;
    using T = typename N::value_type;
    if (void* acc = tmp.gradient(node.id))
      backprop(*node.full, tensor_view<T, typename N::shape_type, P>(static_cast<T*>(acc), node.dims()), tmp);
    else
      flush(*node.full, tmp);
  } else if constexpr (requires { node.lhs; node.rhs; }) {
    flush(node.rhs, tmp), flush(node.lhs, tmp);
  } else if constexpr (requires { node.cond; }) {
    flush(node.if_false, tmp), flush(node.if_true, tmp), flush(node.cond, tmp);
  } else if constexpr (requires { *node.node; }) {
    flush(*node.node, tmp);
  } else if constexpr (requires { node.arg; }) {
    flush(node.arg, tmp);
  }
}

template <class P, class N, class V, class G>
void backprop(const cached<N, V>& node, const G& g, temporaries<P>& tmp) {
  if constexpr (has_variables_v<N>) backprop_cached(*node.node, node.value, gradient_in_memory(g, tmp), tmp);
}

/// The gradient of a reshape is the upstream gradient seen with the operand's shape.
template <class P, class E, class S, class G>
void backprop(const reshape_node<E, S>& node, const G& g, temporaries<P>& tmp) {
  if constexpr (has_variables_v<E>) {
    const auto gm = gradient_in_memory(g, tmp);
    backprop(node.arg, tensor_view<typename E::value_type, typename E::shape_type, P>(gm.data(), node.arg.dims()), tmp);
  }
}

/// An elementwise operand that was cached for a GEMM: continue through its structure.
template <class P, class N, class V, class G>
void backprop_cached(const N& node, const V&, const G& g, temporaries<P>& tmp) {
  backprop(node, g, tmp);
}

/// C = op(A) op(B): dA and dB by GEMMs on the cached operands; a variable's gradient goes
/// straight into its buffer (beta = 1 adds to what is there), with no temporary.
template <class P, class L, class R, bool TA, bool TB, class V, class G>
void backprop_cached(const matmul_node<L, R, TA, TB>& node, const V&, const G& g, temporaries<P>& tmp) {
  using T = typename V::value_type;
  using ex = executor<P>;
  const auto a = staticflow::detail::value_view(node.lhs);
  const auto b = staticflow::detail::value_view(node.rhs);
  const std::size_t m = g.dim(0), n = g.dim(1), k = a.dim(TA ? 0 : 1);
  auto target = [&](const auto& child, const auto& view, auto&& run) {
    using C = std::remove_cvref_t<decltype(child)>;
    if constexpr (requires { child.grad; }) {
      if (child.grad) run(child.grad, child.first_gradient() ? T(0) : T(1));
    } else {
      auto d = tmp.template make<T, typename C::shape_type>(view.dims());
      run(d.data(), T(0));
      backprop(child, d, tmp);
    }
  };
  if constexpr (has_variables_v<R>)
    target(node.rhs, b, [&](T* out, T beta) {
      if constexpr (!TB) ex::gemm(!TA, false, k, n, m, T(1), a.data(), g.data(), beta, out);
      else ex::gemm(true, TA, n, k, m, T(1), g.data(), a.data(), beta, out);
    });
  if constexpr (has_variables_v<L>)
    target(node.lhs, a, [&](T* out, T beta) {
      if constexpr (!TA) ex::gemm(false, !TB, m, k, n, T(1), g.data(), b.data(), beta, out);
      else ex::gemm(TB, true, k, m, n, T(1), b.data(), g.data(), beta, out);
    });
}

/// Sum and mean spread the gradient back over the reduced axes; max and min send it to the
/// elements equal to the result, shared equally between ties (as TF does).
template <class P, class Red, class E, bool K, bool M, int... Ax, class V, class G>
void backprop_cached(const reduce_node<Red, E, K, M, Ax...>& node, const V& value, const G& g, temporaries<P>& tmp) {
  using T = typename E::value_type;
  using node_type = reduce_node<Red, E, K, M, Ax...>;
  using keep = typename node_type::keep_shape;
  using S = typename E::shape_type;
  const auto in_dims = node.arg.dims();
  const tensor_view<T, keep, P> g_keep(g.data(), node.keep_dims());
  broadcast_node<tensor_view<T, keep, P>, S> spread(g_keep, in_dims);
  if constexpr (std::is_same_v<Red, ops::sum_reducer>) {
    if constexpr (M) {
      const T count = static_cast<T>(element_count(in_dims) / (value.size() ? value.size() : 1));
      backprop(node.arg, binary<ops::divide, decltype(spread), scalar<T>>(ops::divide{}, spread, scalar<T>(count), in_dims), tmp);
    } else {
      backprop(node.arg, spread, tmp);
    }
  } else {
    const tensor_view<T, keep, P> y_keep(value.data(), node.keep_dims());
    broadcast_node<tensor_view<T, keep, P>, S> y(y_keep, in_dims);
    using eq_t = unary<ops::cast_to<T>, binary<ops::equal, E, decltype(y)>>;
    eq_t hit(ops::cast_to<T>{}, binary<ops::equal, E, decltype(y)>(ops::equal{}, node.arg, y, in_dims));
    auto ties = staticflow::detail::materialize(reduce_node<ops::sum_reducer, eq_t, true, false, Ax...>(ops::sum_reducer{}, hit), tmp);
    broadcast_node<decltype(ties), S> share(ties, in_dims);
    auto routed = binary<ops::multiply, eq_t, decltype(spread)>(ops::multiply{}, hit, spread, in_dims);
    backprop(node.arg, binary<ops::divide, decltype(routed), decltype(share)>(ops::divide{}, routed, share, in_dims), tmp);
  }
}

/// A custom op computes each operand's gradient with its own kernel, then the recursion goes on.
template <class P, class Op, class L, class R, class V, class G>
void backprop_cached(const op_node<Op, L, R>& node, const V& value, const G& g, temporaries<P>& tmp) {
  using staticflow::detail::erase_extents;
  const auto l = staticflow::detail::value_view(node.lhs);
  const auto r = staticflow::detail::value_view(node.rhs);
  if constexpr (has_variables_v<R>) {
    auto d = tmp.template make<typename R::value_type, typename R::shape_type>(r.dims());
    node.op.template backward<1, P>(erase_extents(d), erase_extents(l), erase_extents(r), erase_extents(value),
                                    erase_extents(g), tmp);
    backprop(node.rhs, d, tmp);
  }
  if constexpr (has_variables_v<L>) {
    auto d = tmp.template make<typename L::value_type, typename L::shape_type>(l.dims());
    node.op.template backward<0, P>(erase_extents(d), erase_extents(l), erase_extents(r), erase_extents(value),
                                    erase_extents(g), tmp);
    backprop(node.lhs, d, tmp);
  }
}

template <class P, class Op, class E, class V, class G>
void backprop_cached(const unary_op_node<Op, E>& node, const V& value, const G& g, temporaries<P>& tmp) {
  if constexpr (has_variables_v<E>) {
    const auto x = staticflow::detail::value_view(node.arg);
    using staticflow::detail::erase_extents;
    auto d = tmp.template make<typename E::value_type, typename E::shape_type>(x.dims());
    node.op.template backward<P>(erase_extents(d), erase_extents(x), erase_extents(value), erase_extents(g), tmp);
    backprop(node.arg, d, tmp);
  }
}

/// Runs the backward pass of a prepared scalar-or-tensor expression, seeding it with ones
/// (the gradient of the sum of its elements, as `tf.gradients` does).
template <class P, class N>
void backward(const N& prepared, temporaries<P>& tmp) {
  using T = typename N::value_type;
  using S = typename N::shape_type;
  backprop(prepared, broadcast_node<scalar<T>, S>(scalar<T>(T(1)), prepared.dims()), tmp);
}

}  // namespace staticflow::autodiff
