// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/file_writer.hpp: the file's name and first record, events in
/// order through the background thread, flushing by time and on request, writers in sub-folders,
/// and a log directory removed mid-run (one error kept, nothing thrown).

#include "staticflow/summary/file_writer.hpp"

#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "staticflow/core/tensor.hpp"
#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/tfrecord.hpp"

namespace sf = staticflow;
namespace summary = staticflow::summary;
namespace proto = staticflow::io::proto;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

/// What a test checks of one Event: step, file_version, and the first value's tag and simple_value.
struct event_info {
  std::int64_t step = 0;
  std::string file_version, tag;
  float simple_value = 0;
  int session_status = 0;
};

event_info decode(std::string_view bytes) {
  event_info e;
  proto::reader r(bytes, "Event");
  for (proto::field f; r.next(f);) {
    if (f.number == 2) e.step = r.as_int64(f);
    if (f.number == 3) e.file_version = r.as_string(f);
    if (f.number == 7) {
      proto::reader s = r.message(f);
      for (proto::field g; s.next(g);)
        if (g.number == 1) e.session_status = static_cast<int>(s.as_uint64(g));
    }
    if (f.number != 5) continue;
    proto::reader sum = r.message(f);
    proto::field v;
    REQUIRE(sum.next(v));
    proto::reader value = sum.message(v);
    for (proto::field g; value.next(g);) {
      if (g.number == 1) e.tag = value.as_string(g);
      if (g.number == 2) e.simple_value = value.as_float(g);
    }
  }
  return e;
}

std::vector<event_info> read_events(const fs::path& file) {
  std::vector<event_info> out;
  sf::io::tfrecord_reader r(file);
  for (std::string rec; r.next(rec);) out.push_back(decode(rec));
  return out;
}

}  // namespace

TEST_CASE("file_writer: events.out.tfevents.<10-digit secs>.<host>, first record brain.Event:2") {
  sf_test::temp_dir dir;
  summary::file_writer w(dir / "run");
  const std::string name = w.path().filename().string();
  CHECK(w.path().parent_path() == dir / "run");
  CHECK(std::regex_match(name, std::regex(R"(events\.out\.tfevents\.\d{10}\..+)")));
  CHECK(name.substr(31) == summary::detail::hostname());
  // The first record is on disk as soon as the writer exists.
  const auto before_close = read_events(w.path());
  REQUIRE(before_close.size() == 1);
  CHECK(before_close[0].file_version == "brain.Event:2");
  w.close();
  CHECK_FALSE(w.error());
}

TEST_CASE("file_writer: many events through a small queue arrive in order, all of them") {
  sf_test::temp_dir dir;
  fs::path path;
  {
    summary::file_writer w(dir.path, {.max_queue = 3, .flush_secs = 60});
    path = w.path();
    w.add_session_log(summary::session_status::start, 0);
    for (int step = 1; step <= 500; ++step) w.add_scalar("loss", 1.0 / step, step);
  }  // the destructor writes what is queued and closes
  const auto events = read_events(path);
  REQUIRE(events.size() == 502);
  CHECK(events[1].session_status == 1);
  for (int step = 1; step <= 500; ++step) {
    REQUIRE(events[static_cast<std::size_t>(step + 1)].step == step);
    CHECK(events[static_cast<std::size_t>(step + 1)].tag == "loss");
    CHECK(events[static_cast<std::size_t>(step + 1)].simple_value == static_cast<float>(1.0 / step));
  }
}

TEST_CASE("file_writer: flush() puts every event added so far in the file") {
  sf_test::temp_dir dir;
  summary::file_writer w(dir.path, {.max_queue = 100, .flush_secs = 3600});
  w.add_scalar("a", 2.0, 5);
  w.add_text("notes", "hello", 5);
  w.flush();
  CHECK(w.written() == 2);
  const auto events = read_events(w.path());
  REQUIRE(events.size() == 3);
  CHECK(events[1].tag == "a");
  CHECK(events[1].simple_value == 2.0f);
  CHECK(events[2].tag == "notes");
}

TEST_CASE("file_writer: the thread flushes by itself after flush_secs") {
  sf_test::temp_dir dir;
  summary::file_writer w(dir.path, {.max_queue = 100, .flush_secs = 0.05});
  w.add_scalar("a", 1.0, 1);
  std::size_t seen = 0;
  for (int i = 0; i < 200 && seen < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = read_events(w.path()).size();
  }
  CHECK(seen == 2);
}

TEST_CASE("file_writer: writers in train/ and eval/ sub-folders") {
  sf_test::temp_dir dir;
  summary::file_writer train(dir / "logs/train"), eval(dir / "logs/eval");
  train.add_scalar("loss", 0.5, 10);
  eval.add_scalar("accuracy", 0.75, 10);
  train.close();
  eval.close();
  CHECK(train.path().parent_path() == dir / "logs/train");
  CHECK(eval.path().parent_path() == dir / "logs/eval");
  CHECK(read_events(train.path()).at(1).tag == "loss");
  CHECK(read_events(eval.path()).at(1).tag == "accuracy");
}

TEST_CASE("file_writer: two writers of one folder in the same second get two files") {
  sf_test::temp_dir dir;
  summary::file_writer a(dir.path), b(dir.path);
  CHECK(a.path() != b.path());
}

TEST_CASE("file_writer: histograms of spans and host tensors; NaN rejected on the caller's thread") {
  sf_test::temp_dir dir;
  summary::file_writer w(dir.path);
  sf::tensor<float, sf::shape<2, 2>> t;
  for (std::size_t i = 0; i < 4; ++i) t.span()[i] = static_cast<float>(i);
  w.add_histogram("t", t, 1);
  const std::vector<double> v = {1.0, 2.0};
  w.add_histogram("v", v, 2);
  t.span()[3] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(w.add_histogram("bad", t, 3), Contains("'bad'") && Contains("flat index 3"));
  w.close();
  const auto events = read_events(w.path());
  REQUIRE(events.size() == 3);
  CHECK(events[1].tag == "t");
  CHECK(events[2].tag == "v");
}

TEST_CASE("file_writer: a log directory removed mid-run is one kept error, never an exception") {
  sf_test::temp_dir dir;
  summary::file_writer w(dir / "run", {.max_queue = 2, .flush_secs = 3600});
  w.add_scalar("loss", 1.0, 1);
  w.flush();
  REQUIRE_FALSE(w.error());
  fs::remove_all(dir / "run");
  CHECK_NOTHROW(w.add_scalar("loss", 0.5, 2));
  CHECK_NOTHROW(w.flush());
  REQUIRE(w.error());
  CHECK_THAT(*w.error(), Contains("was deleted"));
  // Training goes on: later events are dropped without waiting or throwing.
  for (int step = 3; step < 50; ++step) CHECK_NOTHROW(w.add_scalar("loss", 0.1, step));
  CHECK(w.dropped() >= 47);
  CHECK_NOTHROW(w.close());
  CHECK_NOTHROW(w.close());
}

TEST_CASE("file_writer: bad options are invalid_argument") {
  sf_test::temp_dir dir;
  CHECK_THROWS_AS(summary::file_writer(dir.path, {.max_queue = 0}), sf::invalid_argument);
  CHECK_THROWS_AS(summary::file_writer(dir.path, {.flush_secs = 0}), sf::invalid_argument);
  CHECK_THROWS_AS(summary::file_writer(dir.path, {.flush_secs = 1e30}), sf::invalid_argument);
}

TEST_CASE("file_writer: a log directory that cannot be created is not_found, naming it") {
  sf_test::temp_dir dir;
  { std::ofstream(dir / "plain_file") << "x"; }
  CHECK_THROWS_MATCHES(summary::file_writer(dir / "plain_file" / "run"), sf::not_found,
                       Catch::Matchers::Predicate<sf::not_found>([](const auto& e) {
                         return std::string(e.what()).find("plain_file/run") != std::string::npos;
                       }));
}
