// SPDX-License-Identifier: MIT
/// \file
/// \brief The few compile-time collections the node protocol needs: `type_list`, `values`
/// (a flat aggregate of heterogeneous members, such as an op's operands) and `children`
/// (pointers to a node's operands), with `get<I>`, `apply` and `for_each`.
///
/// Why not Boost.Hana (on the dependency list, and tried first): with `hana::tuple` children and
/// `hana::unpack` / `for_each` folds, the LeNet-5 example took 29.2 s and 511 MB to compile
/// against 21.1 s and 440 MB before the protocol (g++ 12 -O2, the same machine, alternated):
/// +39 % time, +16 % memory, far over the 5 % budget. Every pass instantiated hana's tuple,
/// unpack and lambda machinery per node kind. These types are plain aggregates over an index
/// sequence: one class per node kind, no recursion, no helper lambdas (benchmarks/RESULTS.md,
/// session 8, has the measurements).
#pragma once
#ifndef STATICFLOW_CORE_META_HPP
#define STATICFLOW_CORE_META_HPP

#include <cstddef>
#include <utility>

namespace staticflow {

/// A list of types (placeholders of an expression, children of a node).
template <class... T>
struct type_list {};

namespace meta {

template <std::size_t I, class T>
struct slot {
  T value;
};

template <class Seq, class... T>
struct values_base;
template <std::size_t... I, class... T>
struct values_base<std::index_sequence<I...>, T...> : slot<I, T>... {};

/// `values<T...>{a, b, ...}`: the members in order (braced initialisation evaluates them first
/// to last, which the passes that hand out workspace in request order rely on).
template <class... T>
struct values : values_base<std::index_sequence_for<T...>, T...> {
  static constexpr std::size_t size = sizeof...(T);
};
template <class... T>
values(T...) -> values<T...>;

template <std::size_t I, class T>
constexpr const T& get(const slot<I, T>& s) {
  return s.value;
}
template <std::size_t I, class T>
constexpr T& get(slot<I, T>& s) {
  return s.value;
}

/// `f(get<0>(v), get<1>(v), ...)`.
template <class V, class F, std::size_t... I>
constexpr decltype(auto) apply_impl(V&& v, F&& f, std::index_sequence<I...>) {
  return f(get<I>(v)...);
}
template <class V, class F>
constexpr decltype(auto) apply(V&& v, F&& f) {
  return apply_impl(v, f, std::make_index_sequence<std::remove_cvref_t<V>::size>{});
}

/// Pointers to a node's children, first to last. One plain class per node kind (nodes have up
/// to three children, op nodes and concat any number).
template <class... C>
struct children : values<const C*...> {};
template <>
struct children<> {
  static constexpr std::size_t size = 0;
};
template <class A>
struct children<A> {
  static constexpr std::size_t size = 1;
  const A* p0;
};
template <class A, class B>
struct children<A, B> {
  static constexpr std::size_t size = 2;
  const A* p0;
  const B* p1;
};
template <class A, class B, class C>
struct children<A, B, C> {
  static constexpr std::size_t size = 3;
  const A* p0;
  const B* p1;
  const C* p2;
};

template <std::size_t I, class... C>
  requires(sizeof...(C) <= 3)
constexpr const auto* get(const children<C...>& c) {
  if constexpr (I == 0) return c.p0;
  else if constexpr (I == 1) return c.p1;
  else return c.p2;
}

/// Pointers to the members of `v`, as children.
template <class... T, std::size_t... I>
children<T...> pointers_impl(const values<T...>& v, std::index_sequence<I...>) {
  if constexpr (sizeof...(T) <= 3) return {&get<I>(v)...};
  else return {{{{&get<I>(v)}...}}};
}
template <class... T>
children<T...> pointers(const values<T...>& v) {
  return pointers_impl(v, std::index_sequence_for<T...>{});
}

}  // namespace meta
}  // namespace staticflow
#endif  // STATICFLOW_CORE_META_HPP
