// SPDX-License-Identifier: MIT
/// \file
/// \brief `op_node<Op, A...>`: a materialised op with its own kernels (convolution, pooling,
/// fused losses, dropout, moving averages, quantized products).
///
/// `Op` (one to four operands) supplies the name, the shape rule (`result_shape<S...>`, `result_dims<S>(dims...)`),
/// `forward<P>(out, in..., tmp)` and, when differentiable, `backward<Side, P>(d, in..., out, g,
/// tmp)`, all over views in memory whose extents are run-time ones (so layers that differ only
/// in static shapes share one instantiation of each kernel); `tmp` is the run's
/// `workspace<P>` for workspace (im2col matrices). An op may state `traits` (the default: a
/// differentiable materialisation point reading its operands from memory), `value_type`
/// (the default: the last operand's) and `has_gradient<Side>` (the default: true). Every pass handles the node through the node protocol
/// (expr/node.hpp): a new op is its `Op` type and a factory calling `make_op_node`.
#pragma once
#ifndef STATICFLOW_EXPR_OP_NODE_HPP
#define STATICFLOW_EXPR_OP_NODE_HPP

#include <utility>

#include "staticflow/expr/elementwise.hpp"

namespace staticflow {

namespace detail {

template <std::size_t>
inline constexpr std::size_t dyn_extent = dyn;
template <std::size_t... I>
shape<dyn_extent<I>...> all_dyn_shape(std::index_sequence<I...>);

/// The view with every extent a run-time one (see the file comment).
template <class V>
auto erase_extents(const V& v) {
  using S = decltype(all_dyn_shape(std::make_index_sequence<V::shape_type::rank>{}));
  return tensor_view<typename V::value_type, S, typename V::policy_type>(v.data(), v.dims());
}

template <class Op, class... A>
struct op_value {
  using type = typename decltype((std::type_identity<A>{}, ...))::type::value_type;  // the last operand's
};
template <class Op, class... A>
  requires requires { typename Op::template value_type<typename A::value_type...>; }
struct op_value<Op, A...> {
  using type = typename Op::template value_type<typename A::value_type...>;
};

template <class Op>
constexpr node_traits op_traits() {
  if constexpr (requires { Op::traits; }) return Op::traits;
  else return {.materialized = true, .operands_in_memory = true};
}

/// Whether the op can hand operand `Side`'s gradient to a variable as rows (TF's IndexedSlices,
/// core/indexed_slices.hpp): an op states `template <std::size_t Side> static constexpr bool
/// rows_gradient` and `backward_rows<Side>(leaf, ctx, in..., out, g)` (embedding lookups).
template <class Op, std::size_t Side>
constexpr bool op_rows_gradient() {
  if constexpr (requires { Op::template rows_gradient<Side>; }) return Op::template rows_gradient<Side>;
  else return false;
}

/// Whether operand `Side` gets a gradient from the op: an op may state
/// `template <std::size_t Side> static constexpr bool has_gradient` (TF's v1 softmax
/// cross-entropy sends none to its labels); the default is every floating operand.
template <class Op, std::size_t Side>
constexpr bool op_has_gradient() {
  if constexpr (requires { Op::template has_gradient<Side>; }) return Op::template has_gradient<Side>;
  else return true;
}

}  // namespace detail

template <class Op, class... A>
struct op_node : node_base<op_node<Op, A...>> {
  using value_type = typename detail::op_value<Op, A...>::type;
  using shape_type = typename Op::template result_shape<typename A::shape_type...>;
  using policy_type = common_policy_t<typename A::policy_type...>;
  using op_type = Op;
  static constexpr node_traits traits = detail::op_traits<Op>();
  static constexpr const char* name = op_name_v<Op>;
  static constexpr const char* tf_op = tf_op_v<Op>;
  static constexpr const char* tf_name = tf_name_v<Op>;
  Op op;
  meta::values<A...> args;
  dims_t<shape_type> extents;
  node_id id;
  op_node(Op o, A... a) : op(o), args{{{a}...}}, extents(o.template result_dims<shape_type>(a.dims()...)) {}
  const dims_t<shape_type>& dims() const { return extents; }

  meta::children<A...> children() const {
    if constexpr (arity == 1) return {&meta::get<0>(args)};
    else if constexpr (arity == 2) return {&meta::get<0>(args), &meta::get<1>(args)};
    else if constexpr (arity == 3) return {&meta::get<0>(args), &meta::get<1>(args), &meta::get<2>(args)};
    else return meta::pointers(args);
  }
  template <class... B>
  auto rebuild(B... b) const {
    op_node<Op, B...> n(op, std::move(b)...);
    n.id = id;
    return n;
  }

  /// The dtype `T`, then what the op states.
  template <class B>
  void tf_attrs(B& b) const {
    b.template type<value_type>("T");
    if constexpr (requires { op.tf_attrs(b); }) op.tf_attrs(b);
  }

  template <class P, class T, class S>
  void evaluate(const tensor_view<T, S, P>& dst, workspace<P>& tmp) const {
    // (Operands of a prepared tree are in memory already; otherwise the order of their
    // evaluation only decides which workspace block each gets.) Spelled out per arity: one
    // function per op kind, no helper lambdas.
    using detail::erase_extents, detail::materialize;
    const auto out = erase_extents(dst);
    if constexpr (arity == 1) op.template forward<P>(out, erase_extents(materialize(meta::get<0>(args), tmp)), tmp);
    else if constexpr (arity == 2)
      op.template forward<P>(out, erase_extents(materialize(meta::get<0>(args), tmp)), erase_extents(materialize(meta::get<1>(args), tmp)), tmp);
    else if constexpr (arity == 3)
      op.template forward<P>(out, erase_extents(materialize(meta::get<0>(args), tmp)), erase_extents(materialize(meta::get<1>(args), tmp)),
                             erase_extents(materialize(meta::get<2>(args), tmp)), tmp);
    else
      op.template forward<P>(out, erase_extents(materialize(meta::get<0>(args), tmp)), erase_extents(materialize(meta::get<1>(args), tmp)),
                             erase_extents(materialize(meta::get<2>(args), tmp)), erase_extents(materialize(meta::get<3>(args), tmp)),
                             tmp);
  }

  /// Each floating operand below which a variable sits gets its gradient from the op's kernel,
  /// last operand first (the reverse of the forward pass's order); integer operands (indices,
  /// run counters) have no gradient, as in TF.
  template <class Ctx, class V, class G>
  void backward(Ctx& ctx, const V& value, const G& g) const {
    backward_sides(ctx, value, g, std::make_index_sequence<arity>{});
  }

 private:
  static constexpr std::size_t arity = sizeof...(A);
  static_assert(arity >= 1 && arity <= 4, "sf::op_node: an op takes one to four operands");
  template <class Ctx, class V, class G, std::size_t... I>
  void backward_sides(Ctx& ctx, const V& value, const G& g, std::index_sequence<I...>) const {
    (backward_side<arity - 1 - I>(ctx, value, g), ...);
  }
  template <std::size_t Side, class Ctx, class V, class G>
  void backward_side(Ctx& ctx, const V& value, const G& g) const {
    const auto& child = meta::get<Side>(args);
    using C = std::remove_cvref_t<decltype(child)>;
    if constexpr (has_variables_v<C> && floating_element<typename C::value_type> && detail::op_has_gradient<Op, Side>()) {
      using P = typename V::policy_type;
      using detail::erase_extents, detail::value_view;
      if constexpr (detail::op_rows_gradient<Op, Side>() && traits_v<C>.variable && std::is_same_v<P, host> &&
                    requires { child.slices; }) {
        // A variable read by a lookup takes its gradient as rows (on the host; CUDA goes dense).
        if constexpr (arity == 2)
          op.template backward_rows<Side>(child, ctx, erase_extents(value_view(meta::get<0>(args))),
                                          erase_extents(value_view(meta::get<1>(args))), erase_extents(value), erase_extents(g));
        else if constexpr (arity == 3)
          op.template backward_rows<Side>(child, ctx, erase_extents(value_view(meta::get<0>(args))),
                                          erase_extents(value_view(meta::get<1>(args))),
                                          erase_extents(value_view(meta::get<2>(args))), erase_extents(value), erase_extents(g));
        else
          op.template backward_rows<Side>(child, ctx, erase_extents(value_view(meta::get<0>(args))),
                                          erase_extents(value_view(meta::get<1>(args))),
                                          erase_extents(value_view(meta::get<2>(args))),
                                          erase_extents(value_view(meta::get<3>(args))), erase_extents(value), erase_extents(g));
        return;
      }
      auto d = ctx.tmp.template make<typename C::value_type, typename C::shape_type>(child.dims());
      constexpr int side = static_cast<int>(Side);
      const auto dx = erase_extents(d);
      const auto y = erase_extents(value);
      const auto dy = erase_extents(g);
      if constexpr (arity == 1)
        op.template backward<side, P>(dx, erase_extents(value_view(meta::get<0>(args))), y, dy, ctx.tmp);
      else if constexpr (arity == 2)
        op.template backward<side, P>(dx, erase_extents(value_view(meta::get<0>(args))), erase_extents(value_view(meta::get<1>(args))), y, dy,
                                      ctx.tmp);
      else if constexpr (arity == 3)
        op.template backward<side, P>(dx, erase_extents(value_view(meta::get<0>(args))), erase_extents(value_view(meta::get<1>(args))),
                                      erase_extents(value_view(meta::get<2>(args))), y, dy, ctx.tmp);
      else
        op.template backward<side, P>(dx, erase_extents(value_view(meta::get<0>(args))), erase_extents(value_view(meta::get<1>(args))),
                                      erase_extents(value_view(meta::get<2>(args))), erase_extents(value_view(meta::get<3>(args))), y,
                                      dy, ctx.tmp);
      ctx.propagate(child, d);
    } else {
      ctx.flush(child);
    }
  }
};

template <class Op, class... E>
auto make_op_node(Op op, const E&... e) {
  return op_node<Op, node_t<E>...>(op, as_node(e)...);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_OP_NODE_HPP
