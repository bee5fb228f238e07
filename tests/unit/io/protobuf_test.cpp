// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/protobuf.hpp: bytes worked by hand from the wire format, round
/// trips, and each malformed input named with its offset.

#include "staticflow/io/protobuf.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sf = staticflow;
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

/// The data_loss message of reading every field of `bytes`.
std::string read_error(const std::string& bytes) {
  proto::reader r(bytes, "test message");
  try {
    for (proto::field f; r.next(f);) {
    }
  } catch (const sf::data_loss& e) {
    return e.what();
  }
  FAIL("no data_loss for " << hex(bytes));
  return {};
}

}  // namespace

TEST_CASE("writer encodes the protobuf documentation's examples byte for byte", "[io][protobuf]") {
  proto::writer w;
  w.int64(1, 150);  // "08 96 01" (protobuf.dev encoding guide)
  CHECK(hex(w.take()) == "08 96 01");
  w.bytes(2, "testing");
  CHECK(hex(w.take()) == "12 07 74 65 73 74 69 6e 67");
  w.sint64(1, -2);  // zigzag: -2 -> 3
  CHECK(hex(w.take()) == "08 03");
  w.int64(1, -1);  // ten bytes of two's complement
  CHECK(hex(w.take()) == "08 ff ff ff ff ff ff ff ff ff 01");
  w.float32(5, 1.0f);
  CHECK(hex(w.take()) == "2d 00 00 80 3f");
  w.fixed64(1, 0x0102030405060708ull);
  CHECK(hex(w.take()) == "09 08 07 06 05 04 03 02 01");
  const std::vector<std::int64_t> packed{3, 270, 86942};
  w.packed_varints<std::int64_t>(4, packed);  // "22 06 03 8e 02 9e a7 05"
  CHECK(hex(w.take()) == "22 06 03 8e 02 9e a7 05");
  w.message(3, [](proto::writer& m) { m.int64(1, 150); });  // "1a 03 08 96 01"
  CHECK(hex(w.take()) == "1a 03 08 96 01");
}

TEST_CASE("nested messages longer than 127 bytes get a two-byte length", "[io][protobuf]") {
  proto::writer w;
  const std::string body(300, 'x');
  w.message(1, [&](proto::writer& m) { m.bytes(2, body); });
  // inner: 12 ac 02 + 300 bytes = 303 bytes; 303 = 0xaf 0x02 as a varint.
  const std::string s = w.take();
  REQUIRE(s.size() == 1 + 2 + 303);  // tag, two length bytes, body
  CHECK(hex(s.substr(0, 6)) == "0a af 02 12 ac 02");
  proto::reader r(s);
  proto::field f;
  REQUIRE(r.next(f));
  auto inner = r.message(f);
  proto::field g;
  REQUIRE(inner.next(g));
  CHECK(inner.as_string(g) == body);
  CHECK(g.payload_offset == 6);
  CHECK_FALSE(r.next(f));
}

TEST_CASE("varint sizes match the encoding at every boundary", "[io][protobuf]") {
  for (std::uint64_t v : {0ull, 127ull, 128ull, 16383ull, 16384ull, (1ull << 35) - 1, 1ull << 35, ~0ull}) {
    proto::writer w;
    w.raw_varint(v);
    CHECK(w.size() == proto::varint_size(v));
    proto::reader r(w.str());
    CHECK(r.read_varint() == v);
  }
  CHECK(proto::zigzag_decode(proto::zigzag_encode(std::numeric_limits<std::int64_t>::min())) ==
        std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("reader round-trips every wire type and skips unknown fields", "[io][protobuf]") {
  proto::writer w;
  w.uint64(1, 7);
  w.fixed32(2, 0xdeadbeef);
  w.fixed64(3, 42);
  w.bytes(4, "abc");
  w.float64(5, 2.5);
  w.sint64(6, -300);
  proto::reader r(w.str());
  proto::field f;
  REQUIRE(r.next(f));
  CHECK((f.number == 1 && r.as_uint64(f) == 7));
  REQUIRE(r.next(f));
  CHECK((f.number == 2 && r.as_fixed32(f) == 0xdeadbeef));
  REQUIRE(r.next(f));
  CHECK(r.as_fixed64(f) == 42);
  REQUIRE(r.next(f));
  CHECK(r.as_string(f) == "abc");
  REQUIRE(r.next(f));
  CHECK(r.as_double(f) == 2.5);
  REQUIRE(r.next(f));
  CHECK(r.as_sint64(f) == -300);
  CHECK_FALSE(r.next(f));
  CHECK(r.at_end());
}

TEST_CASE("reader reports each malformed input with what and where", "[io][protobuf]") {
  CHECK_THAT(read_error("\x08"), Contains("test message: at byte 1") && Contains("truncated varint value"));
  CHECK_THAT(read_error("\x08\x96"), Contains("at byte 1") && Contains("truncated varint value (input ends after 1 byte)"));
  CHECK_THAT(read_error(std::string("\x08") + std::string(10, '\xff') + "\x01"), Contains("overflows 64 bits"));
  CHECK_THAT(read_error(std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01", 12)),
             Contains("overflows 64 bits"));
  CHECK_THAT(read_error(std::string("\x00\x01", 2)), Contains("at byte 0") && Contains("field number 0"));
  CHECK_THAT(read_error("\x0e\x01"), Contains("invalid wire type 6"));
  CHECK_THAT(read_error("\x0b"), Contains("group") && Contains("not supported"));
  CHECK_THAT(read_error("\x12\x05" "abc"), Contains("at byte 0") && Contains("field 2: length 5 runs past the end (3 bytes left)"));
  CHECK_THAT(read_error("\x08\x01\x15\x01\x02"), Contains("at byte 2") && Contains("truncated fixed32 (2 of 4 bytes left)"));
  CHECK_THAT(read_error("\x09\x01"), Contains("truncated fixed64"));
  CHECK_THAT(read_error("\x80\x80\x80\x80\x80\x01"), Contains("above 2^29-1"));
}

TEST_CASE("a huge length claim is an error, not an allocation", "[io][protobuf]") {
  // Field 1, length 2^63: the reader must compare it with what is left before anything else.
  const std::string s("\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11);
  CHECK_THAT(read_error(s), Contains("length 9223372036854775808 runs past the end (0 bytes left)"));
}

TEST_CASE("typed access names the field and both wire types", "[io][protobuf]") {
  proto::writer w;
  w.bytes(3, "x");
  proto::reader r(w.str(), "tf.train.Feature");
  proto::field f;
  REQUIRE(r.next(f));
  CHECK_THROWS_WITH(r.as_uint64(f), Contains("tf.train.Feature: at byte 0: field 3 has wire type length-delimited, expected varint"));
}

TEST_CASE("nested readers count offsets from the outermost input", "[io][protobuf]") {
  proto::writer w;
  w.int64(1, 1);
  w.message(2, [](proto::writer& m) { m.raw_varint(0x12), m.raw_varint(9); });  // inner field 2 claims 9 bytes
  proto::reader r(w.str());
  proto::field f;
  REQUIRE(r.next(f));
  REQUIRE(r.next(f));
  auto inner = r.message(f, "inner");
  proto::field g;
  CHECK_THROWS_WITH(inner.next(g), Contains("inner: at byte 4") && Contains("length 9 runs past the end (0 bytes left)"));
}

TEST_CASE("packed varints count and iterate", "[io][protobuf]") {
  proto::writer w;
  const std::vector<std::int32_t> v{1, -1, 300};
  w.packed_varints<std::int32_t>(1, v);
  proto::reader r(w.str());
  proto::field f;
  REQUIRE(r.next(f));
  CHECK(proto::count_packed_varints(f.payload) == 3);
  std::vector<std::int64_t> got;
  proto::for_each_packed_varint(r, f, [&](std::uint64_t x) { got.push_back(static_cast<std::int64_t>(x)); });
  CHECK(got == std::vector<std::int64_t>{1, -1, 300});
}
