// SPDX-License-Identifier: MIT
/// \file
/// \brief The host kernels' vector registers: the target's width and loads and stores of whole
/// or partial vectors (GCC / Clang vector extensions, so one source serves SSE, AVX and AVX-512).
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_VECTOR_HPP
#define STATICFLOW_DEVICE_HOST_VECTOR_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "staticflow/config.hpp"

// Vectors wider than the default target's pass between functions differently, which GCC and
// Clang note (-Wpsabi: "AVX512F vector return without AVX512F enabled changes the ABI"). The
// kernels' helpers that return them are only called from functions compiled for the wider set
// (device/host/isa.hpp), where they are inlined: no call passes one. GCC still notes them, at
// the end of the translation unit, where no push/pop around these headers reaches, so the note
// is off from here on. (It concerns only vector-extension types passed between functions
// compiled with different -m flags.)
#pragma GCC diagnostic ignored "-Wpsabi"

namespace staticflow::ops {

/// The widest vector register the target compiles for: 64 bytes with AVX-512, 32 with AVX,
/// 16 otherwise (a wider vector type than the target has is split into pieces that the
/// compiler keeps in memory, several times slower).
#if defined(__AVX512F__)
inline constexpr std::size_t vector_bytes = 64;
#elif defined(__AVX__)
inline constexpr std::size_t vector_bytes = 32;
#else
inline constexpr std::size_t vector_bytes = 16;
#endif

/// Elements of `T` in one vector register of `Bytes` (AVX-512: 16 floats, 8 doubles). The
/// kernels take the width as a template argument (device/host/isa.hpp picks it at run time).
template <class T, std::size_t Bytes = vector_bytes>
inline constexpr std::size_t lanes = Bytes / sizeof(T);

namespace detail {

/// A block of values as one vector register (GCC / Clang vector extension). Named
/// vectors stay in registers where arrays indexed in loops would be kept on the stack.
template <class T, std::size_t Bytes>
struct lanes_of {
  typedef T type __attribute__((vector_size(Bytes)));
};
template <class T, std::size_t Bytes = vector_bytes>
using vec = typename lanes_of<T, Bytes>::type;

/// Integer lanes of the same width, for masks.
template <class T, std::size_t Bytes>
struct mask_of {
  using lane = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
  typedef lane type __attribute__((vector_size(Bytes)));
};
template <class T, std::size_t Bytes = vector_bytes>
using mask = typename mask_of<T, Bytes>::type;

/// The same vector at any address of a `T`: unaligned, and allowed to alias the `T`s it covers
/// (as the intrinsics' own unaligned types are). Loads and stores through it are single moves
/// in the calling function's instruction set; a memcpy of a vector would be expanded by the
/// default target's widths, in pieces through the stack, inside a kernel compiled for AVX-512.
template <class T, std::size_t Bytes>
struct unaligned_of {
  typedef T type __attribute__((vector_size(Bytes), aligned(alignof(T)), may_alias));
};

template <std::size_t Bytes, class T>
[[gnu::always_inline]] inline vec<T, Bytes> load(const T* p) {
  return *reinterpret_cast<const typename unaligned_of<T, Bytes>::type*>(p);
}
/// Stores a whole vector `V` of `T`s.
template <class T, class V>
[[gnu::always_inline]] inline void store(T* p, const V& v) {
  *reinterpret_cast<typename unaligned_of<T, sizeof(V)>::type*>(p) = v;
}
/// All lanes set below `m`, clear from `m` on: one comparison of the lane indices with m, in
/// registers (set lane by lane, the mask went through memory, and its reload waited on the
/// stores: a third of a max-pool gradient's time).
template <class T, std::size_t Bytes>
[[gnu::always_inline]] inline mask<T, Bytes> first_lanes(std::size_t m) {
  using lane = typename mask_of<T, Bytes>::lane;
  constexpr std::size_t count = lanes<T, Bytes>;
  mask<T, Bytes> index{};  // {0, 1, 2, ...}: the compiler folds the loop to a constant
  SF_UNROLL(16)
  for (std::size_t j = 0; j < count; ++j) index[j] = static_cast<lane>(j);
  return index < static_cast<lane>(m < count ? m : count);
}
/// The first lanes of `keep` from memory, zeros after; reads a whole vector only where
/// `readable` elements from p on exist, else lane by lane (no read past the array).
template <class T, class M, std::size_t Bytes = sizeof(M)>
[[gnu::always_inline]] inline vec<T, Bytes> load_first(const T* p, const M& keep, std::size_t m, std::size_t readable) {
  if (readable >= lanes<T, Bytes>) return __builtin_bit_cast(vec<T, Bytes>, __builtin_bit_cast(M, load<Bytes>(p)) & keep);
  vec<T, Bytes> v = {};
  for (std::size_t j = 0; j < m; ++j) v[j] = p[j];
  return v;
}
/// The first `m` lanes of `v` (a vector `V` of `T`s) to memory.
template <class T, class V>
[[gnu::always_inline]] inline void store_first(T* p, const V& v, std::size_t m) {
  if (m == sizeof(V) / sizeof(T)) return store(p, v);
  for (std::size_t j = 0; j < m; ++j) p[j] = v[j];
}

}  // namespace detail

}  // namespace staticflow::ops
#endif  // STATICFLOW_DEVICE_HOST_VECTOR_HPP
