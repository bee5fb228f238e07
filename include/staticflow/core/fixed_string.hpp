// SPDX-License-Identifier: MIT
/// \file
/// \brief `fixed_string`: a string usable as a template argument (placeholder names).
#pragma once
#ifndef STATICFLOW_CORE_FIXED_STRING_HPP
#define STATICFLOW_CORE_FIXED_STRING_HPP

#include <cstddef>
#include <string_view>

namespace staticflow {

/// A compile-time string: `placeholder<float, shape<dyn, 784>, "x">` carries its name in the
/// type, so a missing feed is a compile error that names the placeholder; shape errors carry
/// their shapes as text in one (core/shape_error.hpp).
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string() = default;  // N - 1 NULs, to be written (core/shape_error.hpp)
  constexpr fixed_string(const char (&s)[N]) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr std::string_view view() const { return {chars, N - 1}; }
  // size() and data(): what C++26's static_assert needs of a computed message
  constexpr std::size_t size() const { return N - 1; }
  constexpr const char* data() const { return chars; }
  template <std::size_t M>
  friend constexpr fixed_string<N + M - 1> operator+(const fixed_string& a, const fixed_string<M>& b) {
    fixed_string<N + M - 1> r;
    for (std::size_t i = 0; i + 1 < N; ++i) r.chars[i] = a.chars[i];
    for (std::size_t i = 0; i < M; ++i) r.chars[N - 1 + i] = b.chars[i];
    return r;
  }
  template <std::size_t M>
  friend constexpr auto operator+(const fixed_string& a, const char (&b)[M]) {
    return a + fixed_string<M>(b);
  }
  template <std::size_t M>
  friend constexpr auto operator+(const char (&a)[M], const fixed_string& b) {
    return fixed_string<M>(a) + b;
  }
  template <std::size_t M>
  constexpr bool operator==(const fixed_string<M>& o) const {
    return view() == o.view();
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_CORE_FIXED_STRING_HPP
