// SPDX-License-Identifier: MIT
/// \file
/// \brief `coordinator`: TF 1.x's tf.train.Coordinator, stopping and joining a set of threads.
#pragma once
#ifndef STATICFLOW_DATA_COORDINATOR_HPP
#define STATICFLOW_DATA_COORDINATOR_HPP

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/worker.hpp"

namespace staticflow::data {

/// Coordinates the threads of an input pipeline (tf.train.Coordinator).
///
/// - `launch(body)` starts a thread registered with the coordinator; its body runs under TF's
///   `stop_on_exception`: an `out_of_range` (end of input) requests a clean stop, any other
///   exception requests a stop carrying that exception.
/// - `request_stop(error)` sets the stop flag once and runs the `on_stop` callbacks (queue
///   runners register the cancellation of their queues there, so threads blocked on a queue
///   wake up). Only the first request's exception is kept; later ones are ignored, as in TF.
/// - `join(grace)` waits until every registered thread has finished or a stop was requested,
///   then gives the threads `grace` to finish; it throws `deadline_exceeded` if some are still
///   running (they stay registered), and otherwise rethrows the kept exception.
///
/// The state the threads touch is shared with them, so destroying a coordinator whose threads
/// still run is safe: the destructor requests a stop and joins them.
///
/// **Example:**
/// ```
/// sf::data::coordinator coord;
/// auto files = sf::data::string_input_producer({"a.txt", "b.txt"}, {.num_epochs = 1});
/// files.runner().create_threads(coord);
/// try { for (;;) use(files.dequeue()); } catch (const sf::out_of_range&) { coord.request_stop(); }
/// coord.join();
/// ```
class coordinator {
  struct state {
    std::mutex mutex;
    std::condition_variable stop_requested;
    bool stopped = false;
    std::exception_ptr error;
    std::vector<std::function<void()>> on_stop;
    std::vector<worker> threads;
  };

 public:
  using duration = std::chrono::steady_clock::duration;

  coordinator() : state_(std::make_shared<state>()) {}
  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;
  ~coordinator() {
    request_stop();
    std::vector<worker> threads = take_threads();
    for (auto& t : threads) t.join();
  }

  /// Asks every thread to stop; keeps `error` if it is the first request's and not out_of_range.
  void request_stop(std::exception_ptr error = nullptr) { stop(*state_, std::move(error)); }

  /// True once a stop was requested.
  bool should_stop() const {
    std::lock_guard lock(state_->mutex);
    return state_->stopped;
  }

  /// Waits up to `timeout` for a stop request; true if one came.
  bool wait_for_stop(duration timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->stop_requested.wait_for(lock, timeout, [&] { return state_->stopped; });
  }

  /// Runs `callback` when a stop is requested (at once if it already was). It must not block.
  void on_stop(std::function<void()> callback) {
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->stopped) {
        state_->on_stop.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

  /// Starts a registered thread running `body` under stop_on_exception (see the class comment).
  template <class Body>
  void launch(Body body) {
    worker w = make_worker(std::move(body));
    std::lock_guard lock(state_->mutex);
    state_->threads.push_back(std::move(w));
  }

  /// A thread running `body` under stop_on_exception that is not registered: the caller owns it
  /// (and passes it to the `join` overload that takes threads). Destroying it requests a stop.
  template <class Body>
  worker make_worker(Body body) {
    std::shared_ptr<state> s = state_;
    return worker([s, body = std::move(body)]() mutable { run_stopping_on_exception(*s, body); },
                  [s] { stop(*s, nullptr); });
  }

  /// Joins the registered threads (see the class comment).
  /// **Errors:** `deadline_exceeded` when threads are still running `grace` after the stop
  /// request; otherwise the exception given to the first request_stop, if any.
  void join(duration grace = std::chrono::seconds(120)) {
    std::vector<worker> none;
    join(none, grace);
  }

  /// Joins `threads` and the registered threads. The joined threads are left in `threads` (no
  /// longer joinable); their own exceptions, when no stop carried one, are rethrown too.
  void join(std::vector<worker>& threads, duration grace = std::chrono::seconds(120)) {
    std::vector<worker> registered = take_threads();
    wait_until_done_or_stopped(registered, threads);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    const std::size_t running = count_running(registered, deadline) + count_running(threads, deadline);
    if (running > 0) {
      give_back(std::move(registered));
      staticflow::detail::fail<deadline_exceeded>({"staticflow::data::coordinator::join: ", running,
                                                   " thread(s) still running after the grace period; the "
                                                   "coordinator joins them when it is destroyed"});
    }
    for (auto& t : registered) t.join();
    for (auto& t : threads) t.join();
    rethrow_first_error(threads);
  }

  /// A handle to the stop flag that stays valid however long the thread holding it outlives
  /// this object (queue runner threads test it between steps).
  class stop_view {
   public:
    bool should_stop() const {
      std::lock_guard lock(state_->mutex);
      return state_->stopped;
    }

   private:
    friend class coordinator;
    explicit stop_view(std::shared_ptr<state> s) : state_(std::move(s)) {}
    std::shared_ptr<state> state_;
  };
  std::shared_ptr<stop_view> stop_flag() const { return std::shared_ptr<stop_view>(new stop_view(state_)); }

  /// The exception kept by request_stop, or null.
  std::exception_ptr error() const {
    std::lock_guard lock(state_->mutex);
    return state_->error;
  }

 private:
  static void stop(state& s, std::exception_ptr error) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(s.mutex);
      if (s.stopped) return;
      s.stopped = true;
      if (error && !is_clean_stop(error)) s.error = std::move(error);
      callbacks.swap(s.on_stop);
    }
    s.stop_requested.notify_all();
    // Outside the lock: a callback (cancelling a queue) wakes threads that may call back in.
    for (auto& c : callbacks) c();
  }

  static bool is_clean_stop(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const out_of_range&) {
      return true;
    } catch (...) {
      return false;
    }
  }

  template <class Body>
  static void run_stopping_on_exception(state& s, Body& body) {
    try {
      body();
    } catch (...) {
      stop(s, std::current_exception());
    }
  }

  std::vector<worker> take_threads() {
    std::lock_guard lock(state_->mutex);
    return std::exchange(state_->threads, {});
  }

  void give_back(std::vector<worker> threads) {
    std::lock_guard lock(state_->mutex);
    for (auto& t : threads) state_->threads.push_back(std::move(t));
  }

  // TF polls too: a thread's end and a stop request are different events.
  void wait_until_done_or_stopped(const std::vector<worker>& a, const std::vector<worker>& b) const {
    const auto all_done = [](const std::vector<worker>& ts) {
      for (const auto& t : ts)
        if (!t.done()) return false;
      return true;
    };
    while (!(all_done(a) && all_done(b)) && !wait_for_stop(std::chrono::milliseconds(5))) {
    }
  }

  static std::size_t count_running(const std::vector<worker>& threads, std::chrono::steady_clock::time_point deadline) {
    std::size_t running = 0;
    for (const auto& t : threads) running += t.wait_until(deadline) ? 0 : 1;
    return running;
  }

  void rethrow_first_error(const std::vector<worker>& threads) const {
    if (auto e = error()) std::rethrow_exception(e);
    for (const auto& t : threads)
      if (auto e = t.error()) std::rethrow_exception(e);
  }

  std::shared_ptr<state> state_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_COORDINATOR_HPP
