// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/example.hpp: encodings worked by hand from the wire format,
/// packed and unpacked lists, SequenceExample, and malformed bytes.

#include "staticflow/io/example.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace sf = staticflow;
namespace io = staticflow::io;
namespace proto = staticflow::io::proto;
using Catch::Matchers::Contains;

namespace {
std::string hex(const std::string& s) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += std::string{d[c >> 4], d[c & 15], ' '};
  if (!out.empty()) out.pop_back();
  return out;
}
}  // namespace

TEST_CASE("an Example with one int64 feature encodes as worked by hand", "[io][example]") {
  // Int64List{1}: 0a 01 01 | Feature{int64_list=3}: 1a 03 .. | entry{key=1 "a", value=2}: 0a 01 61 12 05 ..
  // | Features{feature=1}: 0a 0a .. | Example{features=1}: 0a 0c ..
  io::example ex;
  ex.add("a", io::int64_list{1});
  CHECK(hex(ex.encode()) == "0a 0c 0a 0a 0a 01 61 12 05 1a 03 0a 01 01");
  CHECK(ex.encoded_size() == 14);
  CHECK(io::example::decode(ex.encode()) == ex);
  CHECK(io::example{}.encode().empty());
}

TEST_CASE("float and bytes features encode packed, as TF's writers do", "[io][example]") {
  io::example ex;
  ex.add("pi", io::float_list{3.14f});
  // 3.14f = 0x4048f5c3; FloatList: 0a 04 c3 f5 48 40; Feature{float_list=2}: 12 06 ..
  CHECK(hex(ex.encode()) == "0a 10 0a 0e 0a 02 70 69 12 08 12 06 0a 04 c3 f5 48 40");
  io::example b;
  b.add("name", io::bytes_list{"ABC"});
  CHECK(hex(b.encode()) == "0a 11 0a 0f 0a 04 6e 61 6d 65 12 07 0a 05 0a 03 41 42 43");
}

TEST_CASE("decode reads an Example written by another encoder (npm tfrecord, keys unsorted)", "[io][example]") {
  // From the npm package's builder: answer=42, pi=3.14, name="ABC", in that order.
  const std::string bytes(
      "\x0a\x32\x0a\x0f\x0a\x06" "answer" "\x12\x05\x1a\x03\x0a\x01\x2a"
      "\x0a\x0e\x0a\x02" "pi" "\x12\x08\x12\x06\x0a\x04\xc3\xf5\x48\x40"
      "\x0a\x0f\x0a\x04" "name" "\x12\x07\x0a\x05\x0a\x03" "ABC", 52);
  const auto ex = io::example::decode(bytes);
  CHECK(ex.get<io::int64_list>("answer").value == std::vector<std::int64_t>{42});
  CHECK(ex.get<io::float_list>("pi").value == std::vector<float>{3.14f});
  CHECK(ex.get<io::bytes_list>("name").value == std::vector<std::string>{"ABC"});
  CHECK_THROWS_WITH(ex.get<io::float_list>("answer"), Contains("feature 'answer' is a int64_list, not a float_list"));
  CHECK_THROWS_AS(ex.get<io::float_list>("nope"), sf::not_found);
}

TEST_CASE("decode accepts unpacked floats and int64s, and mixed", "[io][example]") {
  // Feature{float_list: value=1.0 (fixed32), value=2.0 (fixed32)}, Feature{int64_list: 5 (varint), packed [6, 7]}
  proto::writer floats, ints;
  floats.float32(1, 1.0f), floats.float32(1, 2.0f);
  ints.int64(1, 5);
  ints.packed_varints<std::int64_t>(1, std::vector<std::int64_t>{6, -7});
  proto::writer w;
  w.message(1, [&](proto::writer& fs) {
    fs.message(1, [&](proto::writer& e) {
      e.bytes(1, "f");
      e.message(2, [&](proto::writer& f) { f.bytes(2, floats.str()); });
    });
    fs.message(1, [&](proto::writer& e) {
      e.bytes(1, "i");
      e.message(2, [&](proto::writer& f) { f.bytes(3, ints.str()); });
    });
  });
  const auto ex = io::example::decode(w.str());
  CHECK(ex.get<io::float_list>("f").value == std::vector<float>{1.0f, 2.0f});
  CHECK(ex.get<io::int64_list>("i").value == std::vector<std::int64_t>{5, 6, -7});
}

TEST_CASE("empty lists, empty features and negative int64s round-trip", "[io][example]") {
  io::example ex;
  ex.add("e", io::int64_list{}).add("none", io::feature{}).add("neg", io::int64_list{-1, INT64_MIN, INT64_MAX});
  ex.add("s", io::bytes_list{"", std::string(200, 'q')}).add("f", io::float_list{});
  const std::string bytes = ex.encode();
  CHECK(bytes.size() == ex.encoded_size());
  CHECK(io::example::decode(bytes) == ex);
}

TEST_CASE("SequenceExample round-trips context and feature lists", "[io][example]") {
  io::sequence_example s;
  s.add_context("length", io::int64_list{3});
  s.add_step("tokens", io::int64_list{12}).add_step("tokens", io::int64_list{7, 8}).add_step("tokens", io::int64_list{});
  s.add_step("emb", io::float_list{0.5f, 1.5f});
  const auto back = io::sequence_example::decode(s.encode());
  CHECK(back == s);
  CHECK(back.feature_lists.at("tokens").size() == 3);
  // SequenceExample{feature_lists=2{feature_list=1{key "t", value FeatureList{feature=1 Feature{}}}}}
  io::sequence_example t;
  t.add_step("t", io::feature{});
  CHECK(hex(t.encode()) == "12 09 0a 07 0a 01 74 12 02 0a 00");
}

TEST_CASE("malformed Examples are data_loss naming the offset and the feature", "[io][example]") {
  io::example ex;
  ex.add("pixels", io::float_list{1, 2, 3});
  std::string bytes = ex.encode();
  // Make the packed float payload 11 bytes long instead of 12 by shortening its length byte.
  const auto at = bytes.find(std::string("\x0a\x0c", 2), 10);
  REQUIRE(at != std::string::npos);
  bytes[at + 1] = 0x0b;
  CHECK_THROWS_WITH(io::example::decode(bytes), Contains("not a multiple of 4") && Contains("in feature 'pixels'") &&
                                                    Contains("at byte " + std::to_string(at)));
  CHECK_THROWS_WITH(io::example::decode(std::string("\x0a\x05\x0a\x03", 4)),
                    Contains("tf.train.Example: at byte 0: field 1: length 5 runs past the end (2 bytes left)"));
}
