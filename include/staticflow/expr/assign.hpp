// SPDX-License-Identifier: MIT
/// \file
/// \brief Evaluating expressions: `tensor = expr`, `eval(expr)`, and materialisation of heavy nodes.
///
/// Elementwise trees run as one pass of `executor<Policy>::elementwise` over an evaluator.
/// Matmuls and reductions are materialisation points: at the root of an assignment they write
/// straight into the destination; inside a tree they are computed once into a temporary that
/// the tree then reads like any tensor. A dense layer's `matmul(x, w) + b` and
/// `relu(matmul(x, w) + b)` are one GEMM with a fused epilogue (`executor<P>::gemm_bias`).
#pragma once
#ifndef STATICFLOW_EXPR_ASSIGN_HPP
#define STATICFLOW_EXPR_ASSIGN_HPP

#include <concepts>
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/device.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/expr/evaluator.hpp"
#include "staticflow/expr/matmul.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/expr/reduce.hpp"
#include "staticflow/expr/reshape.hpp"
#include "staticflow/expr/workspace.hpp"

namespace staticflow {

namespace detail {

/// A static last extent up to this long is passed to the executor as a compile-time row
/// length (longer rows vectorise as well with a run-time length).
inline constexpr std::size_t short_row = 32;

/// The node's value in memory: its own storage, or a temporary computed once per run (a node
/// used twice in one expression, such as a batch mean, is evaluated once: found by its id).
template <class P, class N>
auto materialize(const N& node, workspace<P>& tmp) {
  if constexpr (has_value_view<N>) {
    return value_view(node);
  } else {
    using view = tensor_view<typename N::value_type, typename N::shape_type, P>;
    if constexpr (requires { node.id.value; })
      if (void* done = tmp.find(node.id)) return view(static_cast<typename N::value_type*>(done), node.dims());
    view out = tmp.template make<typename N::value_type, typename N::shape_type>(node.dims());
    evaluate_into(out, node, tmp);
    if constexpr (requires { node.id.value; }) tmp.remember(node.id, out.data());
    return out;
  }
}

/// The node with every materialisation point replaced by a view of its computed value: what
/// an evaluator reads in one elementwise pass.
template <class P>
struct lower_fn {  // the pass as a function object, handed to map_children as is: one
                   // instantiation per node type, no per-child wrapper
  workspace<P>& tmp;
  template <class N>
  auto operator()(const N& node) const {
    if constexpr (has_value_view<N> || is_leaf_v<N>) return node;
    else if constexpr (traits_v<N>.materialized) return materialize(node, tmp);
    else return map_children(node, *this);
  }
};
template <class P, class N>
auto lower(const N& node, workspace<P>& tmp) {
  return lower_fn<P>{tmp}(node);
}

/// A dense layer's GEMM with its epilogue: `matmul + bias`, `bias + matmul` (bias of rank 1,
/// along the product's columns) and `relu` of either. `product(n)` and `bias(n)` find the parts.
template <class N>
struct gemm_epilogue {
  static constexpr bool matches = false, relu = false;
};
template <class Op, class L, class R, bool TA, bool TB, class B>
  requires std::derived_from<Op, ops::add>  // `+` and bias_add
struct gemm_epilogue<binary<Op, matmul_node<L, R, TA, TB>, B>> {
  static constexpr bool matches = B::shape_type::rank == 1, relu = false;
  static const auto& product(const binary<Op, matmul_node<L, R, TA, TB>, B>& n) { return n.lhs; }
  static const auto& bias(const binary<Op, matmul_node<L, R, TA, TB>, B>& n) { return n.rhs; }
};
template <class Op, class B, class L, class R, bool TA, bool TB>
  requires std::derived_from<Op, ops::add>
struct gemm_epilogue<binary<Op, B, matmul_node<L, R, TA, TB>>> {
  static constexpr bool matches = B::shape_type::rank == 1, relu = false;
  static const auto& product(const binary<Op, B, matmul_node<L, R, TA, TB>>& n) { return n.rhs; }
  static const auto& bias(const binary<Op, B, matmul_node<L, R, TA, TB>>& n) { return n.lhs; }
};
template <class E>
struct gemm_epilogue<unary<ops::relu, E>> {
  static constexpr bool matches = gemm_epilogue<E>::matches && !gemm_epilogue<E>::relu, relu = true;
  static const auto& product(const unary<ops::relu, E>& n) { return gemm_epilogue<E>::product(n.arg); }
  static const auto& bias(const unary<ops::relu, E>& n) { return gemm_epilogue<E>::bias(n.arg); }
};

/// Evaluates a matching tree as one GEMM with its epilogue, straight into `dst`. False (nothing
/// done) when the run-time extents do not line up: a bias of extent 1 broadcasts, for example.
template <class P, class T, class S, class N>
bool evaluate_gemm_epilogue(const tensor_view<T, S, P>& dst, const N& node, workspace<P>& tmp) {
  using epilogue = gemm_epilogue<N>;
  const auto& product = epilogue::product(node);
  using M = std::remove_cvref_t<decltype(product)>;
  if constexpr (S::rank != 2 || !std::is_same_v<typename M::value_type, T>) {
    return false;
  } else {
    const auto dims = product.dims();
    const auto& bias_node = epilogue::bias(node);
    if (bias_node.dims()[0] != dims[1] || dst.dim(0) != dims[0] || dst.dim(1) != dims[1]) return false;
    auto a = materialize(product.lhs, tmp);
    auto b = materialize(product.rhs, tmp);
    auto bias = materialize(bias_node, tmp);
    const std::size_t k = a.dim(M::transpose_a ? 0 : 1);
    executor<P>::gemm_bias(M::transpose_a, M::transpose_b, dims[0], dims[1], k, a.data(), b.data(), bias.data(),
                           epilogue::relu, dst.data());
    return true;
  }
}

/// Not a template: one copy of the message's code, whatever the shapes.
[[noreturn]] inline void throw_assign_mismatch(const std::size_t* src, std::size_t src_rank, const std::size_t* dst,
                                               std::size_t dst_rank) {
  detail::fail<invalid_argument>({"sf: cannot assign an expression of extents ", extents_string(src, src_rank, false),
                                  " to a tensor of extents ", extents_string(dst, dst_rank, false)});
}

/// A view, or an elementwise op of two views, all of the destination's shape `S`: the same loop
/// whatever the shape, so it runs over flat views. (The copies and sums of a network's gradients
/// would otherwise each instantiate one kernel per layer shape.)
template <class N, class S>
inline constexpr bool is_flat_elementwise = false;
template <class T, class S, class P>
inline constexpr bool is_flat_elementwise<tensor_view<T, S, P>, S> = !std::is_same_v<S, shape<dyn>>;
template <class Op, class T, class S, class P>
inline constexpr bool is_flat_elementwise<binary<Op, tensor_view<T, S, P>, tensor_view<T, S, P>>, S> =
    !std::is_same_v<S, shape<dyn>>;

template <class T, class S, class P>
tensor_view<T, shape<dyn>, P> flat(const tensor_view<T, S, P>& v) {
  return {v.data(), {{v.size()}}};
}
template <class Op, class T, class S, class P>
auto flat(const binary<Op, tensor_view<T, S, P>, tensor_view<T, S, P>>& b) {
  using view = tensor_view<T, shape<dyn>, P>;
  if (b.lhs.size() != b.rhs.size())
    throw_assign_mismatch(b.rhs.dims().v, S::rank, b.lhs.dims().v, S::rank);
  const view l = flat(b.lhs), r = flat(b.rhs);
  return binary<Op, view, view>(b.op, l, r, l.dims());
}

template <class P, class T, class S, class N>
void evaluate_into(const tensor_view<T, S, P>& dst, const N& node, workspace<P>& tmp) {
  using ex = executor<P>;
  if constexpr (traits_v<N>.materialized && std::is_same_v<typename N::shape_type, S>) {
    node.evaluate(dst, tmp);
  } else if constexpr (is_flat_elementwise<N, S>) {
    const auto flat_node = flat(node);
    if (flat_node.dims()[0] != dst.size()) throw_assign_mismatch(node.dims().v, S::rank, dst.dims().v, S::rank);
    evaluate_into(flat(dst), flat_node, tmp);
  } else {
    if constexpr (gemm_epilogue<N>::matches)
      if (evaluate_gemm_epilogue(dst, node, tmp)) return;
    auto lowered = lower(node, tmp);
    evaluator<decltype(lowered), S> ev(lowered, dst.dims());
    if constexpr (S::rank > 0 && S::extents[S::rank - 1] != dyn && S::extents[S::rank - 1] <= short_row)
      ex::elementwise(dst.data(), dst.size(), std::integral_constant<std::size_t, S::extents[S::rank - 1]>{}, ev);
    else
      ex::elementwise(dst.data(), dst.size(), S::rank > 0 ? std::size_t{dst.dims()[S::rank - 1]} : std::size_t{1}, ev);
  }
}

/// Compile-time rules of `dst = expr`, with both shapes in the instantiation note.
template <class Dst, class Src, class DT, class ST>
struct check_assign {
  static_assert(std::is_same_v<DT, ST>, "sf: assigning an expression of another dtype requires an explicit sf::cast<T>");
  static_assert(Src::rank <= Dst::rank, "sf: the expression has a higher rank than the destination tensor");
  static constexpr bool value = std::is_same_v<DT, ST> && Src::rank <= Dst::rank;
};

template <class D, class S>
void check_assign_dims(const dims_t<D>& dst, const dims_t<S>& src) {
  for (std::size_t d = 0; d < S::rank; ++d) {
    const std::size_t dd = d + D::rank - S::rank;
    if (src[d] != dst[dd] && S::extents[d] != 1) throw_assign_mismatch(src.v, S::rank, dst.v, D::rank);
  }
}

}  // namespace detail

namespace detail {
/// True when some node of `N` reads its operands at other indices than it writes (a product,
/// a reduction, a transpose): only then can an assignment read what it has already overwritten.
template <class N>
struct moves_elements
    : std::bool_constant<traits_v<N>.materialized || !traits_v<N>.pointwise || any_child_v<N, moves_elements>> {};

/// True when a tensor read by `node` below an element-moving node overlaps [lo, hi). A
/// materialisation point below the root is computed into a temporary before the pass that
/// writes the destination, so only the root's, and index-moving elementwise nodes, count.
template <class N>
bool reads_moved(const N& node, const std::byte* lo, const std::byte* hi, bool moved, bool root) {
  if constexpr (has_value_view<N>) {
    const auto v = value_view(node);
    const auto* first = reinterpret_cast<const std::byte*>(v.data());
    return moved && first < hi && lo < first + v.size() * sizeof(typename decltype(v)::value_type);
  } else {
    if (traits_v<N>.materialized && !root) return false;
    moved = moved || traits_v<N>.materialized || !traits_v<N>.pointwise;
    bool hit = false;
    for_each_child(node, [&](const auto& c) { hit = hit || reads_moved(c, lo, hi, moved, false); });
    return hit;
  }
}
}  // namespace detail

/// `dst = expr`: evaluates `expr` into the elements of `dst` (broadcasting it when smaller).
/// An expression that moves elements (`s = sf::transpose(s)`, `m = sf::matmul(m, m)`) and reads
/// `dst` itself is evaluated into a temporary first, as Eigen does for products.
/// **Errors:** other dtype or higher rank: compile error; run-time extents that do not fit: invalid_argument.
template <class T, class S, class P, class E>
void assign_expression(const tensor_view<T, S, P>& dst, const E& e) {
  auto node = as_node(e);
  using N = decltype(node);
  static_assert(std::is_void_v<typename N::policy_type> || std::is_same_v<typename N::policy_type, P>,
                "sf: the expression lives on another device than the destination; copy explicitly");
  if constexpr (detail::check_assign<S, typename N::shape_type, T, typename N::value_type>::value) {
    detail::check_assign_dims<S, typename N::shape_type>(dst.dims(), node.dims());
    if constexpr (detail::moves_elements<N>::value) {
      const auto* lo = reinterpret_cast<const std::byte*>(dst.data());
      if (detail::reads_moved(node, lo, lo + dst.size() * sizeof(T), false, true)) {
        const tensor<T, typename N::shape_type, P> value(node);
        return assign_expression(dst, value.view());
      }
    }
    workspace<P> tmp;
    if constexpr (traits_v<N>.materialized && !std::is_same_v<typename N::shape_type, S>) {
      // Same extents but another static spelling (e.g. dyn vs 4): view the destination with the node's shape.
      if (element_count(node.dims()) == dst.size()) {
        detail::evaluate_into(tensor_view<T, typename N::shape_type, P>(dst.data(), node.dims()), node, tmp);
        return;
      }
    }
    detail::evaluate_into(dst, node, tmp);
  }
}

/// Evaluates an expression into a new tensor on its policy (the host when it has none).
template <operand E>
auto eval(const E& e) {
  using N = node_t<E>;
  using P = std::conditional_t<std::is_void_v<typename N::policy_type>, host, typename N::policy_type>;
  return tensor<typename N::value_type, typename N::shape_type, P>(e);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_ASSIGN_HPP
