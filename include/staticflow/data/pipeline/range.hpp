// SPDX-License-Identifier: MIT
/// \file
/// \brief `range(n)`, `range(start, stop, step)`: a dataset of `std::int64_t` (tf.data.Dataset.range).
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_RANGE_HPP
#define STATICFLOW_DATA_PIPELINE_RANGE_HPP

#include <cstdint>
#include <optional>

#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// start, start + step, ... while before `stop` (after it, for a negative step).
class range_dataset : public dataset_base<range_dataset> {
 public:
  using element_type = std::int64_t;

  range_dataset(std::int64_t start, std::int64_t stop, std::int64_t step) : start_(start), stop_(stop), step_(step) {
    if (step == 0) detail::bad_argument("range", "step", "non-zero", step);
  }

  class cursor {
   public:
    cursor(std::int64_t next, std::int64_t stop, std::int64_t step) : next_(next), stop_(stop), step_(step) {}
    std::optional<std::int64_t> next() {
      if (step_ > 0 ? next_ >= stop_ : next_ <= stop_) return std::nullopt;
      const std::int64_t out = next_;
      // Stop rather than overflow: the next value would pass `stop` anyway.
      if (__builtin_add_overflow(next_, step_, &next_)) next_ = stop_;
      return out;
    }

   private:
    std::int64_t next_, stop_, step_;
  };

  cursor make_cursor() const { return cursor(start_, stop_, step_); }

 private:
  std::int64_t start_, stop_, step_;
};

/// 0, 1, ..., n - 1.
inline range_dataset range(std::int64_t n) { return range_dataset(0, n, 1); }
/// **Errors:** invalid_argument if step is 0.
inline range_dataset range(std::int64_t start, std::int64_t stop, std::int64_t step = 1) {
  return range_dataset(start, stop, step);
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_RANGE_HPP
