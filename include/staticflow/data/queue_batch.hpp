// SPDX-License-Identifier: MIT
/// \file
/// \brief `fifo_batch` and `shuffle_batch`: TF 1.x's tf.train.batch and tf.train.shuffle_batch,
/// threads filling a queue of examples that the consumer takes `batch_size` at a time.
///
/// (tf.train.batch is `fifo_batch` here: `staticflow::data::batch` already names the batch
/// struct of data/dataset.hpp.)
#pragma once
#ifndef STATICFLOW_DATA_QUEUE_BATCH_HPP
#define STATICFLOW_DATA_QUEUE_BATCH_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/queue.hpp"
#include "staticflow/data/queue_runner.hpp"
#include "staticflow/data/stack.hpp"

namespace staticflow::data {

/// Options of fifo_batch and shuffle_batch (TF's keyword arguments).
struct batch_options {
  std::size_t batch_size = 32;             ///< examples per batch
  std::size_t num_threads = 1;             ///< threads calling the source and enqueueing
  std::size_t capacity = 32;               ///< capacity of the example queue
  std::size_t min_after_dequeue = 0;       ///< shuffle_batch only: examples kept to mix (< capacity)
  std::uint64_t seed = 0;                  ///< shuffle_batch only: seed of the queue's draws
  bool allow_smaller_final_batch = false;  ///< a last batch of fewer examples instead of none
};

/// A queue of examples `E`, its runner, and `dequeue()`, which stacks `batch_size` examples
/// into `batch_t<E>` (data/stack.hpp). After the source ran out and the queue drained, dequeue
/// throws `out_of_range`. Copies share the queue.
template <class E, class Queue>
class batch_queue {
 public:
  using element_type = batch_t<E>;

  template <class Source>
  batch_queue(std::shared_ptr<Queue> queue, Source source, const batch_options& o)
      : queue_(std::move(queue)), runner_(queue_, steps(queue_, std::move(source), o.num_threads)),
        batch_size_(o.batch_size), partial_(o.allow_smaller_final_batch) {}

  /// The next batch. **Errors:** out_of_range at the end; invalid_argument for ragged examples.
  element_type dequeue() const {
    std::vector<E> rows = partial_ ? queue_->dequeue_up_to(batch_size_) : queue_->dequeue_many(batch_size_);
    return stack_rows(rows);
  }
  Queue& queue() const { return *queue_; }
  const queue_runner& runner() const { return runner_; }

 private:
  template <class Source>
  static std::vector<std::function<void()>> steps(const std::shared_ptr<Queue>& q, Source source, std::size_t n) {
    if (n == 0) staticflow::detail::fail<invalid_argument>({"staticflow::data::batch: num_threads must be positive"});
    // One source shared by the threads: it must be safe to call concurrently (an input producer is).
    auto shared = std::make_shared<Source>(std::move(source));
    std::weak_ptr<Queue> weak = q;
    std::function<void()> step = [shared, weak] {
      E example = (*shared)();
      if (auto queue = weak.lock()) queue->enqueue(std::move(example));
    };
    return std::vector<std::function<void()>>(n, step);
  }

  std::shared_ptr<Queue> queue_;
  queue_runner runner_;
  std::size_t batch_size_;
  bool partial_;
};

namespace detail {
template <class Source>
using example_t = std::remove_cvref_t<std::invoke_result_t<Source&>>;

inline void check_batch_options(const char* api, const batch_options& o) {
  if (o.batch_size == 0 || o.batch_size > o.capacity - o.min_after_dequeue)
    staticflow::detail::fail<invalid_argument>({"staticflow::data::", api, ": batch_size ", o.batch_size,
                                                " must be in [1, capacity - min_after_dequeue = ",
                                                o.capacity > o.min_after_dequeue ? o.capacity - o.min_after_dequeue : 0,
                                                "]"});
}
}  // namespace detail

/// Batches in the order the threads enqueue them (tf.train.batch). `source()` returns one
/// example and throws `out_of_range` when it has no more (an input_producer does both).
/// **Errors:** invalid_argument for batch_size 0 or above capacity, num_threads 0.
template <class Source>
auto fifo_batch(Source source, batch_options options) {
  using E = detail::example_t<Source>;
  options.min_after_dequeue = 0;
  detail::check_batch_options("fifo_batch", options);
  auto q = std::make_shared<fifo_queue<E>>(options.capacity);
  return batch_queue<E, fifo_queue<E>>(std::move(q), std::move(source), options);
}

/// Batches drawn at random from a random_shuffle_queue holding more than `min_after_dequeue`
/// examples until the input ends (tf.train.shuffle_batch).
/// **Errors:** invalid_argument as fifo_batch, and for min_after_dequeue >= capacity.
template <class Source>
auto shuffle_batch(Source source, batch_options options) {
  using E = detail::example_t<Source>;
  auto q = std::make_shared<random_shuffle_queue<E>>(options.capacity, options.min_after_dequeue, options.seed);
  detail::check_batch_options("shuffle_batch", options);
  return batch_queue<E, random_shuffle_queue<E>>(std::move(q), std::move(source), options);
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_QUEUE_BATCH_HPP
