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
/// type, so a missing feed is a compile error that names the placeholder.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr std::string_view view() const { return {chars, N - 1}; }
  template <std::size_t M>
  constexpr bool operator==(const fixed_string<M>& o) const {
    return view() == o.view();
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_CORE_FIXED_STRING_HPP
