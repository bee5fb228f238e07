// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/event.hpp: Events and Summary values against bytes built by
/// hand from the field numbers of TF's event.proto, summary.proto and tensor.proto.

#include "staticflow/summary/event.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace summary = staticflow::summary;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}
}  // namespace

TEST_CASE("the first record: file_version \"brain.Event:2\" after the wall time") {
  // wall_time (field 1, fixed64 tag 0x09) 1.5 = 0x3FF8000000000000, step 0 left out,
  // file_version (field 3, length-delimited tag 0x1A), 13 bytes.
  const std::string want = bytes({0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x1A, 13}) + "brain.Event:2";
  CHECK(summary::encode_file_version_event(1.5) == want);
  CHECK(summary::encode_file_version_event(0.0) == bytes({0x1A, 13}) + "brain.Event:2");
}

TEST_CASE("a scalar summary event") {
  std::string s;
  summary::append_scalar(s, "loss", 0.25f);
  // Summary.value (field 1, 0x0A), 11 bytes: tag (0x0A, 4, "loss"), simple_value (field 2,
  // fixed32 tag 0x15) 0.25f = 0x3E800000.
  const std::string value = bytes({0x0A, 11, 0x0A, 4}) + "loss" + bytes({0x15, 0, 0, 0x80, 0x3E});
  CHECK(s == value);
  // Event: wall_time 1.5, step (field 2, 0x10) 3, summary (field 5, 0x2A), 13 bytes.
  const std::string want = bytes({0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x10, 3, 0x2A, 13}) + value;
  CHECK(summary::encode_summary_event(1.5, 3, s) == want);
}

TEST_CASE("a scalar of 0 keeps simple_value: a oneof member is written at its default, as proto3 does") {
  // Python: Summary(value=[Summary.Value(tag="acc", simple_value=0.0)]).SerializeToString()
  std::string s;
  summary::append_scalar(s, "acc", 0.0f);
  CHECK(s == bytes({0x0A, 10, 0x0A, 3}) + "acc" + bytes({0x15, 0, 0, 0, 0}));
}

TEST_CASE("summaries concatenate into one Summary (what merge_all relies on)") {
  std::string a, b, both;
  summary::append_scalar(a, "x", 1.0f);
  summary::append_scalar(b, "y", 2.0f);
  summary::append_scalar(both, "x", 1.0f);
  summary::append_scalar(both, "y", 2.0f);
  CHECK(a + b == both);
}

TEST_CASE("a negative step takes ten bytes (int64 two's complement)") {
  const std::string e = summary::encode_summary_event(0.0, -1, "");
  CHECK(e == bytes({0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x2A, 0}));
}

TEST_CASE("a SessionLog CHECKPOINT event") {
  // step 7 (0x10 7); session_log (field 7, 0x3A), 10 bytes: status (0x08) 3, checkpoint_path
  // (0x12) "m.ckpt".
  const std::string want = bytes({0x10, 7, 0x3A, 10, 0x08, 3, 0x12, 6}) + "m.ckpt";
  CHECK(summary::encode_session_log_event(0.0, 7, summary::session_status::checkpoint, "m.ckpt") == want);
  CHECK(summary::encode_session_log_event(0.0, 0, summary::session_status::start) == bytes({0x3A, 2, 0x08, 1}));
}

TEST_CASE("a text summary: a scalar DT_STRING tensor with plugin_name \"text\"") {
  std::string s;
  summary::append_text(s, "t", "hi");
  // Value (23 bytes): tag (0x0A 1 't'); tensor (field 8, 0x42), 8 bytes: dtype (0x08) 7,
  // tensor_shape (0x12) empty, string_val (0x42) "hi"; metadata (field 9, 0x4A), 8 bytes:
  // plugin_data (0x0A), 6 bytes: plugin_name (0x0A) "text".
  const std::string want = bytes({0x0A, 23, 0x0A, 1, 't', 0x42, 8, 0x08, 7, 0x12, 0, 0x42, 2, 'h', 'i', 0x4A, 8, 0x0A,
                                  6, 0x0A, 4}) +
                           "text";
  CHECK(s == want);
}

TEST_CASE("an image summary value") {
  std::string s;
  summary::append_image(s, "im", 2, 3, 1, "PNG");
  // Value: tag (0x0A 2 "im"); image (field 4, 0x22), 11 bytes: height (0x08) 2, width (0x10) 3,
  // colorspace (0x18) 1, encoded_image_string (0x22) "PNG".
  CHECK(s == bytes({0x0A, 17, 0x0A, 2, 'i', 'm', 0x22, 11, 0x08, 2, 0x10, 3, 0x18, 1, 0x22, 3}) + "PNG");
}

TEST_CASE("a histogram value wraps the HistogramProto in field 5") {
  summary::value_histogram h;
  h.add(1.0);
  std::string s;
  summary::append_histogram(s, "h", h);
  staticflow::io::proto::writer body;
  h.encode_fields(body);
  REQUIRE(body.size() < 128);
  const std::string value = bytes({0x0A, 1, 'h', 0x2A, static_cast<int>(body.size())}) + body.str();
  CHECK(s == bytes({0x0A, static_cast<int>(value.size())}) + value);
}
