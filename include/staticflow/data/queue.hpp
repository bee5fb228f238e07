// SPDX-License-Identifier: MIT
/// \file
/// \brief Bounded blocking queues with TensorFlow's close/cancel semantics: `fifo_queue` and
/// `random_shuffle_queue`.
///
/// TF 1.x semantics (tf.FIFOQueue, tf.RandomShuffleQueue):
/// - `enqueue` blocks while the queue is full; into a closed queue it throws `cancelled`;
/// - `dequeue` blocks while the queue is empty (a shuffle queue: while it holds no more than
///   `min_after_dequeue` elements, so what comes out is drawn from a well-mixed buffer);
/// - `close()`: no more enqueues; pending and later dequeues still get the remaining elements
///   (a shuffle queue then ignores `min_after_dequeue`), and once the queue is empty they throw
///   `out_of_range` (TF's OutOfRangeError, the normal end of input);
/// - `close(true)` (`cancel()`) also makes enqueues blocked on a full queue throw `cancelled`.
#pragma once
#ifndef STATICFLOW_DATA_QUEUE_HPP
#define STATICFLOW_DATA_QUEUE_HPP

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/dataset.hpp"

namespace staticflow::data {

namespace detail {

/// FIFO order: the oldest element leaves first.
struct fifo_order {
  static constexpr const char* name = "staticflow::data::fifo_queue";
  template <class T>
  T take(std::deque<T>& items) {
    T out = std::move(items.front());
    items.pop_front();
    return out;
  }
};

/// Random order: a uniformly chosen element leaves (swapped to the back first, so removal is O(1)).
struct shuffle_order {
  static constexpr const char* name = "staticflow::data::random_shuffle_queue";
  splitmix64 rng;
  template <class T>
  T take(std::deque<T>& items) {
    const auto i = static_cast<std::size_t>(rng.uniform(items.size()));
    if (i + 1 != items.size()) std::swap(items[i], items.back());
    T out = std::move(items.back());
    items.pop_back();
    return out;
  }
};

}  // namespace detail

/// A bounded, thread-safe queue of `T` (any movable type); `Order` picks which element a
/// dequeue takes. Use the aliases `fifo_queue<T>` and `random_shuffle_queue<T>`.
///
/// **Errors:** `invalid_argument` for capacity 0, `min_after_dequeue >= capacity`, or a
/// dequeue_many of more than capacity - min_after_dequeue elements (it could never complete);
/// `cancelled` from enqueue into a closed queue; `out_of_range` from a dequeue of a closed queue
/// without enough elements.
template <class T, class Order>
class basic_queue {
 public:
  /// A FIFO queue holding at most `capacity` elements.
  explicit basic_queue(std::size_t capacity)
    requires std::is_same_v<Order, detail::fifo_order>
      : capacity_(capacity) {
    check_sizes();
  }
  /// A shuffle queue: at most `capacity` elements; dequeues wait until more than
  /// `min_after_dequeue` are held (until the queue is closed); draws from splitmix64(seed).
  basic_queue(std::size_t capacity, std::size_t min_after_dequeue, std::uint64_t seed)
    requires std::is_same_v<Order, detail::shuffle_order>
      : capacity_(capacity), min_after_dequeue_(min_after_dequeue), order_{splitmix64(seed)} {
    check_sizes();
  }
  basic_queue(const basic_queue&) = delete;
  basic_queue& operator=(const basic_queue&) = delete;

  /// Adds `value`, waiting while the queue is full.
  /// **Errors:** `cancelled` if the queue is closed, or is cancelled while this call waits.
  void enqueue(T value) {
    std::unique_lock lock(mutex_);
    if (closed_) fail_closed("enqueue");
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || cancelled_; });
    if (cancelled_) fail_closed("enqueue");
    items_.push_back(std::move(value));
    not_empty_.notify_all();
  }

  /// Removes one element, waiting until one is available.
  /// **Errors:** `out_of_range` once the queue is closed and empty.
  T dequeue() {
    std::unique_lock lock(mutex_);
    wait_for(lock, 1, "dequeue");
    return take_one();
  }

  /// As dequeue, but the end (closed and empty) is nullopt instead of an exception: the form
  /// for consumers that loop until the end, such as the pipeline's prefetch and map workers.
  std::optional<T> dequeue_optional() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || items_.size() > min_after_dequeue_; });
    if (items_.empty()) return std::nullopt;
    return take_one();
  }

  /// Removes `n` elements at once (TF's dequeue_many), waiting until `n` are available.
  /// **Errors:** `out_of_range` if the queue is closed with fewer than `n` left (they stay).
  std::vector<T> dequeue_many(std::size_t n) { return dequeue_n(n, false, "dequeue_many"); }

  /// As dequeue_many, except that a closed queue with 1..n-1 elements left returns them all
  /// (TF's dequeue_up_to: the smaller final batch). An `n` above capacity - min_after_dequeue
  /// returns only once the queue is closed. **Errors:** `out_of_range` when it is empty.
  std::vector<T> dequeue_up_to(std::size_t n) { return dequeue_n(n, true, "dequeue_up_to"); }

  /// An element if one can be taken now without waiting (ignores `min_after_dequeue` only
  /// when closed, as dequeue does).
  std::optional<T> try_dequeue() {
    std::lock_guard lock(mutex_);
    if (items_.empty() || (!closed_ && items_.size() <= min_after_dequeue_)) return std::nullopt;
    return take_one();
  }

  /// No more enqueues; with `cancel_pending_enqueues`, also fail the enqueues waiting on a full
  /// queue. Idempotent. Wakes every waiting thread.
  void close(bool cancel_pending_enqueues = false) {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      cancelled_ = cancelled_ || cancel_pending_enqueues;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  /// close(true).
  void cancel() { close(true); }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t min_after_dequeue() const noexcept { return min_after_dequeue_; }

 private:
  void check_sizes() const {
    if (capacity_ == 0)
      staticflow::detail::fail<invalid_argument>({Order::name, ": capacity must be positive"});
    if (min_after_dequeue_ >= capacity_)
      staticflow::detail::fail<invalid_argument>({Order::name, ": min_after_dequeue ", min_after_dequeue_,
                                                  " must be less than capacity ", capacity_});
  }

  [[noreturn]] static void fail_closed(const char* op) {
    staticflow::detail::fail<cancelled>({Order::name, "::", op, ": the queue is closed"});
  }

  // Waits until `n` elements can leave: more than min_after_dequeue + n - 1 while open, or `n`
  // (`1` when `partial`) once closed. Throws out_of_range when a closed queue cannot supply them.
  void wait_for(std::unique_lock<std::mutex>& lock, std::size_t n, const char* op, bool partial = false) {
    not_empty_.wait(lock, [&] { return closed_ || items_.size() >= n + min_after_dequeue_; });
    const std::size_t needed = partial ? 1 : n;
    if (items_.size() < needed)
      staticflow::detail::fail<out_of_range>({Order::name, "::", op, ": the queue is closed and holds ",
                                              items_.size(), " of the ", needed, " elements requested"});
  }

  std::vector<T> dequeue_n(std::size_t n, bool partial, const char* op) {
    if (n == 0 || (!partial && n > capacity_ - min_after_dequeue_))
      staticflow::detail::fail<invalid_argument>({Order::name, "::", op, ": n = ", n, " must be in [1, ",
                                                  capacity_ - min_after_dequeue_, "] (capacity - min_after_dequeue)"});
    std::unique_lock lock(mutex_);
    wait_for(lock, n, op, partial);
    std::vector<T> out;
    const std::size_t count = n < items_.size() ? n : items_.size();
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(order_.take(items_));
    not_full_.notify_all();
    return out;
  }

  T take_one() {
    T out = order_.take(items_);
    not_full_.notify_one();
    return out;
  }

  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  std::size_t capacity_;
  std::size_t min_after_dequeue_ = 0;
  bool closed_ = false;
  bool cancelled_ = false;
  Order order_{};
};

/// A bounded FIFO queue (tf.FIFOQueue).
template <class T>
using fifo_queue = basic_queue<T, detail::fifo_order>;

/// A bounded queue whose dequeues take a uniformly random element (tf.RandomShuffleQueue).
template <class T>
using random_shuffle_queue = basic_queue<T, detail::shuffle_order>;

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_QUEUE_HPP
