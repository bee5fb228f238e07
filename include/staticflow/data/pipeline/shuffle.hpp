// SPDX-License-Identifier: MIT
/// \file
/// \brief `shuffle_dataset`: `ds.shuffle(buffer_size, seed, reshuffle_each_iteration)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_SHUFFLE_HPP
#define STATICFLOW_DATA_PIPELINE_SHUFFLE_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "staticflow/data/dataset.hpp"
#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// See dataset_base::shuffle. Each call of next():
/// 1. tops the buffer up from upstream to `buffer_size` elements (fewer at the end of input);
/// 2. draws `i = rng.uniform(buffer.size())` (splitmix64) and emits `buffer[i]`;
/// 3. moves the buffer's last element into slot `i`.
/// Pass `k` (counted over all copies of this dataset) draws from `splitmix64(seed)` for
/// k = 0 and, when reshuffling, from `splitmix64(splitmix64(seed + k)())` after that.
template <class Up>
class shuffle_dataset : public dataset_base<shuffle_dataset<Up>> {
 public:
  using element_type = typename Up::element_type;

  shuffle_dataset(Up up, std::int64_t buffer_size, std::uint64_t seed, bool reshuffle)
      : up_(std::move(up)), seed_(seed), reshuffle_(reshuffle) {
    detail::check_positive("shuffle", "buffer_size", buffer_size);
    buffer_size_ = static_cast<std::size_t>(buffer_size);
  }

  class cursor {
   public:
    cursor(typename Up::cursor up, std::size_t buffer_size, std::uint64_t seed)
        : up_(std::move(up)), buffer_size_(buffer_size), rng_(seed) {}
    std::optional<element_type> next() {
      while (!upstream_done_ && buffer_.size() < buffer_size_) {
        std::optional<element_type> x = up_.next();
        if (!x) upstream_done_ = true;
        else buffer_.push_back(std::move(*x));
      }
      if (buffer_.empty()) return std::nullopt;
      const auto i = static_cast<std::size_t>(rng_.uniform(buffer_.size()));
      std::optional<element_type> out(std::move(buffer_[i]));
      if (i + 1 != buffer_.size()) buffer_[i] = std::move(buffer_.back());
      buffer_.pop_back();
      return out;
    }

   private:
    typename Up::cursor up_;
    std::size_t buffer_size_;
    splitmix64 rng_;
    std::vector<element_type> buffer_;
    bool upstream_done_ = false;
  };

  cursor make_cursor() const {
    const std::uint64_t k = passes_->fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t seed = (k == 0 || !reshuffle_) ? seed_ : splitmix64(seed_ + k)();
    return cursor(up_.make_cursor(), buffer_size_, seed);
  }

 private:
  Up up_;
  std::size_t buffer_size_ = 1;
  std::uint64_t seed_;
  bool reshuffle_;
  std::shared_ptr<std::atomic<std::uint64_t>> passes_ = std::make_shared<std::atomic<std::uint64_t>>(0);
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_SHUFFLE_HPP
