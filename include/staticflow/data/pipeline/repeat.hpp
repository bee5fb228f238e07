// SPDX-License-Identifier: MIT
/// \file
/// \brief `repeat_dataset`: `ds.repeat(count)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_REPEAT_HPP
#define STATICFLOW_DATA_PIPELINE_REPEAT_HPP

#include <cstdint>
#include <optional>
#include <utility>

#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// See dataset_base::repeat. Each pass makes a fresh upstream cursor (so shuffles reshuffle).
/// A pass that yields nothing ends the repetition, as in TF: `repeat()` of an empty data set
/// is empty rather than an endless loop.
template <class Up>
class repeat_dataset : public dataset_base<repeat_dataset<Up>> {
 public:
  using element_type = typename Up::element_type;

  repeat_dataset(Up up, std::int64_t count) : up_(std::move(up)), count_(count) {
    detail::check_count("repeat", "count", count);
  }

  class cursor {
   public:
    cursor(Up up, std::int64_t count) : up_(std::move(up)), count_(count) {}
    std::optional<element_type> next() {
      for (;;) {
        if (!current_) {
          if (count_ >= 0 && passes_ >= count_) return std::nullopt;
          current_.emplace(up_.make_cursor());
          ++passes_;
          produced_ = false;
        }
        if (std::optional<element_type> x = current_->next()) {
          produced_ = true;
          return x;
        }
        current_.reset();
        if (!produced_) return std::nullopt;
      }
    }

   private:
    Up up_;
    std::int64_t count_;
    std::int64_t passes_ = 0;
    bool produced_ = false;
    std::optional<typename Up::cursor> current_;
  };

  cursor make_cursor() const { return cursor(up_, count_); }

 private:
  Up up_;
  std::int64_t count_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_REPEAT_HPP
