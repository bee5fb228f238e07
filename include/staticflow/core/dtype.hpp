// SPDX-License-Identifier: MIT
/// \file
/// \brief Element types (dtypes) and their traits.
#pragma once
#ifndef STATICFLOW_CORE_DTYPE_HPP
#define STATICFLOW_CORE_DTYPE_HPP

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "staticflow/core/bfloat16.hpp"

namespace staticflow {

/// The element types a tensor may hold, named as TensorFlow names them.
enum class dtype { float32, float64, bfloat16, int8, int16, int32, int64, uint8, boolean, uint16 };

/// `dtype_traits<T>`: the dtype of a C++ element type, its name, and what kind of number it is.
/// Only the types listed below are tensor element types; anything else fails `element_type`.
template <class T>
struct dtype_traits {
  static constexpr bool supported = false;
};

namespace detail {
template <class T, dtype D, bool Floating>
struct dtype_info {
  static constexpr bool supported = true;
  static constexpr dtype value = D;
  static constexpr bool is_floating = Floating;
  static constexpr bool is_integral = !Floating && !std::is_same_v<T, bool>;
  static constexpr bool is_signed = std::is_signed_v<T>;
};
}  // namespace detail

template <>
struct dtype_traits<float> : detail::dtype_info<float, dtype::float32, true> {
  static constexpr std::string_view name = "float32";
};
template <>
struct dtype_traits<double> : detail::dtype_info<double, dtype::float64, true> {
  static constexpr std::string_view name = "float64";
};
/// Storage only: not `floating_element` (no gradients, no optimisers, no arithmetic); widen it
/// with `sf::cast<float>`, or use it as the weights of `sf::matmul`.
template <>
struct dtype_traits<bfloat16> {
  static constexpr bool supported = true;
  static constexpr dtype value = dtype::bfloat16;
  static constexpr bool is_floating = false, is_integral = false, is_signed = true;
  static constexpr std::string_view name = "bfloat16";
};
template <>
struct dtype_traits<std::int8_t> : detail::dtype_info<std::int8_t, dtype::int8, false> {
  static constexpr std::string_view name = "int8";
};
template <>
struct dtype_traits<std::int16_t> : detail::dtype_info<std::int16_t, dtype::int16, false> {
  static constexpr std::string_view name = "int16";
};
template <>
struct dtype_traits<std::int32_t> : detail::dtype_info<std::int32_t, dtype::int32, false> {
  static constexpr std::string_view name = "int32";
};
template <>
struct dtype_traits<std::int64_t> : detail::dtype_info<std::int64_t, dtype::int64, false> {
  static constexpr std::string_view name = "int64";
};
template <>
struct dtype_traits<std::uint8_t> : detail::dtype_info<std::uint8_t, dtype::uint8, false> {
  static constexpr std::string_view name = "uint8";
};
/// 16-bit images (PNG), as TF's DT_UINT16.
template <>
struct dtype_traits<std::uint16_t> : detail::dtype_info<std::uint16_t, dtype::uint16, false> {
  static constexpr std::string_view name = "uint16";
};
template <>
struct dtype_traits<bool> : detail::dtype_info<bool, dtype::boolean, false> {
  static constexpr std::string_view name = "bool";
};

/// A type a tensor may hold.
template <class T>
concept element_type = dtype_traits<T>::supported;

/// A floating-point element type (the ones with gradients).
template <class T>
concept floating_element = element_type<T> && dtype_traits<T>::is_floating;

/// An element type expressions compute in (every element type but the storage-only bfloat16).
template <class T>
concept arithmetic_element = element_type<T> && !std::is_same_v<T, bfloat16>;

/// The dtype name of `T`, e.g. "float32".
template <element_type T>
inline constexpr std::string_view dtype_name_v = dtype_traits<T>::name;

}  // namespace staticflow
#endif  // STATICFLOW_CORE_DTYPE_HPP
