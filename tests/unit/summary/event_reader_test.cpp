// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/event_reader.hpp: every kind of value file_writer writes
/// read back; TF 2.x's plugin tensors; corrupt records, truncated files and records that are
/// not Events reported with the file and byte offset while the valid records around them are
/// read (and thrown as data_loss without a handler); tfrecord_reader_options::on_corrupt.

#include "staticflow/summary/event_reader.hpp"

#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/tfrecord.hpp"
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/file_writer.hpp"

namespace sf = staticflow;
namespace summary = staticflow::summary;
namespace io = staticflow::io;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using kind = summary::value_proto::kind;

namespace {

std::vector<summary::event_proto> read_all(const fs::path& file, std::vector<std::string>* errors = nullptr) {
  std::vector<summary::event_proto> out;
  summary::event_file_reader::error_handler on_error;
  if (errors) on_error = [errors](const std::string& m) { errors->push_back(m); };
  summary::event_file_reader r(file, on_error);
  for (summary::event_proto e; r.next(e);) out.push_back(e);
  return out;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

/// Three scalar Events (steps 1, 2, 3) framed as a TFRecord file; the offsets of their records.
std::vector<std::size_t> three_scalars(const fs::path& p) {
  io::tfrecord_writer w(p);
  std::vector<std::size_t> offsets;
  for (int step = 1; step <= 3; ++step) {
    offsets.push_back(w.bytes_written());
    std::string s;
    summary::append_scalar(s, "loss", 1.0f / static_cast<float>(step));
    w.write(summary::encode_summary_event(100.0 + step, step, s));
  }
  w.close();
  return offsets;
}

}  // namespace

TEST_CASE("event_file_reader: what file_writer writes reads back, value by value") {
  sf_test::temp_dir dir;
  fs::path path;
  const std::string png = "\x89PNG\r\n\x1a\nnot really";
  {
    summary::file_writer w(dir.path);
    path = w.path();
    w.add_session_log(summary::session_status::start, 7);
    w.add_scalar("loss", 0.25, 7);
    w.add_histogram("w", std::vector<double>{-1.0, 0.0, 0.5, 2.0}, 8);
    w.add_text("notes", "| a | b |\n|---|---|", 9);
    std::string s;
    summary::append_image(s, "input/image/0", 28, 27, 1, png);
    w.add_summary(s, 10);
    w.add_graph("\x0a\x03\x0a\x01x", 11);
    w.add_session_log(summary::session_status::checkpoint, 12, "ckpt/model.ckpt-12");
  }
  const auto events = read_all(path);
  REQUIRE(events.size() == 8);
  CHECK(events[0].file_version == "brain.Event:2");
  CHECK(events[0].wall_time > 1.5e9);
  REQUIRE(events[1].session_log);
  CHECK(events[1].session_log->status == 1);
  CHECK(events[1].step == 7);

  REQUIRE(events[2].values.size() == 1);
  CHECK(events[2].values[0].tag == "loss");
  CHECK(events[2].values[0].what == kind::scalar);
  CHECK(events[2].values[0].scalar == 0.25);

  const auto& h = events[3].values.at(0);
  REQUIRE(h.what == kind::histogram);
  CHECK(h.histogram.min == -1.0);
  CHECK(h.histogram.max == 2.0);
  CHECK(h.histogram.num == 4.0);
  CHECK(h.histogram.sum == 1.5);
  CHECK(h.histogram.sum_squares == 5.25);
  REQUIRE(h.histogram.bucket.size() == h.histogram.bucket_limit.size());
  double total = 0;
  for (double c : h.histogram.bucket) total += c;
  CHECK(total == 4.0);

  const auto& t = events[4].values.at(0);
  CHECK(t.what == kind::tensor);
  CHECK(t.plugin == "text");
  CHECK(t.tensor.dtype == 7);
  CHECK(t.tensor.strings == std::vector<std::string>{"| a | b |\n|---|---|"});

  const auto& im = events[5].values.at(0);
  REQUIRE(im.what == kind::image);
  CHECK(im.tag == "input/image/0");
  CHECK(im.image.height == 28);
  CHECK(im.image.width == 27);
  CHECK(im.image.colorspace == 1);
  CHECK(im.image.encoded == png);

  CHECK(events[6].graph_def == "\x0a\x03\x0a\x01x");
  CHECK(events[6].step == 11);
  REQUIRE(events[7].session_log);
  CHECK(events[7].session_log->status == 3);
  CHECK(events[7].session_log->checkpoint_path == "ckpt/model.ckpt-12");
}

TEST_CASE("decode_event: TF 2.x's plugin tensors become scalars, histograms and images") {
  namespace proto = io::proto;
  const auto value = [](std::string_view tag, std::string_view plugin, auto&& tensor) {
    proto::writer w;
    w.message(1, [&](proto::writer& v) {
      v.bytes(1, tag);
      v.message(8, tensor);
      v.message(9, [&](proto::writer& m) { m.message(1, [&](proto::writer& p) { p.bytes(1, plugin); }); });
    });
    return w.take();
  };
  std::string summary_bytes = value("loss", "scalars", [](proto::writer& t) {
    t.uint64(1, 1);  // DT_FLOAT
    t.length_delimited_header(2, 0);
    const float x = 0.5f;
    t.bytes(4, &x, 4);  // tensor_content
  });
  summary_bytes += value("lr", "scalars", [](proto::writer& t) {
    t.uint64(1, 2);  // DT_DOUBLE, in double_val
    t.length_delimited_header(2, 0);
    const double x = 0.125;
    t.packed_fixed(6, std::span<const double>(&x, 1));
  });
  summary_bytes += value("w", "histograms", [](proto::writer& t) {
    t.uint64(1, 2);
    t.message(2, [](proto::writer& s) {
      s.message(2, [](proto::writer& d) { d.uint64(1, 2); });
      s.message(2, [](proto::writer& d) { d.uint64(1, 3); });
    });
    const double triples[] = {0.0, 1.0, 3.0, 1.0, 2.0, 5.0};  // [0, 1): 3, [1, 2): 5
    t.packed_fixed(6, std::span<const double>(triples));
  });
  summary_bytes += value("digits", "images", [](proto::writer& t) {
    t.uint64(1, 7);
    t.bytes(8, "28"), t.bytes(8, "14"), t.bytes(8, "\x89PNG...");
  });
  const auto e = summary::decode_event(summary::encode_summary_event(1.0, 3, summary_bytes));
  REQUIRE(e.values.size() == 4);
  CHECK(e.values[0].what == kind::scalar);
  CHECK(e.values[0].scalar == 0.5);
  CHECK(e.values[1].what == kind::scalar);
  CHECK(e.values[1].scalar == 0.125);
  REQUIRE(e.values[2].what == kind::histogram);
  const auto& h = e.values[2].histogram;
  CHECK(h.bucket_limit == std::vector<double>{0.0, 1.0, 2.0});
  CHECK(h.bucket == std::vector<double>{0.0, 3.0, 5.0});
  CHECK(h.num == 8.0);
  CHECK(h.min == 0.0);
  CHECK(h.max == 2.0);
  REQUIRE(e.values[3].what == kind::image);
  CHECK(e.values[3].image.width == 28);
  CHECK(e.values[3].image.height == 14);
  CHECK(e.values[3].image.encoded == "\x89PNG...");
}

TEST_CASE("event_file_reader: a record with a bad CRC is reported at its offset; the records after it are read") {
  sf_test::temp_dir dir;
  const fs::path p = dir / "events.out.tfevents.1.host";
  const auto offsets = three_scalars(p);
  std::string bytes = file_bytes(p);
  bytes[offsets[1] + 14] ^= 0x20;  // inside the second record's data
  write_bytes(p, bytes);

  std::vector<std::string> errors;
  const auto events = read_all(p, &errors);
  REQUIRE(events.size() == 2);
  CHECK(events[0].step == 1);
  CHECK(events[1].step == 3);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Contains(p.string()) && Contains("record at byte " + std::to_string(offsets[1])) &&
                            Contains("data CRC mismatch"));
  // Without a handler: data_loss, with the same file and offset.
  CHECK_THROWS_MATCHES(read_all(p), sf::data_loss, Catch::Matchers::Message(errors[0]));
}

TEST_CASE("event_file_reader: a file cut inside its last record keeps the records before it") {
  sf_test::temp_dir dir;
  const fs::path p = dir / "events.out.tfevents.1.host";
  const auto offsets = three_scalars(p);
  write_bytes(p, file_bytes(p).substr(0, offsets[2] + 20));
  std::vector<std::string> errors;
  const auto events = read_all(p, &errors);
  REQUIRE(events.size() == 2);
  CHECK(events[1].values.at(0).scalar == 0.5);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Contains(p.string()) && Contains("record at byte " + std::to_string(offsets[2])) &&
                            Contains("truncated"));
}

TEST_CASE("event_file_reader: a valid record that is not an Event is reported, and skipped") {
  sf_test::temp_dir dir;
  const fs::path p = dir / "events.out.tfevents.1.host";
  std::size_t bad_at = 0;
  {
    io::tfrecord_writer w(p);
    w.write(summary::encode_file_version_event(1.0));
    bad_at = w.bytes_written();
    w.write(std::string("\x0b\xff", 2));  // field 1 with wire type 3 (a group)
    w.write(summary::encode_session_log_event(2.0, 4, summary::session_status::start));
  }
  std::vector<std::string> errors;
  const auto events = read_all(p, &errors);
  REQUIRE(events.size() == 2);
  CHECK(events[1].session_log->status == 1);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Contains(p.string()) && Contains("record at byte " + std::to_string(bad_at)) &&
                            Contains("tensorflow.Event: at byte 0"));
}

TEST_CASE("tfrecord_reader_options::on_corrupt hears of each region skip_corrupt skips") {
  sf_test::temp_dir dir;
  const fs::path p = dir / "events.out.tfevents.1.host";
  const auto offsets = three_scalars(p);
  std::string bytes = file_bytes(p);
  bytes[offsets[0] + 3] ^= 1;  // the first record's length: its CRC no longer matches
  write_bytes(p, bytes);
  std::vector<std::uint64_t> at;
  io::tfrecord_reader r(p, {.skip_corrupt = true,
                            .on_corrupt = [&](std::uint64_t offset, const std::string& m) {
                              at.push_back(offset);
                              CHECK_THAT(m, Contains("length CRC mismatch"));
                            }});
  std::size_t n = 0;
  for (std::string rec; r.next(rec);) ++n;
  CHECK(n == 2);
  CHECK(r.corrupt_records() == 1);
  CHECK(at == std::vector<std::uint64_t>{0});
}
