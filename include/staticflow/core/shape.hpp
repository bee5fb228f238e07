// SPDX-License-Identifier: MIT
/// \file
/// \brief `shape<...>`: static extents and `dyn`, with the compile-time algebra of shapes.
#pragma once
#ifndef STATICFLOW_CORE_SHAPE_HPP
#define STATICFLOW_CORE_SHAPE_HPP

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>

#include "staticflow/config.hpp"

namespace staticflow {

/// An extent known only at run time (usually the batch).
inline constexpr std::size_t dyn = static_cast<std::size_t>(-1);

/// A fixed-size array of run-time extents or indices, usable on host and device.
template <std::size_t N>
struct index_array {
  std::size_t v[N == 0 ? 1 : N] = {};
  SF_HD constexpr std::size_t& operator[](std::size_t i) { return v[i]; }
  SF_HD constexpr const std::size_t& operator[](std::size_t i) const { return v[i]; }
  static constexpr std::size_t size() { return N; }
  friend constexpr bool operator==(const index_array& a, const index_array& b) {
    for (std::size_t i = 0; i < N; ++i)
      if (a.v[i] != b.v[i]) return false;
    return true;
  }
};

/// `shape<E...>`: the type of a tensor's extents. Rank is always static; an extent is a
/// number or `dyn`. **Example:** `shape<dyn, 28, 28, 1>` is a batch of 28x28 one-channel images.
template <std::size_t... E>
struct shape {
  static constexpr std::size_t rank = sizeof...(E);
  static constexpr std::array<std::size_t, rank> extents{E...};
  /// True when every extent is known at compile time.
  static constexpr bool is_static = ((E != dyn) && ...);
  /// Number of `dyn` extents (the number of run-time extents a constructor takes).
  static constexpr std::size_t dyn_count = ((E == dyn ? 1u : 0u) + ... + 0u);
  /// Product of the static extents (1 for a scalar).
  static constexpr std::size_t static_part = ((E == dyn ? std::size_t{1} : E) * ... * std::size_t{1});
  /// Element count, or `dyn` when some extent is dynamic.
  static constexpr std::size_t static_size = is_static ? static_part : dyn;
};

template <class T>
struct is_shape : std::false_type {};
template <std::size_t... E>
struct is_shape<shape<E...>> : std::true_type {};
template <class T>
concept any_shape = is_shape<T>::value;

/// Run-time extents of a tensor of shape `S`.
template <any_shape S>
using dims_t = index_array<S::rank>;

namespace detail {

template <std::size_t... I, class F>
constexpr auto index_fold(std::index_sequence<I...>, F f) {
  return f(std::integral_constant<std::size_t, I>{}...);
}

/// `shape_from_array<A, N>`: the shape whose extents are the first N entries of the constexpr array A.
template <auto A, std::size_t N>
struct shape_from_array {
  using type = decltype(index_fold(std::make_index_sequence<N>{},
                                   [](auto... i) { return shape<A[decltype(i)::value]...>{}; }));
};

constexpr std::size_t broadcast_extent(std::size_t a, std::size_t b) {
  if (a == b) return a;
  if (a == 1) return b;
  if (b == 1) return a;
  if (a == dyn) return b;  // checked at run time: the dynamic extent must equal b
  if (b == dyn) return a;
  return 0;  // incompatible
}

template <class A, class B>
struct broadcast_info {
  static constexpr std::size_t rank = A::rank > B::rank ? A::rank : B::rank;
  static constexpr std::size_t extent_a(std::size_t d) {
    return d + A::rank < rank ? 1 : A::extents[d + A::rank - rank];
  }
  static constexpr std::size_t extent_b(std::size_t d) {
    return d + B::rank < rank ? 1 : B::extents[d + B::rank - rank];
  }
  static constexpr bool valid = [] {
    for (std::size_t d = 0; d < rank; ++d)
      if (broadcast_extent(extent_a(d), extent_b(d)) == 0) return false;
    return true;
  }();
  static constexpr std::array<std::size_t, rank> result = [] {
    std::array<std::size_t, rank> r{};
    for (std::size_t d = 0; d < rank; ++d) r[d] = broadcast_extent(extent_a(d), extent_b(d));
    return r;
  }();
};

}  // namespace detail

/// True when shapes `A` and `B` broadcast together (numpy rules, right-aligned). A `dyn`
/// extent broadcasts against a static one only if it equals it at run time.
template <class A, class B>
inline constexpr bool broadcastable_v = detail::broadcast_info<A, B>::valid;

namespace detail {
template <class A, class B, bool = broadcastable_v<A, B>>
struct broadcast_result {
  using type = shape<>;  // never used: check_broadcast (core/shape_error.hpp) has already failed
};
template <class A, class B>
struct broadcast_result<A, B, true> {
  using type = typename shape_from_array<broadcast_info<A, B>::result, broadcast_info<A, B>::rank>::type;
};
}  // namespace detail

/// The shape of `a op b` for broadcasting shapes.
template <class A, class B>
using broadcast_t = typename detail::broadcast_result<A, B>::type;

/// True when a tensor of shape `From` can be reshaped to `To` (equal element counts when
/// both are static; otherwise checked at run time, and the static parts must divide).
template <class From, class To>
inline constexpr bool reshape_valid_v =
    (From::is_static && To::is_static)
        ? From::static_size == To::static_size
        : (To::dyn_count <= 1 && (From::is_static ? From::static_size % To::static_part == 0 : true));

namespace detail {
constexpr bool extents_compatible(std::size_t a, std::size_t b) { return a == b || a == dyn || b == dyn; }
}  // namespace detail

/// Shape algebra of `matmul(a, b)` with optional transposes (rank-2 operands).
template <class A, class B, bool TransA = false, bool TransB = false>
struct matmul_shape {
  static constexpr bool ranks_ok = A::rank == 2 && B::rank == 2;
  static constexpr std::size_t m = ranks_ok ? A::extents[TransA ? 1 : 0] : 0;
  static constexpr std::size_t k_a = ranks_ok ? A::extents[TransA ? 0 : 1] : 0;
  static constexpr std::size_t k_b = ranks_ok ? B::extents[TransB ? 1 : 0] : 0;
  static constexpr std::size_t n = ranks_ok ? B::extents[TransB ? 0 : 1] : 0;
  static constexpr bool inner_ok = ranks_ok && detail::extents_compatible(k_a, k_b);
  using type = shape<m, n>;
};

/// The result shape of `matmul(a, b)`.
template <class A, class B, bool TransA = false, bool TransB = false>
using matmul_t = typename matmul_shape<A, B, TransA, TransB>::type;

/// `shape<E...>` without its first extent (the shape of one batch element).
template <class S>
struct drop_first;
template <std::size_t E0, std::size_t... E>
struct drop_first<shape<E0, E...>> {
  using type = shape<E...>;
};
template <class S>
using drop_first_t = typename drop_first<S>::type;

/// `shape<E...>` with its first extent made dynamic (the shape of a slice of batches).
template <class S>
struct first_dyn;
template <std::size_t E0, std::size_t... E>
struct first_dyn<shape<E0, E...>> {
  using type = shape<dyn, E...>;
};
template <class S>
using first_dyn_t = typename first_dyn<S>::type;

/// `shape<E...>` without its last extent (what a reduction over the last axis leaves).
template <class S>
struct drop_last {
  using type = typename detail::shape_from_array<S::extents, S::rank - 1>::type;
};
template <class S>
using drop_last_t = typename drop_last<S>::type;

namespace detail {
/// "[100, 784]"; with `dyn_as_mark`, dyn extents print as "?". Not a template, so error
/// messages cost one copy of this code, not one per shape.
inline std::string extents_string(const std::size_t* e, std::size_t rank, bool dyn_as_mark) {
  std::string s = "[";
  for (std::size_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + (dyn_as_mark && e[i] == dyn ? std::string("?") : std::to_string(e[i]));
  return s + "]";
}
}  // namespace detail

/// Human-readable run-time extents, e.g. "[100, 784]".
template <std::size_t R>
std::string to_string(const index_array<R>& d) {
  return detail::extents_string(d.v, R, false);
}

/// Human-readable static shape, e.g. "[?, 784]".
template <std::size_t... E>
std::string to_string(shape<E...>) {
  return detail::extents_string(shape<E...>::extents.data(), sizeof...(E), true);
}

/// Element count of run-time extents.
template <std::size_t R>
SF_HD constexpr std::size_t element_count(const index_array<R>& d) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < R; ++i) n *= d[i];
  return n;
}

}  // namespace staticflow
#endif  // STATICFLOW_CORE_SHAPE_HPP
