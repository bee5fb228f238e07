// SPDX-License-Identifier: MIT
/// \file
/// \brief `queue_runner`: TF 1.x's tf.train.QueueRunner, threads repeating an enqueue step.
#pragma once
#ifndef STATICFLOW_DATA_QUEUE_RUNNER_HPP
#define STATICFLOW_DATA_QUEUE_RUNNER_HPP

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/coordinator.hpp"

namespace staticflow::data {

/// Runs each enqueue step on its own thread, over and over, until the coordinator stops or the
/// step throws `out_of_range` (its input is exhausted). When the last thread has run out of
/// input, the queue is closed, so the consumer drains it and then gets `out_of_range`. Any other
/// exception stops the coordinator carrying that exception (its `join` rethrows it), and a stop
/// cancels the queue, so threads blocked on it wake up and end.
///
/// Copies share one runner. Like TF, create_threads on a running runner starts more threads.
class queue_runner {
 public:
  /// `close(cancel_pending_enqueues)` closes the queue the steps fill.
  queue_runner(std::function<void(bool)> close, std::vector<std::function<void()>> enqueue_steps)
      : state_(std::make_shared<state>()) {
    state_->close = std::move(close);
    state_->steps = std::move(enqueue_steps);
    if (state_->steps.empty())
      staticflow::detail::fail<invalid_argument>({"staticflow::data::queue_runner: give at least one enqueue step"});
  }
  /// The runner of `queue` (anything with close(bool)), shared with the steps.
  template <class Queue>
  queue_runner(std::shared_ptr<Queue> queue, std::vector<std::function<void()>> enqueue_steps)
      : queue_runner([queue](bool cancel) { queue->close(cancel); }, std::move(enqueue_steps)) {}

  /// Starts one coordinator-registered thread per step and arranges for the queue to be
  /// cancelled when the coordinator stops.
  void create_threads(coordinator& coord) const {
    std::shared_ptr<state> s = state_;
    coord.on_stop([s] { s->close(true); });
    {
      std::lock_guard lock(s->mutex);
      s->running += s->steps.size();
    }
    for (std::size_t i = 0; i < s->steps.size(); ++i) {
      std::shared_ptr<coordinator::stop_view> stop = coord.stop_flag();
      coord.launch([s, i, stop] { run(*s, s->steps[i], *stop); });
    }
  }

  /// Number of enqueue steps (threads per create_threads).
  std::size_t size() const noexcept { return state_->steps.size(); }

 private:
  struct state {
    std::function<void(bool)> close;
    std::vector<std::function<void()>> steps;
    std::mutex mutex;
    std::size_t running = 0;
  };

  static void run(state& s, const std::function<void()>& step, const coordinator::stop_view& stop) {
    try {
      while (!stop.should_stop()) step();
    } catch (const out_of_range&) {
      // The input ran out (TF's queue runner catches OutOfRangeError the same way).
    } catch (...) {
      finished(s);
      throw;  // launch's stop_on_exception stops the coordinator with it
    }
    finished(s);
  }

  static void finished(state& s) {
    bool last;
    {
      std::lock_guard lock(s.mutex);
      last = --s.running == 0;
    }
    if (last) s.close(false);
  }

  std::shared_ptr<state> state_;
};

/// Anything with `runner()` (an input producer or a queue batcher), or a queue_runner itself.
inline const queue_runner& runner_of(const queue_runner& r) { return r; }
template <class T>
  requires requires(const T& t) { t.runner(); }
const queue_runner& runner_of(const T& t) {
  return t.runner();
}

/// Starts the threads of every runner given (tf.train.start_queue_runners).
template <class... R>
void start_queue_runners(coordinator& coord, const R&... runners) {
  (runner_of(runners).create_threads(coord), ...);
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_QUEUE_RUNNER_HPP
