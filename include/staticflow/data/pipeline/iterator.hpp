// SPDX-License-Identifier: MIT
/// \file
/// \brief Iterating a dataset: `dataset_iterator` (a C++20 input iterator, for range-for) and
/// `one_shot_iterator` (TF's make_one_shot_iterator, whose get_next throws at the end).
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_ITERATOR_HPP
#define STATICFLOW_DATA_PIPELINE_ITERATOR_HPP

#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

#include "staticflow/core/error.hpp"

namespace staticflow::data {

/// An input iterator over one pass of a dataset `D`; its end is `std::default_sentinel`.
/// Move-only: it owns the pass's cursor (and with it any prefetch or map threads).
template <class D>
class dataset_iterator {
 public:
  using value_type = typename D::element_type;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  explicit dataset_iterator(typename D::cursor cursor) : cursor_(std::move(cursor)) { ++*this; }
  dataset_iterator(dataset_iterator&&) noexcept = default;
  dataset_iterator& operator=(dataset_iterator&&) noexcept = default;

  /// The current element; `for (auto&& e : ds)` may move from it.
  value_type& operator*() const { return *current_; }
  dataset_iterator& operator++() {
    current_ = cursor_.next();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const dataset_iterator& it, std::default_sentinel_t) { return !it.current_.has_value(); }

 private:
  typename D::cursor cursor_;
  // mutable: an input iterator's operator* is const, yet hands out the element to consume.
  mutable std::optional<value_type> current_;
};

/// TF's one-shot iterator: `get_next()` returns the next element and throws `out_of_range`
/// ("End of sequence", TF's OutOfRangeError) after the last one.
template <class D>
class one_shot_iterator {
 public:
  using element_type = typename D::element_type;
  explicit one_shot_iterator(typename D::cursor cursor) : cursor_(std::move(cursor)) {}

  /// **Errors:** `out_of_range` at the end of the data set; whatever a stage threw.
  element_type get_next() {
    std::optional<element_type> e = cursor_.next();
    if (!e) staticflow::detail::fail<out_of_range>({"staticflow::data::one_shot_iterator::get_next: End of sequence"});
    return std::move(*e);
  }

 private:
  typename D::cursor cursor_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_ITERATOR_HPP
