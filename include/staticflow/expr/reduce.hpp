// SPDX-License-Identifier: MIT
/// \file
/// \brief Reductions over given axes (sum, mean, max, min, argmax, argmin), with or without keepdims.
///
/// A reduction is a materialisation point: inside a larger expression it is computed once into a
/// temporary; at the root of an assignment it is computed straight into the destination, reading
/// its (elementwise) operand on the fly, so `reduce_sum(square(a - b))` makes one pass.
#pragma once
#ifndef STATICFLOW_EXPR_REDUCE_HPP
#define STATICFLOW_EXPR_REDUCE_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "staticflow/expr/elementwise.hpp"
#include "staticflow/expr/evaluator.hpp"
#include "staticflow/ops/elementwise.hpp"

namespace staticflow {

/// Tag: keep reduced axes with extent 1 (TF's keepdims=True).
struct keepdims_t {};
inline constexpr keepdims_t keepdims{};

namespace detail {

/// Normalises axes (negative counts from the end) and says which axes of a rank-R shape are reduced.
template <std::size_t R, int... Axes>
struct axes_info {
  static constexpr bool in_range = ((Axes < static_cast<int>(R) && Axes >= -static_cast<int>(R)) && ...);
  static constexpr std::array<bool, R> reduced = [] {
    std::array<bool, R> r{};
    if constexpr (sizeof...(Axes) == 0) r.fill(true);
    else ((r[static_cast<std::size_t>(Axes < 0 ? Axes + static_cast<int>(R) : Axes) % (R ? R : 1)] = true), ...);
    return r;
  }();
  static constexpr std::size_t reduced_count = [] {
    std::size_t n = 0;
    for (bool b : reduced) n += b;
    return n;
  }();
};

template <class S, class Info, bool Keep>
struct reduced_shape {
  static constexpr std::size_t rank = Keep ? S::rank : S::rank - Info::reduced_count;
  static constexpr std::array<std::size_t, rank> extents = [] {
    std::array<std::size_t, rank> r{};
    std::size_t k = 0;
    for (std::size_t d = 0; d < S::rank; ++d) {
      if (!Info::reduced[d]) r[k++] = S::extents[d];
      else if (Keep) r[k++] = 1;
    }
    return r;
  }();
  using type = typename shape_from_array<extents, rank>::type;
};

template <class Api, std::size_t Rank, int... Axes>
struct check_axes {
  static constexpr bool value = [] {  // in a lambda, as check_same_dtype's (expr/elementwise.hpp)
    static_assert(axes_info<Rank, Axes...>::in_range, "sf::reduce: an axis is out of range for the operand's rank");
    return axes_info<Rank, Axes...>::in_range;
  }();
};

}  // namespace detail

/// Reduces `E` over `Axes` (all axes when none are given) with `Reducer`; `Mean` divides by the count.
template <class Reducer, class E, bool Keep, bool Mean, int... Axes>
struct reduce_node : node_base<reduce_node<Reducer, E, Keep, Mean, Axes...>> {
  using info = detail::axes_info<E::shape_type::rank, Axes...>;
  using value_type = typename E::value_type;
  using shape_type = typename detail::reduced_shape<typename E::shape_type, info, Keep>::type;
  /// The result with the reduced axes kept as 1: how each input element maps to its output.
  using keep_shape = typename detail::reduced_shape<typename E::shape_type, info, true>::type;
  using policy_type = typename E::policy_type;
  static constexpr bool mean = Mean;
  Reducer reducer;
  E arg;
  dims_t<shape_type> extents;
  node_id id;
  reduce_node(Reducer r, E e) : reducer(r), arg(std::move(e)) {
    const auto in = arg.dims();
    std::size_t k = 0;
    for (std::size_t d = 0; d < E::shape_type::rank; ++d) {
      if (!info::reduced[d]) extents[k++] = in[d];
      else if (Keep) extents[k++] = 1;
    }
  }
  const dims_t<shape_type>& dims() const { return extents; }
  dims_t<keep_shape> keep_dims() const {
    dims_t<keep_shape> k{};
    const auto in = arg.dims();
    for (std::size_t d = 0; d < E::shape_type::rank; ++d) k[d] = info::reduced[d] ? 1 : in[d];
    return k;
  }

  static constexpr const char* name = Mean ? "sf::reduce_mean" : op_name_v<Reducer>;
  static constexpr const char* tf_op = Mean ? "Mean" : tf_op_v<Reducer>;
  /// The axes go in as a second input, an int32 Const (TF's `reduction_indices`).
  template <class B>
  void tf_attrs(B& b) const {
    std::vector<std::int32_t> axes;
    for (std::size_t d = 0; d < E::shape_type::rank; ++d)
      if (info::reduced[d]) axes.push_back(static_cast<std::int32_t>(d));
    b.template type<value_type>("T");
    b.template type<std::int32_t>("Tidx");
    b.flag("keep_dims", Keep);
    b.const_input("reduction_indices", {static_cast<std::int64_t>(axes.size())}, axes);
  }
  /// The operand is read on the fly (not computed into memory first): `reduce_sum(square(a - b))`
  /// is one pass.
  static constexpr node_traits traits{.materialized = true};
  meta::children<E> children() const { return {&arg}; }
  template <class A>
  auto rebuild(A a) const {
    reduce_node<Reducer, A, Keep, Mean, Axes...> r(reducer, std::move(a));
    r.id = id;
    return r;
  }

  template <class P, class T, class S>
  void evaluate(const tensor_view<T, S, P>& dst, workspace<P>& tmp) const {
    auto a = detail::lower(arg, tmp);
    using in_shape = typename decltype(a)::shape_type;
    const auto in_dims = a.dims();
    evaluator<decltype(a), in_shape> ev(a, in_dims);
    detail::broadcast_map<keep_shape, in_shape> map(keep_dims(), in_dims);
    executor<P>::reduce(reducer, Mean, dst.data(), dst.size(), ev, element_count(in_dims), map);
  }

  /// Sum and mean spread the gradient back over the reduced axes; max and min send it to the
  /// elements equal to the result, shared equally between ties (as TF does).
  template <class Ctx, class V, class G>
  void backward(Ctx& ctx, const V& value, const G& g) const {
    using T = typename E::value_type;
    using P = typename V::policy_type;
    using S = typename E::shape_type;
    const auto in_dims = arg.dims();
    const tensor_view<T, keep_shape, P> g_keep(g.data(), keep_dims());
    broadcast_node<tensor_view<T, keep_shape, P>, S> spread(g_keep, in_dims);
    if constexpr (std::is_same_v<Reducer, ops::sum_reducer>) {
      if constexpr (Mean) {
        const T count = static_cast<T>(element_count(in_dims) / (value.size() ? value.size() : 1));
        ctx.propagate(arg, binary<ops::divide, decltype(spread), scalar<T>>(ops::divide{}, spread, scalar<T>(count), in_dims));
      } else {
        ctx.propagate(arg, spread);
      }
    } else {
      const tensor_view<T, keep_shape, P> y_keep(value.data(), keep_dims());
      broadcast_node<tensor_view<T, keep_shape, P>, S> y(y_keep, in_dims);
      using eq_t = unary<ops::cast_to<T>, binary<ops::equal, E, decltype(y)>>;
      eq_t hit(ops::cast_to<T>{}, binary<ops::equal, E, decltype(y)>(ops::equal{}, arg, y, in_dims));
      auto ties = detail::materialize(reduce_node<ops::sum_reducer, eq_t, true, false, Axes...>(ops::sum_reducer{}, hit), ctx.tmp);
      broadcast_node<decltype(ties), S> share(ties, in_dims);
      auto routed = binary<ops::multiply, eq_t, decltype(spread)>(ops::multiply{}, hit, spread, in_dims);
      ctx.propagate(arg, binary<ops::divide, decltype(routed), decltype(share)>(ops::divide{}, routed, share, in_dims));
    }
  }
};

/// Index of the largest (or smallest) element along one axis, as int64 (TF's argmax/argmin).
template <class E, int Axis, bool Max>
struct arg_reduce_node : node_base<arg_reduce_node<E, Axis, Max>> {
  using info = detail::axes_info<E::shape_type::rank, Axis>;
  using value_type = std::int64_t;
  using shape_type = typename detail::reduced_shape<typename E::shape_type, info, false>::type;
  using keep_shape = typename detail::reduced_shape<typename E::shape_type, info, true>::type;
  using policy_type = typename E::policy_type;
  static constexpr std::size_t axis = static_cast<std::size_t>(Axis < 0 ? Axis + int(E::shape_type::rank) : Axis);
  static constexpr bool is_max = Max;
  E arg;
  dims_t<shape_type> extents;
  explicit arg_reduce_node(E e) : arg(std::move(e)) {
    const auto in = arg.dims();
    std::size_t k = 0;
    for (std::size_t d = 0; d < E::shape_type::rank; ++d)
      if (d != axis) extents[k++] = in[d];
  }
  const dims_t<shape_type>& dims() const { return extents; }

  static constexpr const char* name = Max ? "sf::argmax" : "sf::argmin";
  static constexpr const char* tf_op = Max ? "ArgMax" : "ArgMin";
  /// The axis goes in as a second input, an int32 scalar Const (TF's `dimension`).
  template <class B>
  void tf_attrs(B& b) const {
    b.template type<typename E::value_type>("T");
    b.template type<std::int32_t>("Tidx");
    b.template type<std::int64_t>("output_type");
    b.const_input("dimension", {}, std::vector<std::int32_t>{static_cast<std::int32_t>(axis)});
  }
  static constexpr node_traits traits{.materialized = true, .differentiable = false};
  meta::children<E> children() const { return {&arg}; }
  template <class A>
  auto rebuild(A a) const {
    return arg_reduce_node<A, Axis, Max>(std::move(a));
  }

  template <class P, class T, class S>
  void evaluate(const tensor_view<T, S, P>& dst, workspace<P>& tmp) const {
    auto a = detail::lower(arg, tmp);
    using in_shape = typename decltype(a)::shape_type;
    const auto in_dims = a.dims();
    evaluator<decltype(a), in_shape> ev(a, in_dims);
    std::size_t inner = 1;
    for (std::size_t d = axis + 1; d < in_shape::rank; ++d) inner *= in_dims[d];
    executor<P>::template arg_reduce<Max>(dst.data(), dst.size(), ev, in_dims[axis], inner);
  }
};

namespace detail {
template <class Reducer, bool Mean, bool Keep, int... Axes, class E>
auto make_reduce(const E& e) {
  using N = node_t<E>;
  constexpr bool computes = check_arithmetic<typename N::value_type>::value;
  if constexpr (computes && check_axes<Reducer, N::shape_type::rank, Axes...>::value)
    return reduce_node<Reducer, N, Keep, Mean, Axes...>(Reducer{}, as_node(e));
  else return scalar<typename N::value_type>({});
}
}  // namespace detail

#define SF_REDUCTION(fn, reducer, is_mean)                                       \
  template <int... Axes, operand E>                                              \
  auto fn(const E& e) {                                                          \
    return detail::make_reduce<ops::reducer, is_mean, false, Axes...>(e);        \
  }                                                                              \
  template <int... Axes, operand E>                                              \
  auto fn(const E& e, keepdims_t) {                                              \
    return detail::make_reduce<ops::reducer, is_mean, true, Axes...>(e);         \
  }
/// `reduce_sum<1>(x)`: sum over axis 1; `reduce_sum(x)`: over all axes; `reduce_sum<1>(x, keepdims)`.
SF_REDUCTION(reduce_sum, sum_reducer, false)
SF_REDUCTION(reduce_mean, sum_reducer, true)
SF_REDUCTION(reduce_max, max_reducer, false)
SF_REDUCTION(reduce_min, min_reducer, false)
#undef SF_REDUCTION

/// Index of the largest element along `Axis` (first one on ties), as int64.
template <int Axis, operand E>
auto argmax(const E& e) {
  using N = node_t<E>;
  if constexpr (detail::check_axes<void, N::shape_type::rank, Axis>::value)
    return arg_reduce_node<N, Axis, true>(as_node(e));
  else return scalar<std::int64_t>(0);
}
/// Index of the smallest element along `Axis` (first one on ties), as int64.
template <int Axis, operand E>
auto argmin(const E& e) {
  using N = node_t<E>;
  if constexpr (detail::check_axes<void, N::shape_type::rank, Axis>::value)
    return arg_reduce_node<N, Axis, false>(as_node(e));
  else return scalar<std::int64_t>(0);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_REDUCE_HPP
