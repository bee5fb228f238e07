// SPDX-License-Identifier: MIT
/// \file
/// \brief `batch_t<E>` and `stack_rows`: how elements of type `E` are stacked into one batch.
///
/// Shared by the dataset stage `batch` (pipeline/batch.hpp) and the queue batchers
/// (queue_batch.hpp). The rules, applied recursively:
/// - a scalar element type `T` (float, int64, ...) -> `tensor<T, shape<dyn>>`;
/// - `tensor<T, shape<E...>>` -> `tensor<T, shape<dyn, E...>>`, ready to feed a placeholder of
///   that shape (elements must have equal run-time extents);
/// - `std::tuple<A...>` -> `std::tuple<batch_t<A>...>` (componentwise, as TF batches nests);
/// - anything else (`std::string`, user types) -> `std::vector<E>`.
#pragma once
#ifndef STATICFLOW_DATA_STACK_HPP
#define STATICFLOW_DATA_STACK_HPP

#include <algorithm>
#include <cstddef>
#include <tuple>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/tensor.hpp"

namespace staticflow::data {

/// The stacking rule for element type `E` (see the file comment). Each specialisation has
/// `type` and `static type stack(Rows& rows, Get get)`, where `get(rows[i])` is an lvalue of
/// type `E` that stack may move from. `rows` is never empty.
template <class E>
struct batch_traits {
  using type = std::vector<E>;
  template <class Rows, class Get>
  static type stack(Rows& rows, Get get) {
    type out;
    out.reserve(rows.size());
    for (auto& r : rows) out.push_back(std::move(get(r)));
    return out;
  }
};

template <element_type T>
struct batch_traits<T> {
  using type = tensor<T, shape<dyn>>;
  template <class Rows, class Get>
  static type stack(Rows& rows, Get get) {
    type out(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) out.data()[i] = get(rows[i]);
    return out;
  }
};

namespace detail {
[[noreturn, gnu::cold]] inline void throw_ragged_batch(std::size_t row, const std::string& got,
                                                       const std::string& first) {
  staticflow::detail::fail<invalid_argument>({"staticflow::data::batch: element ", row, " has extents ", got,
                                              " but element 0 has ", first,
                                              "; elements of one batch must have equal extents"});
}
}  // namespace detail

template <element_type T, std::size_t... X>
struct batch_traits<tensor<T, shape<X...>, host>> {
  using type = tensor<T, shape<dyn, X...>, host>;
  template <class Rows, class Get>
  static type stack(Rows& rows, Get get) {
    const auto& first = get(rows[0]);
    dims_t<shape<dyn, X...>> d{};
    d[0] = rows.size();
    for (std::size_t i = 0; i < sizeof...(X); ++i) d[i + 1] = first.dims()[i];
    type out(d);
    const std::size_t row = first.size();
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto& t = get(rows[r]);
      if (!(t.dims() == first.dims())) detail::throw_ragged_batch(r, to_string(t.dims()), to_string(first.dims()));
      std::copy_n(t.data(), row, out.data() + r * row);
    }
    return out;
  }
};

template <class... A>
struct batch_traits<std::tuple<A...>> {
  using type = std::tuple<typename batch_traits<A>::type...>;
  template <class Rows, class Get>
  static type stack(Rows& rows, Get get) {
    return stack_each(rows, get, std::index_sequence_for<A...>{});
  }

 private:
  // Column I of each row. A named function object rather than a lambda in the pack
  // expansion: nvcc cannot expand a pack that a lambda body refers to.
  template <std::size_t I, class Get>
  struct column {
    Get& get;
    template <class Row>
    auto& operator()(Row& r) const { return std::get<I>(get(r)); }
  };
  template <class Rows, class Get, std::size_t... I>
  static type stack_each(Rows& rows, Get& get, std::index_sequence<I...>) {
    return type{batch_traits<A>::stack(rows, column<I, Get>{get})...};
  }
};

/// The batch type of element type `E`.
template <class E>
using batch_t = typename batch_traits<E>::type;

/// Stacks `rows` (non-empty) into one batch, moving from them.
template <class E>
batch_t<E> stack_rows(std::vector<E>& rows) {
  return batch_traits<E>::stack(rows, [](E& e) -> E& { return e; });
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_STACK_HPP
