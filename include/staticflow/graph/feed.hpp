// SPDX-License-Identifier: MIT
/// \file
/// \brief Feeds (`sf::feed(placeholder, tensor)`, TF's feed_dict entries) and the compile-time
/// checks that every placeholder an expression reads is fed.
#pragma once
#ifndef STATICFLOW_GRAPH_FEED_HPP
#define STATICFLOW_GRAPH_FEED_HPP

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "staticflow/core/shape_error.hpp"
#include "staticflow/graph/graph.hpp"

namespace staticflow {

// ---- feeds ---------------------------------------------------------------------------------------

/// A value for a placeholder in one `run` (TF's feed_dict entry).
template <class Ph, class V>
struct feed_item {
  using placeholder = Ph;
  V value;
};

/// `sf::feed(x, xs)`: feeds tensor `xs` to placeholder `x`. dtype and rank are checked at
/// compile time; run-time extents when the session runs.
template <class Ph, class X>
  requires(is_placeholder_v<Ph> && is_tensor_v<X>)
auto feed(const Ph&, const X& x) {
  auto v = as_node(x);
  using V = decltype(v);
  using T = typename Ph::value_type;
  constexpr bool same = std::is_same_v<typename V::value_type, T>;
  static_assert(same, "sf::feed: the tensor's dtype differs from the placeholder's");
  static_assert(V::shape_type::rank == Ph::shape_type::rank, "sf::feed: the tensor's rank differs from the placeholder's");
  if constexpr (same) return feed_item<Ph, V>{v};
  else return feed_item<Ph, tensor_view<T, typename V::shape_type, typename V::policy_type>>{};  // no cascade in run()
}

// ---- type-level queries over graph expressions -----------------------------------------------------

template <class... L>
struct concat_lists {
  using type = type_list<>;
};
template <class... A>
struct concat_lists<type_list<A...>> {
  using type = type_list<A...>;
};
template <class... A, class... B, class... Rest>
struct concat_lists<type_list<A...>, type_list<B...>, Rest...> : concat_lists<type_list<A..., B...>, Rest...> {};

/// The placeholders an expression reads (a fold over the node protocol).
template <class N, class Children = children_t<N>>
struct placeholders_of;
template <class N>
using placeholders_of_t = typename placeholders_of<N>::type;
template <class N, class... C>
struct placeholders_of<N, meta::children<C...>> {
  using type = std::conditional_t<is_placeholder_v<N>, type_list<N>, typename concat_lists<placeholders_of_t<C>...>::type>;
};

namespace detail {

/// Fails naming the placeholder (in the instantiation note) when it is not fed. The assert is
/// in a lambda of the failing specialisation, not the class body: clang takes a class with a
/// failed assert as invalid and then compiles the run's body anyway (three more errors).
template <class Placeholder, bool Fed>
struct check_fed {
  static constexpr bool value = true;
};
template <class Placeholder>
struct check_fed<Placeholder, false> {
  static constexpr bool value = [] {
    SF_SHAPE_ASSERT("sf::session::run: the fetch depends on a placeholder that is not fed; pass sf::feed(placeholder, "
                    "tensor)",
                    "placeholder " + c_string_text<decltype([] { return Placeholder::name().data(); })>(),
                    "shape " + shape_text<typename Placeholder::shape_type>);
    return false;
  }();
};

template <class Ph, class... Feeds>
inline constexpr bool is_fed_v = (std::is_same_v<Ph, typename Feeds::placeholder> || ...);

template <class List, class... Feeds>
struct all_fed;
template <class... Ph, class... Feeds>
struct all_fed<type_list<Ph...>, Feeds...> {
  // Every placeholder's check is instantiated (the fold names each operand, whatever it
  // evaluates to), so each unfed one fails with its own note; a run whose feeds are short
  // skips its body on `value` instead of cascading errors.
  static constexpr bool value = (check_fed<Ph, is_fed_v<Ph, Feeds...>>::value && ...);
};

/// The message for a feed whose extents contradict its placeholder's shape (out of line: one
/// copy of its code for every placeholder).
[[noreturn, gnu::cold]] inline void throw_feed_mismatch(std::string_view name, const std::size_t* shape_extents,
                                                       const std::size_t* fed, std::size_t rank) {
  detail::fail<invalid_argument>({"sf::session::run: placeholder '", name, "' has shape ",
                                  extents_string(shape_extents, rank, true), ", fed a tensor of extents ",
                                  extents_string(fed, rank, false)});
}

/// Position of the feed for placeholder `Ph` among `Feeds` (one past the end when absent).
template <class Ph, class... Feeds>
constexpr std::size_t feed_index() {
  constexpr bool hit[] = {std::is_same_v<Ph, typename Feeds::placeholder>..., true};
  std::size_t i = 0;
  while (!hit[i]) ++i;
  return i;
}

}  // namespace detail
}  // namespace staticflow
#endif  // STATICFLOW_GRAPH_FEED_HPP
