// SPDX-License-Identifier: MIT
/// \file
/// \brief `reshape<S>(e)` and `flatten(e)`: the same elements (row-major) seen with another shape.
#pragma once
#ifndef STATICFLOW_EXPR_RESHAPE_HPP
#define STATICFLOW_EXPR_RESHAPE_HPP

#include <cstdint>
#include <vector>

#include "staticflow/core/shape_error.hpp"
#include "staticflow/expr/evaluator.hpp"

namespace staticflow {

/// `E`'s elements in row-major order, with shape `S` (same element count).
template <class E, class S>
struct reshape_node : node_base<reshape_node<E, S>> {
  using value_type = typename E::value_type;
  using shape_type = S;
  using policy_type = typename E::policy_type;
  E arg;
  dims_t<S> extents;
  reshape_node(E e, const dims_t<S>& d) : arg(std::move(e)), extents(d) {}
  /// Infers the single `dyn` extent of S from the element count (a graph-time `dyn` stays `dyn`).
  explicit reshape_node(E e) : arg(std::move(e)) {
    const auto in = arg.dims();
    std::size_t count = 1;
    bool unknown = false;
    for (std::size_t i = 0; i < in.size(); ++i) unknown |= in[i] == dyn, count *= in[i];
    for (std::size_t i = 0; i < S::rank; ++i)
      extents[i] = S::extents[i] == dyn ? (unknown ? dyn : count / S::static_part) : S::extents[i];
    if (!unknown && element_count(extents) != count)
      detail::fail<invalid_argument>({"sf::reshape: cannot view extents ", to_string(in), " as ", to_string(S{})});
  }
  const dims_t<S>& dims() const { return extents; }

  static constexpr const char* name = "sf::reshape";
  static constexpr const char* tf_op = "Reshape";
  /// The target shape goes in as a second input, an int32 Const (-1 for the inferred extent).
  template <class B>
  void tf_attrs(B& b) const {
    std::vector<std::int32_t> target;
    for (std::size_t i = 0; i < S::rank; ++i)
      target.push_back(S::extents[i] == dyn ? -1 : static_cast<std::int32_t>(S::extents[i]));
    b.template type<value_type>("T");
    b.template type<std::int32_t>("Tshape");
    b.const_input("shape", {static_cast<std::int64_t>(S::rank)}, target);
  }
  meta::children<E> children() const { return {&arg}; }
  /// Over a view of memory, reshaping is free: the result is a view with the new shape.
  template <class A>
  auto rebuild(A a) const {
    reshape_node<A, S> r(std::move(a));
    if constexpr (is_tensor_v<A>)
      return tensor_view<value_type, S, typename A::policy_type>(r.arg.data(), r.dims());
    else return r;
  }
  /// The upstream gradient, seen with the operand's shape.
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    const auto gm = detail::materialize(g, ctx.tmp);
    using P = typename decltype(gm)::policy_type;
    ctx.propagate(arg, tensor_view<value_type, typename E::shape_type, P>(gm.data(), arg.dims()));
  }
};

template <class E, class S, class O>
struct evaluator<reshape_node<E, S>, O> {
  using value_type = typename E::value_type;
  detail::broadcast_map<S, O> map;
  evaluator<E, typename E::shape_type> arg;
  evaluator(const reshape_node<E, S>& r, const dims_t<O>& out) : map(r.dims(), out), arg(r.arg, r.arg.dims()) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const { return arg.coeff(map(i)); }
};

namespace detail {
template <class From, class To, bool Ok = reshape_valid_v<From, To>>
struct check_reshape {
  static constexpr bool value = true;
};
template <class From, class To>
struct check_reshape<From, To, false> {
  static constexpr bool value = [] {  // in a lambda, as check_broadcast's (clang's cascade)
    SF_SHAPE_ASSERT("sf::reshape: the new shape must hold the same number of elements", "from " + shape_text<From>,
                    "to " + shape_text<To>);
    return false;
  }();
};
}  // namespace detail

/// The elements of `e` with shape `S`; at most one `dyn` extent, inferred from the count.
template <any_shape S, operand E>
auto reshape(const E& e) {
  if constexpr (detail::check_reshape<shape_of_t<E>, S>::value) return reshape_node<node_t<E>, S>(as_node(e));
  else return scalar<value_t<E>>({});
}

/// [N, d1, d2, ...] -> [N, d1 * d2 * ...] (TF's flatten: h, w, c order for NHWC).
template <operand E>
auto flatten(const E& e) {
  using S = shape_of_t<E>;
  static_assert(S::rank >= 1, "sf::flatten: needs at least a batch axis");
  constexpr bool inner_static = [] {
    for (std::size_t i = 1; i < S::rank; ++i)
      if (S::extents[i] == dyn) return false;
    return true;
  }();
  static_assert(inner_static, "sf::flatten: the extents after the batch axis must be static");
  constexpr std::size_t inner = [] {
    std::size_t n = 1;
    for (std::size_t i = 1; i < S::rank; ++i) n *= S::extents[i];
    return n;
  }();
  return reshape<shape<S::extents[0], inner>>(e);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_RESHAPE_HPP
