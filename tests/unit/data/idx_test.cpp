// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/data/idx.hpp: round trips, byte order, and every way a file can be bad.

#include "staticflow/data/idx.hpp"

#include <catch2/catch.hpp>

#include "idx_files.hpp"

namespace sf = staticflow;
using Catch::Matchers::Contains;
using sf_test::bytes;
using sf_test::idx_bytes;
using sf_test::write_file;

namespace {

/// Runs read_idx and returns the message of the data_loss it must throw.
std::string data_loss_message(const std::filesystem::path& p) {
  try {
    (void)sf::data::read_idx(p);
  } catch (const sf::data_loss& e) {
    return e.what();
  }
  FAIL("read_idx(" << p << ") did not throw data_loss");
  return {};
}

}  // namespace

TEST_CASE("read_idx reads a uint8 file with 3 dimensions back exactly", "[data][idx]") {
  sf_test::temp_dir dir;
  const bytes payload = sf_test::iota_bytes(2 * 3 * 4);
  write_file(dir / "a.idx", idx_bytes(0x08, {2, 3, 4}, payload));

  const auto a = sf::data::read_idx(dir / "a.idx");
  CHECK(a.dtype == sf::data::idx_dtype::uint8);
  CHECK(a.dims == std::vector<std::uint32_t>{2, 3, 4});
  CHECK(a.num_elements() == 24);
  CHECK(a.bytes == payload);
  CHECK(a.values<std::uint8_t>() == payload);
}

TEST_CASE("read_idx reads dimensions above 255 big-endian", "[data][idx]") {
  sf_test::temp_dir dir;
  // 0x00 0x00 0x01 0x2c = 300 elements: a little-endian reader would see 0x2c010000.
  write_file(dir / "a.idx", idx_bytes(0x08, {300}, bytes(300, 7)));
  const auto a = sf::data::read_idx(dir / "a.idx");
  CHECK(a.dims == std::vector<std::uint32_t>{300});
  CHECK(a.bytes.size() == 300);
}

TEST_CASE("read_idx converts multi-byte elements from big-endian", "[data][idx]") {
  sf_test::temp_dir dir;
  SECTION("int8") {
    write_file(dir / "a.idx", idx_bytes(0x09, {2}, {0xFF, 0x05}));
    CHECK(sf::data::read_idx(dir / "a.idx").values<std::int8_t>() == std::vector<std::int8_t>{-1, 5});
  }
  SECTION("int16") {
    write_file(dir / "a.idx", idx_bytes(0x0B, {2}, {0x01, 0x02, 0xFF, 0xFE}));
    CHECK(sf::data::read_idx(dir / "a.idx").values<std::int16_t>() == std::vector<std::int16_t>{0x0102, -2});
  }
  SECTION("int32") {
    write_file(dir / "a.idx", idx_bytes(0x0C, {2}, {0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFD}));
    CHECK(sf::data::read_idx(dir / "a.idx").values<std::int32_t>() == std::vector<std::int32_t>{256, -3});
  }
  SECTION("float32") {
    // IEEE 754: 0x3F800000 = 1.0f, 0xC0000000 = -2.0f.
    write_file(dir / "a.idx", idx_bytes(0x0D, {1, 2}, {0x3F, 0x80, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00}));
    const auto a = sf::data::read_idx(dir / "a.idx");
    CHECK(a.dims == std::vector<std::uint32_t>{1, 2});
    CHECK(a.values<float>() == std::vector<float>{1.0f, -2.0f});
  }
  SECTION("float64") {
    // 0x3FF8000000000000 = 1.5, 0x4024000000000000 = 10.0.
    write_file(dir / "a.idx", idx_bytes(0x0E, {2}, {0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x40, 0x24, 0, 0, 0, 0, 0, 0}));
    CHECK(sf::data::read_idx(dir / "a.idx").values<double>() == std::vector<double>{1.5, 10.0});
  }
}

TEST_CASE("idx_array::values rejects the wrong element type", "[data][idx]") {
  sf_test::temp_dir dir;
  write_file(dir / "a.idx", idx_bytes(0x08, {4}, {1, 2, 3, 4}));
  const auto a = sf::data::read_idx(dir / "a.idx");
  CHECK_THROWS_MATCHES(a.values<float>(), sf::invalid_argument, Catch::Matchers::Message(
      "staticflow::data::idx_array::values<T>: the array holds uint8, not float32"));
}

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
TEST_CASE("read_idx reads a gzip file the same as the plain one", "[data][idx][gzip]") {
  sf_test::temp_dir dir;
  const bytes file = idx_bytes(0x08, {2, 3, 4}, sf_test::iota_bytes(24));
  write_file(dir / "plain", file);
  // No .gz suffix: gzip is recognised by its 1f 8b signature, not by the name.
  sf_test::write_gzip(dir / "compressed", file);

  const auto plain = sf::data::read_idx(dir / "plain");
  const auto gz = sf::data::read_idx(dir / "compressed");
  CHECK(gz.dims == plain.dims);
  CHECK(gz.dtype == plain.dtype);
  CHECK(gz.bytes == plain.bytes);
}

TEST_CASE("read_idx reports truncated and oversized gzip contents", "[data][idx][gzip]") {
  sf_test::temp_dir dir;
  // Header 4 + 3 * 4 = 16 bytes, data 24: 40 in all.
  SECTION("truncated") {
    sf_test::write_gzip(dir / "t.gz", idx_bytes(0x08, {2, 3, 4}, sf_test::iota_bytes(20)));
    const auto msg = data_loss_message(dir / "t.gz");
    CHECK_THAT(msg, Contains("header says 40 bytes") && Contains("has 36"));
  }
  SECTION("oversized") {
    sf_test::write_gzip(dir / "o.gz", idx_bytes(0x08, {2, 3, 4}, sf_test::iota_bytes(25)));
    const auto msg = data_loss_message(dir / "o.gz");
    CHECK_THAT(msg, Contains("header says 40 bytes") && Contains("has 41"));
  }
}

TEST_CASE("read_idx rejects a corrupt gzip stream", "[data][idx][gzip]") {
  sf_test::temp_dir dir;
  sf_test::write_gzip(dir / "c.gz", idx_bytes(0x08, {64, 64}, sf_test::iota_bytes(64 * 64)));
  std::ifstream in(dir / "c.gz", std::ios::binary);
  bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  REQUIRE(gz.size() > 30);
  // Damage the CRC-32 in the 8-byte trailer: the data inflates fine but fails the check.
  gz[gz.size() - 6] ^= 0xFF;
  write_file(dir / "c.gz", gz);
  CHECK_THAT(data_loss_message(dir / "c.gz"), Contains("c.gz") && Contains("corrupt gzip data"));
}

TEST_CASE("read_idx does not trust absurd dimensions in a gzip file", "[data][idx][gzip]") {
  sf_test::temp_dir dir;
  // (2^32 - 1)^2 bytes fits in 64 bits but not in memory; only 4 data bytes follow.
  sf_test::write_gzip(dir / "big.gz", idx_bytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3, 4}));
  CHECK_THAT(data_loss_message(dir / "big.gz"), Contains("header says 18446744065119617037 bytes") &&
                                                    Contains("has 16"));
}
#else
TEST_CASE("read_idx without zlib refuses gzip files", "[data][idx][gzip]") {
  sf_test::temp_dir dir;
  write_file(dir / "x.gz", {0x1f, 0x8b, 0x08, 0x00});
  CHECK_THROWS_AS(sf::data::read_idx(dir / "x.gz"), sf::unimplemented);
}
#endif

TEST_CASE("read_idx reports a truncated file with both byte counts", "[data][idx]") {
  sf_test::temp_dir dir;
  const auto p = dir / "train-images-idx3-ubyte";
  write_file(p, idx_bytes(0x08, {2, 3, 4}, sf_test::iota_bytes(20)));
  const auto msg = data_loss_message(p);
  CHECK_THAT(msg, Contains("staticflow::data::read_idx") && Contains(p.string()) &&
                      Contains("header says 40 bytes, file has 36"));
}

TEST_CASE("read_idx reports a file with extra bytes", "[data][idx]") {
  sf_test::temp_dir dir;
  write_file(dir / "a.idx", idx_bytes(0x08, {2, 3, 4}, sf_test::iota_bytes(27)));
  CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("header says 40 bytes, file has 43"));
}

TEST_CASE("read_idx reports a header cut short", "[data][idx]") {
  sf_test::temp_dir dir;
  SECTION("empty file") {
    write_file(dir / "a.idx", {});
    CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("file has 0 bytes"));
  }
  SECTION("dims missing") {
    // Declares 3 dimensions (16-byte header) but holds only 4 + 5 bytes.
    write_file(dir / "a.idx", {0, 0, 0x08, 3, 0, 0, 0, 2, 0});
    CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("need 16 bytes, file has 9"));
  }
}

TEST_CASE("read_idx rejects a bad magic and names the bytes", "[data][idx]") {
  sf_test::temp_dir dir;
  SECTION("non-zero leading bytes") {
    bytes file = idx_bytes(0x08, {4}, {1, 2, 3, 4});
    file[0] = 0x50;  // 'P', as in a PNG or text file
    file[1] = 0x4b;
    write_file(dir / "a.idx", file);
    CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("0x50 0x4b 0x08 0x01") && Contains("a.idx"));
  }
  SECTION("unknown dtype code") {
    write_file(dir / "a.idx", idx_bytes(0x07, {4}, {1, 2, 3, 4}));
    CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("dtype code 0x07"));
  }
  SECTION("zero dimensions") {
    write_file(dir / "a.idx", {0, 0, 0x08, 0, 1, 2, 3});
    CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("declares 0 dimensions"));
  }
  SECTION("five dimensions") {
    write_file(dir / "a.idx", idx_bytes(0x08, {1, 1, 1, 1, 1}, {9}));
    CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("declares 5 dimensions"));
  }
}

TEST_CASE("read_idx rejects dimensions whose byte count overflows", "[data][idx]") {
  sf_test::temp_dir dir;
  // float64 with 4 x (2^32 - 1) elements: 2^128 * 8 bytes, far beyond 64 bits.
  const std::uint32_t m = 0xFFFFFFFFu;
  write_file(dir / "a.idx", idx_bytes(0x0E, {m, m, m, m}, {}));
  CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("overflow"));
}

TEST_CASE("read_idx compares the size before allocating for huge plain headers", "[data][idx]") {
  sf_test::temp_dir dir;
  // 16-byte header + (2^32 - 1)^2 data bytes = 18446744065119617041 expected; the file has 16.
  write_file(dir / "a.idx", idx_bytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 1}, {}));
  CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("header says 18446744065119617041 bytes, file has 16"));
}

TEST_CASE("read_idx on a missing file throws not_found naming it", "[data][idx]") {
  sf_test::temp_dir dir;
  const auto p = dir / "no-such-file";
  CHECK_THROWS_MATCHES(sf::data::read_idx(p), sf::not_found, Catch::Matchers::Message(
      "staticflow::data::read_idx: '" + p.string() + "': no such file"));
  CHECK_THROWS_MATCHES(sf::data::read_idx(dir.path), sf::not_found, Catch::Matchers::Message(
      "staticflow::data::read_idx: '" + dir.path.string() + "': is a directory, not an IDX file"));
}

TEST_CASE("read_idx checks the expected rank and dtype on the magic, before the dimensions", "[data][idx]") {
  sf_test::temp_dir dir;
  const sf::data::idx_expectation labels{.role = "labels", .rank = 1, .dtype = sf::data::idx_dtype::uint8};
  SECTION("a labels file whose magic says rank 3") {
    // 60008 bytes of a real labels file with its fourth magic byte damaged to 3: read as dimensions,
    // the first labels would give an absurd size; the role check must come first.
    bytes file = idx_bytes(0x08, {60000}, bytes(60000, 7));
    file[3] = 3;
    write_file(dir / "train-labels-idx1-ubyte", file);
    CHECK_THROWS_MATCHES(sf::data::read_idx(dir / "train-labels-idx1-ubyte", labels), sf::data_loss,
                         Catch::Matchers::Message("staticflow::data::read_idx: '" +
                                                  (dir / "train-labels-idx1-ubyte").string() +
                                                  "': not a labels file (rank 3, expected 1): its magic "
                                                  "0x00 0x00 0x08 0x03 declares uint8 with 3 dimensions"));
    // Without an expectation the labels are taken for dimensions: what the old message said.
    CHECK_THAT(data_loss_message(dir / "train-labels-idx1-ubyte"), Contains("absurd IDX dimensions 60000 x"));
  }
  SECTION("an images file where labels belong") {
    write_file(dir / "l", idx_bytes(0x08, {2, 2, 2}, bytes(8, 1)));
    CHECK_THROWS_WITH(sf::data::read_idx(dir / "l", labels), Contains("not a labels file (rank 3, expected 1)"));
  }
  SECTION("images of the wrong rank or dtype") {
    const sf::data::idx_expectation images{.role = "images", .rank = 3, .dtype = sf::data::idx_dtype::uint8};
    write_file(dir / "i2", idx_bytes(0x08, {12, 4}, bytes(48, 0)));
    CHECK_THROWS_WITH(sf::data::read_idx(dir / "i2", images),
                      Contains("not an images file (rank 2, expected 3)") && Contains("uint8 with 2 dimensions"));
    write_file(dir / "if", idx_bytes(0x0D, {1, 1, 1}, bytes(4, 0)));
    CHECK_THROWS_WITH(sf::data::read_idx(dir / "if", images),
                      Contains("not an images file (dtype float32, expected uint8)") &&
                          Contains("float32 with 3 dimensions"));
  }
  SECTION("rank 1 is singular") {
    write_file(dir / "one", idx_bytes(0x0C, {1}, bytes(4, 0)));
    CHECK_THROWS_WITH(sf::data::read_idx(dir / "one", labels),
                      Contains("not a labels file (dtype int32, expected uint8)") &&
                          Contains("int32 with 1 dimension") && !Contains("1 dimensions"));
  }
  SECTION("a file that meets the expectation reads as before") {
    write_file(dir / "ok", idx_bytes(0x08, {3}, {1, 2, 3}));
    CHECK(sf::data::read_idx(dir / "ok", labels).bytes == bytes{1, 2, 3});
  }
}

TEST_CASE("read_idx says '1 dimension', not '1 dimensions'", "[data][idx]") {
  sf_test::temp_dir dir;
  // Declares 1 dimension (8-byte header) but holds 4 + 2 bytes.
  write_file(dir / "a.idx", {0, 0, 0x08, 1, 0, 0});
  CHECK_THAT(data_loss_message(dir / "a.idx"), Contains("header is truncated: 1 dimension need 8 bytes"));
}
