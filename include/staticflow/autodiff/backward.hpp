// SPDX-License-Identifier: MIT
/// \file
/// \brief Reverse-mode differentiation over prepared expression types.
///
/// `grad_context::propagate(node, g)` pushes the upstream gradient `g` (an expression of the
/// node's shape) towards the variables below `node` through the node's own `backward`: each
/// rule lives with its node (matmul's in expr/matmul.hpp). Elementwise gradients stay
/// expressions until they reach a materialisation point or a variable, where they are
/// evaluated in one fused pass.
#pragma once
#ifndef STATICFLOW_AUTODIFF_BACKWARD_HPP
#define STATICFLOW_AUTODIFF_BACKWARD_HPP

#include <array>
#include <utility>

#include "staticflow/autodiff/forward.hpp"

namespace staticflow::autodiff {

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
auto sum_to(const G& g, const dims_t<S>& operand_dims, workspace<P>& tmp) {
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

template <class P>
struct grad_context;

/// Walks a subtree that receives no gradient, so that the first use of a shared node found
/// there still sends back the gradients its other uses left. Children are visited in the
/// reverse of the forward pass's order, as `backward`s do: the first use of a shared node
/// (which holds its structure) comes after all its other uses have left their gradients.
template <class P>
struct flusher {  // a function object handed to for_each_child as is (no lambda per node)
  grad_context<P>& ctx;
  template <class N>
  void operator()(const N& node) const {
    if constexpr (has_variables_v<N>) {
      if constexpr (requires { node.flush(ctx); }) node.flush(ctx);
      else for_each_child<true>(node, *this);
    }
  }
};
template <class P, class N>
void flush(const N& node, grad_context<P>& ctx) {
  flusher<P>{ctx}(node);
}

/// What a node's `backward` is handed: the run's workspace and the ways on.
template <class P>
struct grad_context {
  workspace<P>& tmp;
  gradient_listener* listener = nullptr;  ///< told of each write into a variable's gradient (may be null)
  /// A variable's gradient buffer (flagged by `state`) has just been written or added to.
  void arrived(const gradient_state* state) const {
    if (listener && state) listener->arrived(state);
  }
  /// Sends `g` (the gradient of the sum of the root) on into `child`: each node's own
  /// `backward` says where it goes (expr/node.hpp). A gradient in a broadcast result's shape is
  /// first summed back to `child`'s. Which paths lead to variables is known at compile time;
  /// the others cost nothing.
  template <class C, class G>
  void propagate(const C& child, const G& g) {
    if constexpr (has_variables_v<C>) {
      static_assert(requires { child.backward(*this, g); },
                    "sf::gradients: this node has variables below it but no backward(ctx, g); see expr/node.hpp");
      if constexpr (detail::broadcast_axes<typename C::shape_type, typename G::shape_type>::count == 0)
        child.backward(*this, g);
      else
        child.backward(*this, autodiff::sum_to<typename C::shape_type, P>(g, child.dims(), tmp));
    }
  }
  /// `child` receives no gradient (see `flush`).
  template <class C>
  void flush(const C& child) {
    autodiff::flush(child, *this);
  }
};

/// Runs the backward pass of a prepared scalar-or-tensor expression, seeding it with ones
/// (the gradient of the sum of its elements, as `tf.gradients` does). `listener`, when given,
/// hears of every write into a variable's gradient buffer.
template <class P, class N>
void backward(const N& prepared, workspace<P>& tmp, gradient_listener* listener = nullptr) {
  using T = typename N::value_type;
  using S = typename N::shape_type;
  grad_context<P> ctx{tmp, listener};
  ctx.propagate(prepared, broadcast_node<scalar<T>, S>(scalar<T>(T(1)), prepared.dims()));
}

}  // namespace staticflow::autodiff
#endif  // STATICFLOW_AUTODIFF_BACKWARD_HPP
