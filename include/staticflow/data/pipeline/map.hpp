// SPDX-License-Identifier: MIT
/// \file
/// \brief `map_dataset`: `ds.map(f, num_parallel_calls)`, in order, optionally on worker threads.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_MAP_HPP
#define STATICFLOW_DATA_PIPELINE_MAP_HPP

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "staticflow/data/pipeline/dataset_base.hpp"
#include "staticflow/data/queue.hpp"
#include "staticflow/data/worker.hpp"

namespace staticflow::data {

/// See dataset_base::map. The parallel form pulls upstream on the consumer's thread (upstream
/// cursors are single-threaded), hands up to `num_parallel_calls` elements to as many workers
/// and returns results in input order.
template <class Up, class F>
class map_dataset : public dataset_base<map_dataset<Up, F>> {
  using input_type = typename Up::element_type;

 public:
  using element_type = detail::invoke_element_t<F, input_type>;

  map_dataset(Up up, F f, std::int64_t num_parallel_calls) : up_(std::move(up)), f_(std::move(f)) {
    if (num_parallel_calls != autotune) detail::check_positive("map", "num_parallel_calls", num_parallel_calls);
    const auto hw = static_cast<std::int64_t>(std::thread::hardware_concurrency());
    parallel_ = static_cast<std::size_t>(num_parallel_calls == autotune ? (hw > 0 ? hw : 1) : num_parallel_calls);
  }

  class cursor {
   public:
    cursor(typename Up::cursor up, const F& f, std::size_t parallel) : up_(std::move(up)) {
      if (parallel > 1) pool_ = std::make_unique<pool>(f, parallel);
      else f_.emplace(f);
    }
    std::optional<element_type> next() {
      if (!pool_) {
        std::optional<input_type> x = up_.next();
        if (!x) return std::nullopt;
        return detail::invoke_element(*f_, std::move(*x));
      }
      return next_parallel();
    }

   private:
    struct slot {
      std::optional<input_type> in;
      std::optional<element_type> out;
      std::exception_ptr error;
      bool ready = false;
    };
    // Heap-allocated so workers keep a stable address while the cursor moves.
    struct pool {
      pool(const F& f, std::size_t n) : f(f), tasks(n) {
        workers.reserve(n);
        for (std::size_t i = 0; i < n; ++i) workers.emplace_back([this] { work(); }, [this] { stop(); });
      }
      void work() {
        while (std::optional<slot*> s = tasks.dequeue_optional()) {
          try {
            (*s)->out.emplace(detail::invoke_element(f, std::move(*(*s)->in)));
          } catch (...) {
            (*s)->error = std::current_exception();
          }
          std::lock_guard lock(mutex);
          (*s)->ready = true;
          done.notify_all();
        }
      }
      void stop() {
        while (tasks.try_dequeue()) {  // started tasks finish; queued ones are dropped
        }
        tasks.close();
      }
      const F f;
      fifo_queue<slot*> tasks;
      std::mutex mutex;
      std::condition_variable done;
      std::deque<std::unique_ptr<slot>> in_flight;  // consumer thread only
      bool upstream_done = false;                   // consumer thread only
      std::vector<worker> workers;                  // last: joined before the rest is destroyed
    };

    std::optional<element_type> next_parallel() {
      pool& p = *pool_;
      while (p.in_flight.size() < p.workers.size() && !p.upstream_done) {
        std::optional<input_type> x = up_.next();
        if (!x) {
          p.upstream_done = true;
          break;
        }
        auto s = std::make_unique<slot>();
        s->in.emplace(std::move(*x));
        p.tasks.enqueue(s.get());  // never blocks: the queue holds as many as there are workers
        p.in_flight.push_back(std::move(s));
      }
      if (p.in_flight.empty()) return std::nullopt;
      std::unique_ptr<slot> s = std::move(p.in_flight.front());
      p.in_flight.pop_front();
      {
        std::unique_lock lock(p.mutex);
        p.done.wait(lock, [&] { return s->ready; });
      }
      if (s->error) std::rethrow_exception(s->error);
      return std::move(s->out);
    }

    typename Up::cursor up_;
    std::optional<F> f_;  // sequential form
    std::unique_ptr<pool> pool_;
  };

  cursor make_cursor() const { return cursor(up_.make_cursor(), f_, parallel_); }

 private:
  Up up_;
  F f_;
  std::size_t parallel_ = 1;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_MAP_HPP
