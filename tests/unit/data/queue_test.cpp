// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of the threads of staticflow/data: queues (close, cancel, min_after_dequeue), the
/// coordinator (stop, join timeout, rethrow), queue runners, input producers and queue batchers.
/// Also built under TSan and ASan (tests/sanitize, label sanitize).

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "staticflow/data/coordinator.hpp"
#include "staticflow/data/input_producer.hpp"
#include "staticflow/data/queue.hpp"
#include "staticflow/data/queue_batch.hpp"
#include "staticflow/data/queue_runner.hpp"

namespace sf = staticflow;
namespace sd = staticflow::data;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

TEST_CASE("fifo_queue: order, blocking, close", "[data][queue]") {
  sd::fifo_queue<int> q(2);
  q.enqueue(1);
  q.enqueue(2);
  std::atomic<bool> third_in{false};
  sd::worker producer([&] {
    q.enqueue(3);  // blocks until a dequeue makes room
    third_in = true;
  });
  std::this_thread::sleep_for(2ms);
  CHECK_FALSE(third_in.load());
  CHECK(q.dequeue() == 1);
  producer.join();
  CHECK(third_in.load());
  q.close();
  CHECK_THROWS_WITH(q.enqueue(4), Contains("fifo_queue::enqueue: the queue is closed"));
  CHECK_THROWS_AS(q.enqueue(4), sf::cancelled);
  CHECK(q.dequeue() == 2);  // a closed queue still drains
  CHECK(q.dequeue_up_to(5) == std::vector<int>{3});
  CHECK_THROWS_AS(q.dequeue(), sf::out_of_range);
  CHECK_FALSE(q.dequeue_optional().has_value());
  CHECK_THROWS_WITH(sd::fifo_queue<int>(0), Contains("capacity must be positive"));
}

TEST_CASE("fifo_queue: close wakes a blocked dequeue; cancel fails a blocked enqueue", "[data][queue]") {
  sd::fifo_queue<int> empty(1);
  sd::worker consumer([&] { empty.dequeue(); });
  std::this_thread::sleep_for(1ms);
  empty.close();
  consumer.join();
  CHECK_THROWS_AS(std::rethrow_exception(consumer.error()), sf::out_of_range);

  sd::fifo_queue<int> full(1);
  full.enqueue(0);
  sd::worker blocked([&] { full.enqueue(1); });
  std::this_thread::sleep_for(1ms);
  full.cancel();
  blocked.join();
  CHECK_THROWS_AS(std::rethrow_exception(blocked.error()), sf::cancelled);
  CHECK(full.dequeue() == 0);

  sd::fifo_queue<int> many(4);
  many.enqueue(1);
  many.close();
  CHECK_THROWS_WITH(many.dequeue_many(2), Contains("holds 1 of the 2 elements requested"));
  CHECK(many.size() == 1);  // a failed dequeue_many takes nothing
  CHECK_THROWS_AS(many.dequeue_many(5), sf::invalid_argument);
}

TEST_CASE("random_shuffle_queue: min_after_dequeue, then drained when closed", "[data][queue]") {
  sd::random_shuffle_queue<int> q(10, 3, 42);
  for (int i = 0; i < 3; ++i) q.enqueue(i);
  CHECK_FALSE(q.try_dequeue().has_value());  // 3 held, min_after_dequeue 3: must wait
  std::atomic<int> got{-1};
  sd::worker consumer([&] { got = q.dequeue(); });
  std::this_thread::sleep_for(2ms);
  CHECK(got.load() == -1);
  q.enqueue(3);  // 4 > 3: one may leave
  consumer.join();
  CHECK(got.load() >= 0);
  CHECK(q.size() == 3);
  q.close();  // min_after_dequeue no longer applies
  std::vector<int> rest = q.dequeue_up_to(10);
  rest.push_back(got.load());
  std::sort(rest.begin(), rest.end());
  CHECK(rest == std::vector<int>{0, 1, 2, 3});
  CHECK_THROWS_WITH((sd::random_shuffle_queue<int>(4, 4, 0)), Contains("min_after_dequeue 4 must be less than capacity 4"));

  // The draws are seeded: same seed, same order.
  const auto drain = [](std::uint64_t seed) {
    sd::random_shuffle_queue<int> r(20, 0, seed);
    for (int i = 0; i < 20; ++i) r.enqueue(i);
    r.close();
    return r.dequeue_many(20);
  };
  CHECK(drain(5) == drain(5));
  CHECK(drain(5) != drain(6));
}

TEST_CASE("coordinator: stop, rethrow the first exception, join timeout", "[data][coordinator]") {
  {
    sd::coordinator coord;
    for (int i = 0; i < 3; ++i)
      coord.launch([&coord] {
        while (!coord.should_stop()) std::this_thread::sleep_for(100us);
      });
    coord.launch([] {
      std::this_thread::sleep_for(1ms);
      throw std::runtime_error("worker 3 failed");
    });
    CHECK_THROWS_WITH(coord.join(5s), Contains("worker 3 failed"));
    CHECK(coord.should_stop());
    coord.request_stop(std::make_exception_ptr(std::runtime_error("later")));  // ignored
    CHECK_THROWS_WITH(std::rethrow_exception(coord.error()), Contains("worker 3 failed"));
  }
  {
    sd::coordinator coord;
    coord.launch([] { throw sf::out_of_range("end of input"); });  // a clean stop
    coord.join(1s);
    CHECK(coord.should_stop());
    CHECK_FALSE(coord.error());
  }
  {
    sd::coordinator coord;
    std::atomic<bool> release{false};
    coord.launch([&] {
      while (!release) std::this_thread::sleep_for(100us);  // ignores stop requests
    });
    coord.request_stop();
    CHECK_THROWS_AS(coord.join(20ms), sf::deadline_exceeded);
    release = true;
    coord.join(5s);  // still registered: joined now
  }
  {
    sd::coordinator coord;  // threads owned by the caller, then the destructor with one running
    std::vector<sd::worker> threads;
    threads.push_back(coord.make_worker([] { throw std::logic_error("own thread"); }));
    CHECK_THROWS_WITH(coord.join(threads, 1s), Contains("own thread"));
    coord.launch([&coord] { coord.wait_for_stop(10s); });
  }  // ~coordinator requests the stop and joins
}

TEST_CASE("string_input_producer: epochs, shuffle, end", "[data][producer]") {
  sd::coordinator coord;
  auto names = sd::string_input_producer({"a", "b", "c"}, {.num_epochs = 2, .shuffle = false, .capacity = 2});
  sd::start_queue_runners(coord, names);
  std::vector<std::string> got;
  try {
    for (;;) got.push_back(names.dequeue());
  } catch (const sf::out_of_range&) {
    coord.request_stop();
  }
  coord.join(5s);
  CHECK(got == std::vector<std::string>{"a", "b", "c", "a", "b", "c"});

  sd::coordinator c2;
  auto shuffled = sd::string_input_producer({"0", "1", "2", "3", "4", "5", "6", "7"}, {.num_epochs = 3, .seed = 9});
  sd::start_queue_runners(c2, shuffled);
  std::vector<std::string> epochs[3];
  for (auto& e : epochs) {
    for (int i = 0; i < 8; ++i) e.push_back(shuffled());
    std::sort(e.begin(), e.end());
  }
  CHECK(epochs[0] == epochs[2]);  // each epoch is a permutation
  CHECK_THROWS_AS(shuffled.dequeue(), sf::out_of_range);
  c2.join(5s);
  CHECK_THROWS_WITH(sd::string_input_producer({}), Contains("no items"));
  CHECK_THROWS_WITH(sd::string_input_producer({"a"}, {.num_epochs = 0}), Contains("num_epochs must be -1"));
}

TEST_CASE("slice_input_producer and shuffle_batch with min_after_dequeue", "[data][producer][batch]") {
  sf::tensor<float, sf::shape<sf::dyn, 2>> x(20);
  std::vector<std::int64_t> y(20);
  for (std::size_t i = 0; i < 20; ++i) x.data()[2 * i] = x.data()[2 * i + 1] = float(i), y[i] = std::int64_t(i);

  sd::coordinator coord;
  auto slices = sd::slice_input_producer({.num_epochs = 1, .seed = 3}, x, y);
  auto batches = sd::shuffle_batch(slices, {.batch_size = 6, .num_threads = 2, .capacity = 12, .min_after_dequeue = 5,
                                            .seed = 1, .allow_smaller_final_batch = true});
  sd::start_queue_runners(coord, slices, batches);
  std::vector<std::int64_t> seen;
  try {
    for (;;) {
      auto [bx, by] = batches.dequeue();
      static_assert(std::is_same_v<decltype(bx), sf::tensor<float, sf::shape<sf::dyn, 2>>>);
      for (std::size_t r = 0; r < by.size(); ++r) {
        CHECK(bx(r, 1) == float(by(r)));  // the slices of x and y stay paired
        seen.push_back(by(r));
      }
    }
  } catch (const sf::out_of_range&) {
    coord.request_stop();
  }
  coord.join(5s);
  std::sort(seen.begin(), seen.end());
  std::vector<std::int64_t> all(20);
  std::iota(all.begin(), all.end(), 0);
  CHECK(seen == all);  // 6 + 6 + 6 + 2: the smaller final batch included

  CHECK_THROWS_WITH(sd::shuffle_batch(slices, {.batch_size = 8, .capacity = 10, .min_after_dequeue = 5}),
                    Contains("batch_size 8 must be in [1, capacity - min_after_dequeue = 5]"));
  CHECK_THROWS_WITH(sd::slice_input_producer({}, x, std::vector<int>(3)), Contains("argument 1 has first extent 3"));
}

TEST_CASE("a failing source stops the pipeline; nothing hangs", "[data][producer][batch]") {
  sd::coordinator coord;
  std::atomic<int> calls{0};
  auto batches = sd::fifo_batch(
      [&calls]() -> std::int64_t {
        const int n = calls.fetch_add(1);
        if (n == 10) throw std::runtime_error("parse error in record 10");
        return n;
      },
      {.batch_size = 4, .num_threads = 3, .capacity = 8});
  sd::start_queue_runners(coord, batches);
  CHECK(batches.dequeue().dim(0) == 4);
  CHECK_THROWS_WITH(coord.join(5s), Contains("parse error in record 10"));
  // The stop cancelled the queue: the consumer gets the rest, then out_of_range, never a hang.
  CHECK_THROWS_AS(
      [&] {
        for (;;) batches.dequeue();
      }(),
      sf::out_of_range);
}

TEST_CASE("destroying a running pipeline stops and joins it", "[data][producer][batch]") {
  auto names = sd::string_input_producer({"a", "b"}, {.capacity = 1});  // endless epochs
  auto batches = sd::fifo_batch(names, {.batch_size = 2, .num_threads = 2, .capacity = 2});
  {
    sd::coordinator coord;
    sd::start_queue_runners(coord, names, batches);
    CHECK(batches.dequeue().size() == 2);
  }  // every thread is blocked on a full queue here; the destructor cancels and joins them
  CHECK(names.queue().closed());
}
