// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of the pipeline stages that run threads (parallel map, prefetch): order, errors
/// reaching the consumer, destruction mid-iteration. Also built under TSan and ASan
/// (tests/sanitize, label sanitize).

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "staticflow/data/pipeline.hpp"

namespace sd = staticflow::data;
using Catch::Matchers::Contains;

namespace {
using ints = std::vector<std::int64_t>;

template <class D>
ints collect(const D& ds) {
  ints out;
  for (auto&& e : ds) out.push_back(e);
  return out;
}

ints iota(std::int64_t n, std::int64_t scale = 1) {
  ints v;
  for (std::int64_t i = 0; i < n; ++i) v.push_back(i * scale);
  return v;
}
}  // namespace

TEST_CASE("parallel map keeps the input order", "[data][pipeline][threads]") {
  // Early elements sleep longest, so workers finish out of order.
  auto slow_first = [](std::int64_t x) {
    std::this_thread::sleep_for(std::chrono::microseconds(x < 8 ? 400 * (8 - x) : 0));
    return 2 * x;
  };
  CHECK(collect(sd::range(40).map(slow_first, 4)) == iota(40, 2));
  CHECK(collect(sd::range(40).map(slow_first, sd::autotune)) == iota(40, 2));
  CHECK(collect(sd::range(3).map(slow_first, 8)) == iota(3, 2));  // fewer elements than workers
  CHECK(collect(sd::range(0).map(slow_first, 8)).empty());
}

TEST_CASE("an exception from a map worker reaches the consumer at its element", "[data][pipeline][threads]") {
  auto ds = sd::range(10).map(
      [](std::int64_t x) {
        if (x == 4) throw std::runtime_error("bad element 4");
        return x;
      },
      3);
  auto it = ds.make_one_shot_iterator();
  for (std::int64_t i = 0; i < 4; ++i) CHECK(it.get_next() == i);
  CHECK_THROWS_WITH(it.get_next(), Contains("bad element 4"));
  CHECK(it.get_next() == 5);  // as in TF, the error belongs to one element
  // Destroying the iterator with work queued must not hang or leak.
}

TEST_CASE("prefetch: values, upstream errors, destruction mid-iteration", "[data][pipeline][threads]") {
  CHECK(collect(sd::range(100).prefetch(3)) == iota(100));
  CHECK(collect(sd::range(50).map([](std::int64_t x) { return x; }, 2).prefetch(1).batch(7).prefetch(2).map(
            [](const auto& b) { return static_cast<std::int64_t>(b.dim(0)); })) == ints{7, 7, 7, 7, 7, 7, 7, 1});

  auto failing = sd::range(10)
                     .map([](std::int64_t x) {
                       if (x == 6) throw std::runtime_error("upstream failed at 6");
                       return x;
                     })
                     .prefetch(2);
  auto it = failing.make_one_shot_iterator();
  for (std::int64_t i = 0; i < 6; ++i) CHECK(it.get_next() == i);
  CHECK_THROWS_WITH(it.get_next(), Contains("upstream failed at 6"));
  CHECK_THROWS_AS(it.get_next(), staticflow::out_of_range);

  // An endless pipeline whose threads are all blocked on full queues when the consumer leaves.
  std::atomic<std::int64_t> produced{0};
  {
    auto endless = sd::range(1)
                       .repeat()
                       .map([&](std::int64_t x) { return x + produced.fetch_add(1); }, 3)
                       .prefetch(2)
                       .prefetch(4);
    auto pass = endless.make_one_shot_iterator();
    for (int i = 0; i < 5; ++i) pass.get_next();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let the producers fill up
  }  // joins every thread
  const auto after = produced.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(produced.load() == after);  // nothing runs any more
  // Range-for that stops early destroys its pass the same way.
  for (auto x : sd::range(1000).prefetch(8)) {
    if (x == 3) break;
  }
  CHECK_THROWS_WITH(sd::range(3).prefetch(0), Contains("prefetch: buffer_size must be positive"));
}

TEST_CASE("shuffle and repeat over threaded stages", "[data][pipeline][threads]") {
  auto ds = sd::range(30).prefetch(2).shuffle(8, 3).map([](std::int64_t x) { return x; }, 4).repeat(2).prefetch(3);
  auto v = collect(ds);
  REQUIRE(v.size() == 60);
  ints first(v.begin(), v.begin() + 30), second(v.begin() + 30, v.end());
  CHECK(first != second);
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  CHECK(first == iota(30));
  CHECK(second == iota(30));
}

TEST_CASE("parallel interleave gives the sequential order, with at most num_parallel_calls readers", "[data][pipeline][threads]") {
  std::atomic<int> reading{0}, most{0};
  // x repeated x times; each read sleeps (longest for small x), so read-ahead threads finish
  // out of turn, and counts how many reads overlap.
  auto slow_repeat = [&](std::int64_t x) {
    return sd::from_tensors(x).repeat(x).map([&, x](std::int64_t v) {
      const int now = ++reading;
      for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200 * (6 - x)));
      --reading;
      return v;
    });
  };
  const ints sequential = collect(sd::range(1, 6).interleave(slow_repeat, 2, 1));
  CHECK(sequential == ints{1, 2, 2, 3, 3, 4, 3, 4, 4, 5, 4, 5, 5, 5, 5});  // pipeline_test's hand-worked order
  for (std::int64_t calls : {std::int64_t{2}, std::int64_t{3}, sd::autotune}) {
    CHECK(collect(sd::range(1, 6).interleave(slow_repeat, 2, 1, calls)) == sequential);
  }
  const ints wide = collect(sd::range(1, 9).interleave(slow_repeat, 4, 2));
  most = 0;
  CHECK(collect(sd::range(1, 9).interleave(slow_repeat, 4, 2, 2)) == wide);
  CHECK(most.load() <= 2);
  most = 0;
  CHECK(collect(sd::range(1, 9).interleave(slow_repeat, 4, 2, 4)) == wide);
  CHECK(most.load() <= 4);
  CHECK_THROWS_WITH(sd::range(3).interleave(slow_repeat, 2, 1, 0), Contains("interleave: num_parallel_calls"));
}

TEST_CASE("an exception in a read-ahead dataset reaches the consumer at its element", "[data][pipeline][threads]") {
  auto failing = [](std::int64_t x) {
    return sd::range(3).map([x](std::int64_t i) {
      if (x == 2 && i == 1) throw std::runtime_error("bad shard 2");
      return 10 * x + i;
    });
  };
  // Sequential order: 10, 20, 11, 21 (bad), ...: the consumer sees 10, 20, 11, then the error.
  auto it = sd::range(1, 4).interleave(failing, 2, 1, 2).make_one_shot_iterator();
  CHECK(it.get_next() == 10);
  CHECK(it.get_next() == 20);
  CHECK(it.get_next() == 11);
  CHECK_THROWS_WITH(it.get_next(), Contains("bad shard 2"));
  // Stopping mid-pass joins the read-ahead threads (no hang, no leak under the sanitizers).
  auto endless = sd::range(1, 5).interleave([](std::int64_t x) { return sd::from_tensors(x).repeat(); }, 3, 1, 3);
  auto first = endless.make_one_shot_iterator();
  CHECK(first.get_next() == 1);
  CHECK(first.get_next() == 2);
}
