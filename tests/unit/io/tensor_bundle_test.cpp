// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/tensor_bundle.hpp: BundleEntryProto and BundleHeaderProto bytes
/// worked out from the proto definitions, the data file's layout, and missing, truncated and
/// corrupt files reported with the file and the tensor.

#include "staticflow/io/tensor_bundle.hpp"

#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sf = staticflow;
namespace bundle = staticflow::io::bundle;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}
std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

/// Two tensors: "w" float32 [2, 3] = 0..5 and "step" int64 [] = 7.
std::string write_sample(const sf_test::temp_dir& dir) {
  const std::string prefix = (dir / "model.ckpt").string();
  bundle::writer w(prefix);
  const float values[6] = {0, 1, 2, 3, 4, 5};
  const std::int64_t step = 7;
  w.add("w", bundle::tf_dtype::float32, {2, 3}, values, sizeof values);
  w.add("step", bundle::tf_dtype::int64, {}, &step, sizeof step);
  w.finish();
  return prefix;
}

}  // namespace

TEST_CASE("BundleEntryProto and BundleHeaderProto bytes", "[io][bundle]") {
  bundle::entry e;
  e.dtype = bundle::tf_dtype::float32, e.shape = {2, 3}, e.offset = 0, e.size = 24, e.crc32c = 0x04030201;
  // dtype 1: 08 01; shape 2: 12 08 {dim 2: 12 02 {size 1: 08 02}, 12 02 {08 03}}; offset 0 left
  // out (proto3); size 5: 28 18; crc32c 6 (fixed32): 35 01 02 03 04.
  CHECK(bundle::encode_entry(e) == bytes({0x08, 0x01, 0x12, 0x08, 0x12, 0x02, 0x08, 0x02, 0x12, 0x02, 0x08, 0x03,
                                          0x28, 0x18, 0x35, 0x01, 0x02, 0x03, 0x04}));
  bundle::entry scalar;
  scalar.dtype = bundle::tf_dtype::int64, scalar.offset = 300, scalar.size = 8;
  // The shape is there even when empty (TF sets it); offset 300 = varint ac 02.
  CHECK(bundle::encode_entry(scalar) == bytes({0x08, 0x09, 0x12, 0x00, 0x20, 0xac, 0x02, 0x28, 0x08}));
  const auto back = bundle::decode_entry(bundle::encode_entry(e), "test");
  CHECK(back.dtype == e.dtype);
  CHECK(back.shape == e.shape);
  CHECK(back.size == 24);
  CHECK(back.crc32c == 0x04030201);
  // num_shards 1: 08 01; endianness LITTLE (0) left out; version 3: 1a 02 {producer 1: 08 01}.
  CHECK(bundle::encode_header() == bytes({0x08, 0x01, 0x1a, 0x02, 0x08, 0x01}));
  CHECK(bundle::data_filename("a/m", 0, 1) == "a/m.data-00000-of-00001");
}

TEST_CASE("the data file holds the tensors back to back in the order added", "[io][bundle]") {
  sf_test::temp_dir dir;
  const std::string prefix = write_sample(dir);
  const std::string data = read_bytes(prefix + ".data-00000-of-00001");
  REQUIRE(data.size() == 24 + 8);
  float w[6];
  std::memcpy(w, data.data(), 24);
  CHECK(w[5] == 5.0f);
  CHECK(data.substr(24) == bytes({7, 0, 0, 0, 0, 0, 0, 0}));
  const bundle::reader r(prefix);
  REQUIRE(r.entries().size() == 2);
  const auto& s = *r.find("step");
  CHECK(s.offset == 24);
  CHECK(s.shape.empty());
  CHECK(s.crc32c == sf::io::crc32c_mask(sf::io::crc32c(data.data() + 24, 8)));
  std::int64_t step = 0;
  r.read("step", &step, sizeof step);
  CHECK(step == 7);
  CHECK(r.closest("stpe").front() == "step");
  // No temporary files are left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& f : fs::directory_iterator(dir.path)) ++files;
  CHECK(files == 2);
}

TEST_CASE("missing, truncated and corrupt bundles name the file and the tensor", "[io][bundle]") {
  sf_test::temp_dir dir;
  const std::string prefix = write_sample(dir);
  const std::string data_file = prefix + ".data-00000-of-00001";
  const std::string good = read_bytes(data_file);
  float w[6];
  SECTION("no index") {
    CHECK_THROWS_AS(bundle::reader((dir / "other").string()), sf::not_found);
  }
  SECTION("no data file") {
    fs::remove(data_file);
    const bundle::reader r(prefix);
    CHECK_THROWS_AS(r.read("w", w, sizeof w), sf::not_found);
  }
  SECTION("a truncated data file") {
    write_bytes(data_file, good.substr(0, 30));
    const bundle::reader r(prefix);
    CHECK_THROWS_WITH(r.read("w", w, sizeof w), Contains("tensor 'step'") && Contains("past the end"));
  }
  SECTION("a flipped data byte") {
    std::string bad = good;
    bad[3] ^= 1;
    write_bytes(data_file, bad);
    const bundle::reader r(prefix);
    CHECK_THROWS_WITH(r.read("w", w, sizeof w), Contains("tensor 'w'") && Contains("CRC32C") && Contains(data_file));
    std::int64_t step = 0;
    CHECK_NOTHROW(r.read("step", &step, sizeof step));
  }
  SECTION("a destination of the wrong size") {
    const bundle::reader r(prefix);
    CHECK_THROWS_AS(r.read("w", w, 20), sf::invalid_argument);
  }
  SECTION("an index whose entry does not fit its dtype and shape") {
    // Rewrite the index with w's size off by 4.
    sf::io::table::writer t;
    t.add("", bundle::encode_header());
    bundle::entry e;
    e.dtype = bundle::tf_dtype::float32, e.shape = {2, 3}, e.size = 20;
    t.add("w", bundle::encode_entry(e));
    write_bytes(prefix + ".index", t.finish());
    CHECK_THROWS_WITH(bundle::reader(prefix), Contains("tensor 'w'") && Contains("20 bytes do not hold float32 [2, 3]"));
  }
  SECTION("a corrupt index") {
    std::string index = read_bytes(prefix + ".index");
    index[5] ^= 0x10;
    write_bytes(prefix + ".index", index);
    CHECK_THROWS_AS(bundle::reader(prefix), sf::data_loss);
  }
}

TEST_CASE("a writer destroyed before finish leaves nothing behind", "[io][bundle]") {
  sf_test::temp_dir dir;
  {
    bundle::writer w((dir / "m").string());
    const int x = 1;
    w.add("x", bundle::tf_dtype::int32, {}, &x, sizeof x);
    CHECK_THROWS_AS(w.add("x", bundle::tf_dtype::int32, {}, &x, sizeof x), sf::invalid_argument);
  }
  CHECK(fs::is_empty(dir.path));
}
