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

/// Elements of `T` in one vector register (AVX-512: 16 floats, 8 doubles).
template <class T>
inline constexpr std::size_t lanes = vector_bytes / sizeof(T);

namespace detail {

/// A block of values as one vector register (GCC / Clang vector extension). Named
/// vectors stay in registers where arrays indexed in loops would be kept on the stack.
template <class T>
struct lanes_of {
  typedef T type __attribute__((vector_size(vector_bytes)));
};
template <class T>
using vec = typename lanes_of<T>::type;

/// Integer lanes of the same width, for masks.
template <class T>
struct mask_of {
  using lane = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
  typedef lane type __attribute__((vector_size(vector_bytes)));
};
template <class T>
using mask = typename mask_of<T>::type;

template <class T>
[[gnu::always_inline]] inline vec<T> load(const T* p) {
  vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
[[gnu::always_inline]] inline void store(T* p, const vec<T>& v) {
  std::memcpy(p, &v, sizeof v);
}
/// All lanes set below `m`, clear from `m` on.
template <class T>
[[gnu::always_inline]] inline mask<T> first_lanes(std::size_t m) {
  mask<T> k = {};
  for (std::size_t j = 0; j < m && j < lanes<T>; ++j) k[j] = -1;
  return k;
}
/// The first lanes of `keep` from memory, zeros after; reads a whole vector only where
/// `readable` elements from p on exist, else lane by lane (no read past the array).
template <class T>
[[gnu::always_inline]] inline vec<T> load_first(const T* p, const mask<T>& keep, std::size_t m, std::size_t readable) {
  if (readable >= lanes<T>) return reinterpret_cast<vec<T>>(reinterpret_cast<mask<T>>(load(p)) & keep);
  vec<T> v = {};
  for (std::size_t j = 0; j < m; ++j) v[j] = p[j];
  return v;
}
template <class T>
[[gnu::always_inline]] inline void store_first(T* p, const vec<T>& v, std::size_t m) {
  if (m == lanes<T>) return store(p, v);
  for (std::size_t j = 0; j < m; ++j) p[j] = v[j];
}

}  // namespace detail

}  // namespace staticflow::ops
#endif  // STATICFLOW_DEVICE_HOST_VECTOR_HPP
