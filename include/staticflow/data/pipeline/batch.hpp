// SPDX-License-Identifier: MIT
/// \file
/// \brief `batch_dataset`: `ds.batch(batch_size, drop_remainder)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_BATCH_HPP
#define STATICFLOW_DATA_PIPELINE_BATCH_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "staticflow/data/pipeline/dataset_base.hpp"
#include "staticflow/data/stack.hpp"

namespace staticflow::data {

/// See dataset_base::batch; the batch type is `batch_t<element>` (data/stack.hpp).
template <class Up>
class batch_dataset : public dataset_base<batch_dataset<Up>> {
  using row_type = typename Up::element_type;

 public:
  using element_type = batch_t<row_type>;

  batch_dataset(Up up, std::int64_t batch_size, bool drop_remainder) : up_(std::move(up)), drop_(drop_remainder) {
    detail::check_positive("batch", "batch_size", batch_size);
    size_ = static_cast<std::size_t>(batch_size);
  }

  class cursor {
   public:
    cursor(typename Up::cursor up, std::size_t size, bool drop) : up_(std::move(up)), size_(size), drop_(drop) {}
    std::optional<element_type> next() {
      std::vector<row_type> rows;
      rows.reserve(size_);
      while (rows.size() < size_) {
        std::optional<row_type> x = up_.next();
        if (!x) break;
        rows.push_back(std::move(*x));
      }
      if (rows.empty() || (drop_ && rows.size() < size_)) return std::nullopt;
      return stack_rows(rows);
    }

   private:
    typename Up::cursor up_;
    std::size_t size_;
    bool drop_;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), size_, drop_); }

 private:
  Up up_;
  std::size_t size_ = 1;
  bool drop_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_BATCH_HPP
