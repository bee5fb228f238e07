// SPDX-License-Identifier: MIT
/// \file
/// \brief Compile-time shape errors that show the shapes as text, e.g. `[?, 784] x [500, 10]`.
///
/// C++20 gives `static_assert` a string literal only, so the shapes travel in the condition:
/// a failed check asserts `shape_error<"input [?, 784]", "network input [?, 28, 28, 1]">`
/// (always false), which g++ prints in its "evaluates to false" note and clang in the error
/// line itself. Each part is one short string because clang shows only the first 32
/// characters of each. Where the compiler takes a computed message (C++26,
/// `__cpp_static_assert >= 202306L`) the parts are also appended to the message. All of it
/// is instantiated only on the failure path (checks call `SF_SHAPE_ASSERT` under
/// `if constexpr (!ok)`, or in a specialisation for the failing case), so correct programs
/// pay nothing for it.
#pragma once
#ifndef STATICFLOW_CORE_SHAPE_ERROR_HPP
#define STATICFLOW_CORE_SHAPE_ERROR_HPP

#include <cstddef>

#include "staticflow/core/fixed_string.hpp"
#include "staticflow/core/shape.hpp"

namespace staticflow {

namespace detail {
/// Characters of one extent: its digits, or 1 for the "?" of `dyn`.
constexpr std::size_t extent_width(std::size_t e) {
  if (e == dyn) return 1;
  std::size_t w = 1;
  for (; e >= 10; e /= 10) ++w;
  return w;
}
constexpr char* put_extent(char* p, std::size_t e) {
  if (e == dyn) {
    *p = '?';
    return p + 1;
  }
  const std::size_t w = extent_width(e);
  for (std::size_t i = w; i-- > 0; e /= 10) p[i] = static_cast<char>('0' + e % 10);
  return p + w;
}
template <class S>
constexpr auto make_shape_text() {
  constexpr std::size_t n = [] {
    std::size_t n = 2;  // the brackets
    for (std::size_t i = 0; i < S::rank; ++i) n += extent_width(S::extents[i]) + (i ? 2 : 0);
    return n;
  }();
  fixed_string<n + 1> s;
  char* p = s.chars;
  *p++ = '[';
  for (std::size_t i = 0; i < S::rank; ++i) {
    if (i) *p++ = ',', *p++ = ' ';
    p = put_extent(p, S::extents[i]);
  }
  *p = ']';
  return s;
}
template <std::size_t E>
constexpr auto make_extent_text() {
  fixed_string<extent_width(E) + 1> s;
  put_extent(s.chars, E);
  return s;
}
}  // namespace detail

/// `shape<dyn, 784>` as the text "[?, 784]".
template <class S>
inline constexpr auto shape_text = detail::make_shape_text<S>();
/// One extent as text: "784", or "?" for `dyn`.
template <std::size_t E>
inline constexpr auto extent_text = detail::make_extent_text<E>();
/// The text of the `const char*` that the stateless `F{}()` gives at compile time (an op's
/// compile-time rule whose words are also its run-time message).
template <class F>
constexpr auto c_string_text() {
  constexpr std::size_t n = [] {
    std::size_t n = 0;
    for (const char* s = F{}(); s[n];) ++n;
    return n;
  }();
  fixed_string<n + 1> r;
  for (std::size_t i = 0; i < n; ++i) r.chars[i] = F{}()[i];
  return r;
}

/// Always false; its arguments are the text a failed shape check shows (see the file comment).
template <fixed_string... Parts>
inline constexpr bool shape_error = false;

namespace detail {
/// "what: part, part" (C++26's computed static_assert message).
template <std::size_t N, std::size_t M0, std::size_t... M>
constexpr auto shape_error_message(const char (&what)[N], const fixed_string<M0>& first,
                                   const fixed_string<M>&... rest) {
  return ((fixed_string<N>(what) + ": " + first) + ... + (", " + rest));
}
}  // namespace detail

}  // namespace staticflow

/// `SF_SHAPE_ASSERT("sf::op: what is wrong", part...)`: fails with the message and the parts
/// (fixed_strings of at most 32 characters, usually "label " + shape_text<S>) in the
/// diagnostic. Use it only where the check already failed (`if constexpr (!ok)`): the parts
/// are built when the macro is instantiated.
#if defined(__cpp_static_assert) && __cpp_static_assert >= 202306L
#define SF_SHAPE_ASSERT(what, ...) \
  static_assert(::staticflow::shape_error<__VA_ARGS__>, ::staticflow::detail::shape_error_message(what, __VA_ARGS__))
#else
#define SF_SHAPE_ASSERT(what, ...) static_assert(::staticflow::shape_error<__VA_ARGS__>, what)
#endif

namespace staticflow {

/// `check_broadcast<A, B>::value`: whether A and B broadcast; when not, fails once with both
/// shapes, e.g. `shape_error<"[3]", "[4]">`.
template <class A, class B, bool Ok = broadcastable_v<A, B>>
struct check_broadcast {
  static constexpr bool value = true;
};
template <class A, class B>
struct check_broadcast<A, B, false> {
  // The assert sits in the lambda, not the class body: clang would take a failed assert in the
  // class as an invalid class, `value` as no constant, and then instantiate both branches of
  // the caller's `if constexpr (value)`, a second error.
  static constexpr bool value = [] {
    SF_SHAPE_ASSERT("sf: shapes do not broadcast: each pair of right-aligned extents must be equal, or one of them 1",
                    shape_text<A>, shape_text<B>);
    return false;
  }();
};

}  // namespace staticflow
#endif  // STATICFLOW_CORE_SHAPE_ERROR_HPP
