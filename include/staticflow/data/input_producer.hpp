// SPDX-License-Identifier: MIT
/// \file
/// \brief `string_input_producer`, `slice_input_producer`: TF 1.x's input producers, a queue of
/// items filled for `num_epochs` epochs by a queue runner.
#pragma once
#ifndef STATICFLOW_DATA_INPUT_PRODUCER_HPP
#define STATICFLOW_DATA_INPUT_PRODUCER_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/dataset.hpp"
#include "staticflow/data/queue.hpp"
#include "staticflow/data/queue_runner.hpp"
#include "staticflow/data/slices.hpp"

namespace staticflow::data {

/// Options of the input producers (TF's keyword arguments and defaults).
struct producer_options {
  std::int64_t num_epochs = -1;  ///< epochs to produce; -1: no limit (TF's None)
  bool shuffle = true;           ///< a fresh permutation of the items each epoch
  std::uint64_t seed = 0;        ///< seed of the splitmix64 stream behind the permutations
  std::size_t capacity = 32;     ///< capacity of the queue
};

/// A FIFO queue of items and the runner that fills it: one thread enqueues item `order[i]` for
/// each epoch's order (the identity, or a Fisher-Yates permutation when shuffling), then the
/// queue is closed. `dequeue()` (also `operator()`, so a producer can feed fifo_batch or
/// shuffle_batch) throws `out_of_range` after the last epoch. Copies share the queue.
template <class T>
class input_producer {
 public:
  using element_type = T;

  /// `count` items, item i made by `item(i)`. **Errors:** invalid_argument for no items, a
  /// num_epochs that is neither -1 nor positive, or capacity 0.
  input_producer(std::size_t count, std::function<T(std::size_t)> item, producer_options options, const char* api)
      : queue_(make_queue(options.capacity)),
        runner_(queue_, {make_step(count, std::move(item), options, api, queue_)}) {}

  T dequeue() const { return queue_->dequeue(); }
  T operator()() const { return dequeue(); }
  fifo_queue<T>& queue() const { return *queue_; }
  const queue_runner& runner() const { return runner_; }

 private:
  static std::shared_ptr<fifo_queue<T>> make_queue(std::size_t capacity) {
    return std::make_shared<fifo_queue<T>>(capacity);
  }

  struct epochs {
    std::function<T(std::size_t)> item;
    std::vector<std::size_t> order;
    std::size_t position = 0;
    std::int64_t epoch = 0;
    std::int64_t num_epochs;
    bool shuffle;
    splitmix64 rng;
  };

  static std::function<void()> make_step(std::size_t count, std::function<T(std::size_t)> item,
                                         const producer_options& o, const char* api,
                                         const std::shared_ptr<fifo_queue<T>>& queue) {
    if (count == 0) staticflow::detail::fail<invalid_argument>({"staticflow::data::", api, ": there are no items"});
    if (o.num_epochs == 0 || o.num_epochs < -1)
      staticflow::detail::fail<invalid_argument>({"staticflow::data::", api,
                                                  ": num_epochs must be -1 (no limit) or positive, got ", o.num_epochs});
    auto e = std::make_shared<epochs>(epochs{std::move(item), std::vector<std::size_t>(count), count, 0,
                                             o.num_epochs, o.shuffle, splitmix64(o.seed)});
    std::weak_ptr<fifo_queue<T>> weak = queue;  // the runner already owns the queue; no cycle
    return [e, weak] {
      if (e->position == e->order.size()) start_epoch(*e);
      auto q = weak.lock();
      if (!q) staticflow::detail::fail<cancelled>({"staticflow::data::input_producer: the queue is gone"});
      q->enqueue(e->item(e->order[e->position]));
      ++e->position;
    };
  }

  static void start_epoch(epochs& e) {
    if (e.num_epochs >= 0 && e.epoch >= e.num_epochs)
      staticflow::detail::fail<out_of_range>({"staticflow::data::input_producer: ", e.num_epochs, " epochs produced"});
    ++e.epoch;
    std::iota(e.order.begin(), e.order.end(), std::size_t{0});
    if (e.shuffle) data::shuffle(e.order, e.rng);
    e.position = 0;
  }

  std::shared_ptr<fifo_queue<T>> queue_;
  queue_runner runner_;
};

/// The strings, `num_epochs` times, each epoch shuffled unless `options.shuffle` is false
/// (tf.train.string_input_producer). Typical input: file names.
inline input_producer<std::string> string_input_producer(std::vector<std::string> strings,
                                                         producer_options options = {}) {
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(strings));
  return input_producer<std::string>(
      shared->size(), [shared](std::size_t i) { return (*shared)[i]; }, options, "string_input_producer");
}

/// Slices of the tensors / vectors (one: its slice type; several: the tuple of their slices, the
/// same slice index in each), `num_epochs` times, shuffled per epoch (tf.train.slice_input_producer).
/// **Errors:** invalid_argument if their first extents differ.
template <class... X>
auto slice_input_producer(producer_options options, X... x) {
  static_assert(sizeof...(X) >= 1, "staticflow::data::slice_input_producer: give at least one tensor or vector");
  const std::size_t n = detail::common_slice_count("staticflow::data::slice_input_producer", x...);
  auto shared = std::make_shared<const std::tuple<X...>>(std::move(x)...);
  using item_type = std::conditional_t<sizeof...(X) == 1, std::tuple_element_t<0, std::tuple<slice_t<X>...>>,
                                       std::tuple<slice_t<X>...>>;
  return input_producer<item_type>(
      n,
      [shared](std::size_t i) {
        return std::apply([i](const auto&... s) { return item_type(slice_at(s, i)...); }, *shared);
      },
      options, "slice_input_producer");
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_INPUT_PRODUCER_HPP
