// SPDX-License-Identifier: MIT
/// \file
/// \brief `worker`: one thread running one function, joined on destruction, its exception kept.
///
/// The only thread type of the data layer: prefetch and parallel map (pipeline/), queue runners
/// and coordinator-launched threads are all workers. Nothing here uses OpenMP, so ThreadSanitizer
/// sees every synchronisation the data layer does.
#pragma once
#ifndef STATICFLOW_DATA_WORKER_HPP
#define STATICFLOW_DATA_WORKER_HPP

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace staticflow::data {

/// A thread that runs `body()` once. The body's exception (if any) is caught and kept for
/// `error()`, so a throwing body never calls std::terminate. Destruction first calls the
/// optional `stop` function (which must make the body return soon, e.g. by cancelling the queue
/// it blocks on), then joins: a worker never outlives its owner and never hangs it, provided
/// `stop` does its job.
///
/// **Example:** `sf::data::worker w([&] { q.enqueue(1); }, [&] { q.cancel(); });`
class worker {
 public:
  worker() = default;

  template <class Body>
  explicit worker(Body body, std::function<void()> stop = {})
      : state_(std::make_shared<state>()), stop_(std::move(stop)) {
    // The thread holds its own reference to the state, so done() stays valid however the
    // worker object is moved.
    thread_ = std::thread([s = state_, body = std::move(body)]() mutable { run(*s, body); });
  }

  worker(worker&&) noexcept = default;
  worker& operator=(worker&& other) noexcept {
    if (this != &other) {
      finish();
      thread_ = std::move(other.thread_);
      state_ = std::move(other.state_);
      stop_ = std::move(other.stop_);
    }
    return *this;
  }
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  ~worker() { finish(); }

  /// True while a thread is attached (started and not yet joined).
  bool joinable() const noexcept { return thread_.joinable(); }

  /// True once the body has returned or thrown (also true for a default-constructed worker).
  bool done() const {
    if (!state_) return true;
    std::lock_guard lock(state_->mutex);
    return state_->done;
  }

  /// Waits until the body has finished or `deadline` passed; true if it finished.
  bool wait_until(std::chrono::steady_clock::time_point deadline) const {
    if (!state_) return true;
    std::unique_lock lock(state_->mutex);
    return state_->finished.wait_until(lock, deadline, [&] { return state_->done; });
  }

  /// Waits for the body to finish and joins the thread (no stop request).
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  /// The body's exception, or null (read it after done() is true).
  std::exception_ptr error() const {
    if (!state_) return nullptr;
    std::lock_guard lock(state_->mutex);
    return state_->error;
  }

 private:
  struct state {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::exception_ptr error;
  };

  template <class Body>
  static void run(state& s, Body& body) noexcept {
    std::exception_ptr error;
    try {
      body();
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(s.mutex);
    s.error = std::move(error);
    s.done = true;
    s.finished.notify_all();
  }

  void finish() noexcept {
    if (!thread_.joinable()) return;
    if (stop_) {
      try {
        stop_();
      } catch (...) {  // a destructor must not throw; the join below still happens
      }
    }
    thread_.join();
  }

  std::thread thread_;
  std::shared_ptr<state> state_;
  std::function<void()> stop_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_WORKER_HPP
