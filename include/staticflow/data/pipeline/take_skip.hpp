// SPDX-License-Identifier: MIT
/// \file
/// \brief `take_dataset` and `skip_dataset`: `ds.take(count)`, `ds.skip(count)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_TAKE_SKIP_HPP
#define STATICFLOW_DATA_PIPELINE_TAKE_SKIP_HPP

#include <cstdint>
#include <optional>
#include <utility>

#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// See dataset_base::take (-1: everything).
template <class Up>
class take_dataset : public dataset_base<take_dataset<Up>> {
 public:
  using element_type = typename Up::element_type;

  take_dataset(Up up, std::int64_t count) : up_(std::move(up)), count_(count) {
    detail::check_count("take", "count", count);
  }

  class cursor {
   public:
    cursor(typename Up::cursor up, std::int64_t left) : up_(std::move(up)), left_(left) {}
    std::optional<element_type> next() {
      if (left_ == 0) return std::nullopt;  // upstream is not touched past the count
      if (left_ > 0) --left_;
      return up_.next();
    }

   private:
    typename Up::cursor up_;
    std::int64_t left_;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), count_); }

 private:
  Up up_;
  std::int64_t count_;
};

/// See dataset_base::skip (-1: everything).
template <class Up>
class skip_dataset : public dataset_base<skip_dataset<Up>> {
 public:
  using element_type = typename Up::element_type;

  skip_dataset(Up up, std::int64_t count) : up_(std::move(up)), count_(count) {
    detail::check_count("skip", "count", count);
  }

  class cursor {
   public:
    cursor(typename Up::cursor up, std::int64_t to_skip) : up_(std::move(up)), to_skip_(to_skip) {}
    std::optional<element_type> next() {
      while (to_skip_ != 0) {  // -1 never reaches 0: skips to the end
        if (!up_.next()) return std::nullopt;
        if (to_skip_ > 0) --to_skip_;
      }
      return up_.next();
    }

   private:
    typename Up::cursor up_;
    std::int64_t to_skip_;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), count_); }

 private:
  Up up_;
  std::int64_t count_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_TAKE_SKIP_HPP
