// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/tfrecord.hpp: exact framing bytes, round trips with each
/// compression, shards, and corrupt or truncated files named with file and offset.

#include "staticflow/io/tfrecord.hpp"

#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace sf = staticflow;
namespace io = staticflow::io;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

using sf_test::temp_dir;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

std::string hex(const std::string& s) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += std::string{d[c >> 4], d[c & 15], ' '};
  if (!out.empty()) out.pop_back();
  return out;
}

std::vector<std::string> sample_records() {
  std::vector<std::string> r{"", "a", "abc", std::string(1000, 'z'), std::string(300000, '\x01')};
  std::mt19937 rng(3);
  for (int i = 0; i < 50; ++i) {
    std::string s(rng() % 2000, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    r.push_back(s);
  }
  return r;
}

std::string data_loss_of(const fs::path& p, const io::tfrecord_reader_options& o = {}) {
  try {
    (void)io::read_tfrecord_file(p, o);
  } catch (const sf::data_loss& e) {
    return e.what();
  }
  FAIL("reading " << p << " did not throw data_loss");
  return {};
}

}  // namespace

TEST_CASE("a 3-byte record is framed exactly as TensorFlow frames it", "[io][tfrecord]") {
  // length 3 as uint64 LE; masked CRC32C of those 8 bytes; "abc"; masked CRC32C of "abc".
  // CRC32C("abc") = 0x364b3fb7 -> mask: rotr15 = 0x7f6e6c96, + 0xa282ead8 = 0x21f1576e.
  CHECK(io::crc32c("abc", 3) == 0x364b3fb7u);
  CHECK(io::crc32c_mask(0x364b3fb7u) == 0x21f1576eu);
  const std::string framed = io::tfrecord_frame("abc");
  const unsigned char len8[8] = {3, 0, 0, 0, 0, 0, 0, 0};
  const std::uint32_t lcrc = io::crc32c_mask(io::crc32c(len8, 8));
  std::string expect("\x03\0\0\0\0\0\0\0", 8);
  for (int i = 0; i < 4; ++i) expect += static_cast<char>((lcrc >> (8 * i)) & 0xFF);
  expect += "abc";
  expect += std::string("\x6e\x57\xf1\x21", 4);
  CHECK(hex(framed) == hex(expect));

  temp_dir dir;
  {
    io::tfrecord_writer w(dir / "one.tfrecord");
    w.write(std::string_view("abc"));
    w.close();
  }
  CHECK(hex(read_bytes(dir / "one.tfrecord")) == hex(expect));
}

TEST_CASE("records round-trip through each compression", "[io][tfrecord]") {
  temp_dir dir;
  const auto records = sample_records();
  for (io::compression c : {io::compression::none, io::compression::gzip, io::compression::zlib}) {
    if (c != io::compression::none && !io::have_zlib()) continue;
    INFO("compression " << io::to_string(c));
    const fs::path p = dir / (std::string("r.") + io::to_string(c));
    io::tfrecord_writer w(p, {.compression = c});
    for (const auto& r : records) w.write(r);
    w.close();
    CHECK(w.records_written() == records.size());
    io::tfrecord_reader rd(p, {.compression = c, .buffer_size = 4096});
    std::vector<std::string> got;
    std::uint64_t expect_offset = 0;
    for (std::string s; rd.next(s);) {
      CHECK(rd.record_offset() == expect_offset);
      expect_offset += s.size() + 16;
      got.push_back(s);
    }
    CHECK(got == records);
    CHECK(rd.records_read() == records.size());
    if (c == io::compression::gzip) CHECK(read_bytes(p).substr(0, 2) == "\x1f\x8b");
    if (c == io::compression::zlib) CHECK(read_bytes(p)[0] == '\x78');
  }
}

TEST_CASE("empty files and zero-length records are valid", "[io][tfrecord]") {
  temp_dir dir;
  write_bytes(dir / "empty", "");
  CHECK(io::read_tfrecord_file(dir / "empty").empty());
  if (io::have_zlib()) CHECK(io::read_tfrecord_file(dir / "empty", {.compression = io::compression::gzip}).empty());
  {
    io::tfrecord_writer w(dir / "zero", {.compression = io::have_zlib() ? io::compression::gzip : io::compression::none});
    w.close();
    io::tfrecord_writer z(dir / "zeros");
    z.write(std::string_view{}), z.write(std::string_view{});
  }
  CHECK(io::read_tfrecord_file(dir / "zero", {.compression = io::have_zlib() ? io::compression::gzip : io::compression::none}).empty());
  CHECK(io::read_tfrecord_file(dir / "zeros") == std::vector<std::string>{"", ""});
  CHECK(read_bytes(dir / "zeros").size() == 32);
}

TEST_CASE("a bad data CRC is data_loss naming the file and offset, or skipped when asked", "[io][tfrecord]") {
  temp_dir dir;
  std::string bytes = io::tfrecord_frame("first") + io::tfrecord_frame("second") + io::tfrecord_frame("third");
  bytes[21 + 12 + 2] ^= 0x40;  // a data byte of "second" (which starts at byte 21)
  write_bytes(dir / "bad", bytes);
  CHECK_THAT(data_loss_of(dir / "bad"), Contains("'" + (dir / "bad").string() + "'") &&
                                            Contains("record at byte 21") && Contains("data CRC mismatch over 6 bytes"));
  io::tfrecord_reader r(dir / "bad", {.skip_corrupt = true});
  std::vector<std::string> got;
  for (std::string s; r.next(s);) got.push_back(s);
  CHECK(got == std::vector<std::string>{"first", "third"});
  CHECK(r.corrupt_records() == 1);
}

TEST_CASE("a bad length CRC is data_loss; skipping scans to the next good header", "[io][tfrecord]") {
  temp_dir dir;
  std::string bytes = io::tfrecord_frame("first") + io::tfrecord_frame("second") + io::tfrecord_frame("third");
  bytes[21 + 1] ^= 0x01;  // the length of "second"
  write_bytes(dir / "bad", bytes);
  CHECK_THAT(data_loss_of(dir / "bad"), Contains("record at byte 21: length CRC mismatch (stored 0x"));
  io::tfrecord_reader r(dir / "bad", {.skip_corrupt = true});
  std::vector<std::string> got;
  for (std::string s; r.next(s);) got.push_back(s);
  CHECK(got == std::vector<std::string>{"first", "third"});
  CHECK(r.corrupt_records() == 1);
}

TEST_CASE("truncated files are data_loss with what was needed and what was left", "[io][tfrecord]") {
  temp_dir dir;
  const std::string bytes = io::tfrecord_frame("first") + io::tfrecord_frame("second");
  write_bytes(dir / "cut_header", bytes.substr(0, 21 + 5));
  CHECK_THAT(data_loss_of(dir / "cut_header"), Contains("record at byte 21: truncated header: needs 12 bytes, the file has 5 left"));
  write_bytes(dir / "cut_data", bytes.substr(0, bytes.size() - 1));
  CHECK_THAT(data_loss_of(dir / "cut_data"), Contains("record at byte 21: truncated record: needs 22 bytes, the file has 21 left"));
  io::tfrecord_reader r(dir / "cut_data", {.skip_corrupt = true});
  std::string s;
  CHECK(r.next(s));
  CHECK(s == "first");
  CHECK_FALSE(r.next(s));
  CHECK(r.corrupt_records() == 1);
}

TEST_CASE("a length field of 2^63 is an error, not an allocation", "[io][tfrecord]") {
  temp_dir dir;
  const auto h = io::tfrecord_header(std::uint64_t{1} << 63);  // a valid CRC over an absurd length
  write_bytes(dir / "huge", std::string(h.data(), h.size()) + "abc");
  CHECK_THAT(data_loss_of(dir / "huge"), Contains("record at byte 0: length 9223372036854775808 is above the limit"));
  // With a limit above it, the reader still never allocates more than the file holds.
  CHECK_THAT(data_loss_of(dir / "huge", {.max_record_size = ~std::uint64_t{0} - 64}),
             Contains("truncated record: needs 9223372036854775824 bytes, the file has 15 left"));
}

TEST_CASE("corrupt compressed data and a truncated gzip stream are data_loss", "[io][tfrecord]") {
  if (!io::have_zlib()) return;
  temp_dir dir;
  {
    io::tfrecord_writer w(dir / "g", {.compression = io::compression::gzip});
    for (int i = 0; i < 100; ++i) w.write(std::string(100, static_cast<char>('a' + i % 26)));
  }
  const std::string g = read_bytes(dir / "g");
  write_bytes(dir / "cut", g.substr(0, g.size() / 2));
  CHECK_THAT(data_loss_of(dir / "cut", {.compression = io::compression::gzip}), Contains("truncated"));
  std::string bad = g;
  bad[g.size() / 2] ^= 0x55, bad[g.size() / 2 + 1] ^= 0x55;
  write_bytes(dir / "bad", bad);
  CHECK_THROWS_AS(io::read_tfrecord_file(dir / "bad", {.compression = io::compression::gzip}), sf::data_loss);
  CHECK_THAT(data_loss_of(dir / "g", {.compression = io::compression::zlib}), Contains("corrupt zlib data at compressed byte"));
}

TEST_CASE("shard names and the sharded writer follow TF's naming", "[io][tfrecord]") {
  CHECK(io::shard_name("train", 0, 4) == "train-00000-of-00004");
  CHECK(io::shard_names("x", 2) == std::vector<std::string>{"x-00000-of-00002", "x-00001-of-00002"});
  CHECK_THROWS_AS(io::shard_name("x", 4, 4), sf::invalid_argument);
  temp_dir dir;
  {
    io::sharded_tfrecord_writer w((dir / "rr").string(), 3);
    for (int i = 0; i < 7; ++i) w.write(std::to_string(i));
    w.close();
  }
  CHECK(io::read_tfrecord_file(dir / "rr-00000-of-00003") == std::vector<std::string>{"0", "3", "6"});
  CHECK(io::read_tfrecord_file(dir / "rr-00002-of-00003") == std::vector<std::string>{"2", "5"});
  {
    io::sharded_tfrecord_writer w((dir / "c").string(), 3, {}, io::shard_policy::contiguous, 7);
    for (int i = 0; i < 7; ++i) w.write(std::to_string(i));
  }
  CHECK(io::read_tfrecord_file(dir / "c-00000-of-00003") == std::vector<std::string>{"0", "1", "2"});
  CHECK(io::read_tfrecord_file(dir / "c-00002-of-00003") == std::vector<std::string>{"6"});
}

TEST_CASE("missing files and unknown compression names are reported", "[io][tfrecord]") {
  CHECK_THROWS_AS(io::tfrecord_reader("/nonexistent/x.tfrecord"), sf::not_found);
  CHECK(io::compression_from_string("GZIP") == io::compression::gzip);
  CHECK(io::compression_from_string("") == io::compression::none);
  CHECK_THROWS_WITH(io::compression_from_string("lz4"), Contains("unknown compression 'lz4'"));
}
