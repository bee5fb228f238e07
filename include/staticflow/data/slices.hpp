// SPDX-License-Identifier: MIT
/// \file
/// \brief `slice_t<X>` and `slice_at`: element `i` along the first axis of a tensor or vector.
///
/// Shared by `from_tensor_slices` (pipeline/tensor_slices.hpp), `slice_input_producer`
/// (input_producer.hpp) and the splits (split.hpp). A slice of a rank-1 tensor or of a
/// `std::vector<T>` is a `T`; a slice of `tensor<T, shape<N, E...>>` is `tensor<T, shape<E...>>`.
#pragma once
#ifndef STATICFLOW_DATA_SLICES_HPP
#define STATICFLOW_DATA_SLICES_HPP

#include <algorithm>
#include <cstddef>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/tensor.hpp"

namespace staticflow::data {

/// How to count and take slices of `X`: `type`, `count(x)`, `at(x, i)` and `gather(x, rows)`
/// (the listed rows, in order, as one `X`-like value with a dynamic first extent).
template <class X>
struct slice_traits {
  static_assert(staticflow::detail::dependent_false_v<X>,
                "staticflow::data: slices come from an sf::tensor (along its first axis) or a std::vector");
};

template <class T, class A>
struct slice_traits<std::vector<T, A>> {
  using type = T;
  using gathered = std::vector<T, A>;
  static std::size_t count(const std::vector<T, A>& x) { return x.size(); }
  static T at(const std::vector<T, A>& x, std::size_t i) { return x[i]; }
  static gathered gather(const std::vector<T, A>& x, const std::vector<std::size_t>& rows) {
    gathered out;
    out.reserve(rows.size());
    for (std::size_t r : rows) out.push_back(x[r]);
    return out;
  }
};

template <element_type T, std::size_t N, std::size_t... E>
struct slice_traits<tensor<T, shape<N, E...>, host>> {
  using source = tensor<T, shape<N, E...>, host>;
  using type = std::conditional_t<sizeof...(E) == 0, T, tensor<T, shape<E...>, host>>;
  using gathered = tensor<T, shape<dyn, E...>, host>;
  static std::size_t count(const source& x) { return x.dim(0); }
  static std::size_t row_size(const source& x) { return x.dim(0) ? x.size() / x.dim(0) : 0; }
  static type at(const source& x, std::size_t i) {
    if constexpr (sizeof...(E) == 0) {
      return x.data()[i];
    } else {
      type out(staticflow::detail::tail(x.dims()));
      std::copy_n(x.data() + i * row_size(x), out.size(), out.data());
      return out;
    }
  }
  static gathered gather(const source& x, const std::vector<std::size_t>& rows) {
    auto d = x.dims();
    d[0] = rows.size();
    gathered out(d);
    const std::size_t row = row_size(x);
    for (std::size_t k = 0; k < rows.size(); ++k) std::copy_n(x.data() + rows[k] * row, row, out.data() + k * row);
    return out;
  }
};

/// The type of one slice of `X`.
template <class X>
using slice_t = typename slice_traits<X>::type;

/// Number of slices (the first extent).
template <class X>
std::size_t slice_count(const X& x) {
  return slice_traits<X>::count(x);
}

/// Slice `i` (unchecked: callers check against slice_count).
template <class X>
slice_t<X> slice_at(const X& x, std::size_t i) {
  return slice_traits<X>::at(x, i);
}

namespace detail {
/// The common first extent of `xs...`; invalid_argument naming `api` and both extents if they differ.
template <class X0, class... X>
std::size_t common_slice_count(const char* api, const X0& x0, const X&... xs) {
  const std::size_t n = slice_count(x0);
  std::size_t index = 0;
  [[maybe_unused]] const auto check = [&](const auto& x) {
    ++index;
    if (slice_count(x) != n)
      staticflow::detail::fail<invalid_argument>({api, ": argument ", index, " has first extent ", slice_count(x),
                                                  " but argument 0 has ", n, "; all must have the same first extent"});
  };
  (check(xs), ...);
  return n;
}
}  // namespace detail

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_SLICES_HPP
