// SPDX-License-Identifier: MIT
/// \file
/// \brief `interleave_dataset`: `ds.interleave(f, cycle_length, block_length)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_INTERLEAVE_HPP
#define STATICFLOW_DATA_PIPELINE_INTERLEAVE_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// See dataset_base::interleave. TF's algorithm (InterleaveDatasetOp): a cycle of
/// `cycle_length` slots visited in turn; a slot without a dataset takes the next input
/// element's `f(x)`; a slot gives `block_length` elements, then the turn passes on; a slot whose
/// dataset ends is emptied and the turn passes on at once.
template <class Up, class F>
class interleave_dataset : public dataset_base<interleave_dataset<Up, F>> {
  using inner_dataset = detail::invoke_element_t<F, typename Up::element_type>;
  static_assert(pipeline_dataset<inner_dataset>, "staticflow::data::interleave: the function must return a dataset");

 public:
  using element_type = typename inner_dataset::element_type;

  interleave_dataset(Up up, F f, std::int64_t cycle_length, std::int64_t block_length)
      : up_(std::move(up)), f_(std::move(f)) {
    detail::check_positive("interleave", "cycle_length", cycle_length);
    detail::check_positive("interleave", "block_length", block_length);
    cycle_length_ = static_cast<std::size_t>(cycle_length);
    block_length_ = static_cast<std::size_t>(block_length);
  }

  class cursor {
   public:
    cursor(typename Up::cursor input, const F& f, std::size_t cycle_length, std::size_t block_length)
        : input_(std::move(input)), f_(f), block_length_(block_length) {
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
    void advance() {
      block_ = 0;
      index_ = (index_ + 1) % slots_.size();
    }
    void open_slot(std::optional<typename inner_dataset::cursor>& slot) {
      std::optional<typename Up::element_type> x = input_.next();
      if (!x) {
        input_done_ = true;
        return;
      }
      slot.emplace(detail::invoke_element(f_, std::move(*x)).make_cursor());
      ++open_;
    }

    typename Up::cursor input_;
    F f_;
    std::size_t block_length_;
    std::vector<std::optional<typename inner_dataset::cursor>> slots_;
    std::size_t index_ = 0, block_ = 0, open_ = 0;
    bool input_done_ = false;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), f_, cycle_length_, block_length_); }

 private:
  Up up_;
  F f_;
  std::size_t cycle_length_ = 1, block_length_ = 1;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_INTERLEAVE_HPP
