// SPDX-License-Identifier: MIT
/// \file
/// \brief `prefetch_dataset`: `ds.prefetch(buffer_size)`, a background thread filling a queue.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_PREFETCH_HPP
#define STATICFLOW_DATA_PIPELINE_PREFETCH_HPP

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "staticflow/data/pipeline/dataset_base.hpp"
#include "staticflow/data/queue.hpp"
#include "staticflow/data/worker.hpp"

namespace staticflow::data {

/// See dataset_base::prefetch. Each pass starts one `worker` that owns the upstream cursor and
/// enqueues into a `fifo_queue` of `buffer_size`; the consumer dequeues. Destroying the pass
/// mid-way cancels the queue (the worker's blocked enqueue throws `cancelled`) and joins it.
template <class Up>
class prefetch_dataset : public dataset_base<prefetch_dataset<Up>> {
 public:
  using element_type = typename Up::element_type;

  prefetch_dataset(Up up, std::int64_t buffer_size) : up_(std::move(up)) {
    detail::check_positive("prefetch", "buffer_size", buffer_size);
    size_ = static_cast<std::size_t>(buffer_size);
  }

  class cursor {
   public:
    cursor(typename Up::cursor up, std::size_t size) : state_(std::make_unique<state>(size)) {
      state* s = state_.get();
      s->producer = worker([s, up = std::move(up)]() mutable { produce(*s, up); }, [s] { s->queue.cancel(); });
    }
    std::optional<element_type> next() {
      std::optional<element_type> x = state_->queue.dequeue_optional();
      // The producer stores its error before closing the queue, and the queue's mutex orders
      // that store before this read.
      if (!x && state_->error) std::rethrow_exception(std::exchange(state_->error, nullptr));
      return x;
    }

   private:
    struct state {
      explicit state(std::size_t size) : queue(size) {}
      fifo_queue<element_type> queue;
      std::exception_ptr error;
      worker producer;  // last: joined before the queue is destroyed
    };

    static void produce(state& s, typename Up::cursor& up) {
      try {
        while (std::optional<element_type> x = up.next()) s.queue.enqueue(std::move(*x));
      } catch (...) {
        // Also the `cancelled` of a consumer that went away; nobody reads it then.
        s.error = std::current_exception();
      }
      s.queue.close();
    }

    std::unique_ptr<state> state_;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), size_); }

 private:
  Up up_;
  std::size_t size_ = 1;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_PREFETCH_HPP
