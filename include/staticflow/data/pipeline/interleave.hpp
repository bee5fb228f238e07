// SPDX-License-Identifier: MIT
/// \file
/// \brief `interleave_dataset`: `ds.interleave(f, cycle_length, block_length, num_parallel_calls)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_INTERLEAVE_HPP
#define STATICFLOW_DATA_PIPELINE_INTERLEAVE_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "staticflow/data/pipeline/dataset_base.hpp"
#include "staticflow/data/pipeline/prefetch.hpp"

namespace staticflow::data {

/// See dataset_base::interleave. TF's algorithm (InterleaveDatasetOp): a cycle of
/// `cycle_length` slots visited in turn; a slot without a dataset takes the next input
/// element's `f(x)`; a slot gives `block_length` elements, then the turn passes on; a slot whose
/// dataset ends is emptied and the turn passes on at once. In parallel, a slot opened while
/// fewer than `num_parallel_calls` threads read reads ahead on one more (a prefetch cursor over
/// its dataset); with fewer calls than slots, the consumer reads the others itself. The slots
/// are visited in the same order either way, so the output is the sequential one.
template <class Up, class F>
class interleave_dataset : public dataset_base<interleave_dataset<Up, F>> {
  using inner_dataset = detail::invoke_element_t<F, typename Up::element_type>;
  static_assert(pipeline_dataset<inner_dataset>, "staticflow::data::interleave: the function must return a dataset");

 public:
  using element_type = typename inner_dataset::element_type;

  interleave_dataset(Up up, F f, std::int64_t cycle_length, std::int64_t block_length,
                     std::int64_t num_parallel_calls = 1)
      : up_(std::move(up)), f_(std::move(f)) {
    detail::check_positive("interleave", "cycle_length", cycle_length);
    detail::check_positive("interleave", "block_length", block_length);
    if (num_parallel_calls != autotune) detail::check_positive("interleave", "num_parallel_calls", num_parallel_calls);
    cycle_length_ = static_cast<std::size_t>(cycle_length);
    block_length_ = static_cast<std::size_t>(block_length);
    const unsigned hw = std::thread::hardware_concurrency();
    parallel_ = num_parallel_calls == autotune ? (hw > 0 ? hw : 1) : static_cast<std::size_t>(num_parallel_calls);
  }

  class cursor {
   public:
    cursor(typename Up::cursor input, const F& f, std::size_t cycle_length, std::size_t block_length,
           std::size_t parallel)
        : input_(std::move(input)), f_(f), block_length_(block_length),
          // At most `parallel` threads read: the consumer is one of them while some slot is read in place.
          parallel_(parallel >= cycle_length ? cycle_length : parallel - 1) {
      slots_.resize(cycle_length);
    }
    std::optional<element_type> next() {
      while (!input_done_ || open_ > 0) {
        auto& slot = slots_[index_];
        if (slot) {
          if (std::optional<element_type> x = slot->next()) {
            if (++block_ == block_length_) advance();
            return x;
          }
          ahead_ -= slot->ahead.has_value();
          slot.reset();
          --open_;
          advance();
        } else if (!input_done_) {
          open_slot(slot);
        } else {
          advance();
        }
      }
      return std::nullopt;
    }

   private:
    /// An open dataset, read in place or ahead on a thread of its own.
    struct slot_cursor {
      std::optional<typename inner_dataset::cursor> direct;
      std::optional<typename prefetch_dataset<inner_dataset>::cursor> ahead;
      std::optional<element_type> next() { return direct ? direct->next() : ahead->next(); }
    };

    void advance() {
      block_ = 0;
      index_ = (index_ + 1) % slots_.size();
    }
    void open_slot(std::optional<slot_cursor>& slot) {
      std::optional<typename Up::element_type> x = input_.next();
      if (!x) {
        input_done_ = true;
        return;
      }
      auto inner = detail::invoke_element(f_, std::move(*x)).make_cursor();
      slot.emplace();
      if (ahead_ < parallel_) slot->ahead.emplace(std::move(inner), block_length_), ++ahead_;
      else slot->direct.emplace(std::move(inner));
      ++open_;
    }

    typename Up::cursor input_;
    F f_;
    std::size_t block_length_, parallel_;  ///< parallel_: slots that may read ahead (0: none)
    std::vector<std::optional<slot_cursor>> slots_;
    std::size_t index_ = 0, block_ = 0, open_ = 0, ahead_ = 0;
    bool input_done_ = false;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), f_, cycle_length_, block_length_, parallel_); }

 private:
  Up up_;
  F f_;
  std::size_t cycle_length_ = 1, block_length_ = 1, parallel_ = 1;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_INTERLEAVE_HPP
