// SPDX-License-Identifier: MIT
/// \file
/// \brief `filter_dataset`: `ds.filter(predicate)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_FILTER_HPP
#define STATICFLOW_DATA_PIPELINE_FILTER_HPP

#include <optional>
#include <utility>

#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// See dataset_base::filter. The predicate sees the element as const (components for a tuple).
template <class Up, class P>
class filter_dataset : public dataset_base<filter_dataset<Up, P>> {
 public:
  using element_type = typename Up::element_type;

  filter_dataset(Up up, P predicate) : up_(std::move(up)), predicate_(std::move(predicate)) {}

  class cursor {
   public:
    cursor(typename Up::cursor up, const P& predicate) : up_(std::move(up)), predicate_(predicate) {}
    std::optional<element_type> next() {
      while (std::optional<element_type> x = up_.next())
        if (static_cast<bool>(detail::invoke_element(predicate_, std::as_const(*x)))) return x;
      return std::nullopt;
    }

   private:
    typename Up::cursor up_;
    P predicate_;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), predicate_); }

 private:
  Up up_;
  P predicate_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_FILTER_HPP
