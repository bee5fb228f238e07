// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/crc32c.hpp: published check values, TF's mask, both code paths.

#include "staticflow/io/crc32c.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace io = staticflow::io;

TEST_CASE("crc32c gives the published check values", "[io][crc32c]") {
  CHECK(io::crc32c("123456789", 9) == 0xE3069283u);
  CHECK(io::crc32c("", 0) == 0u);
  // RFC 3720 (iSCSI) appendix B.4.
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) up[i] = static_cast<unsigned char>(i), down[i] = static_cast<unsigned char>(31 - i);
  CHECK(io::crc32c(zeros.data(), 32) == 0x8A9136AAu);
  CHECK(io::crc32c(ones.data(), 32) == 0x62A8AB43u);
  CHECK(io::crc32c(up.data(), 32) == 0x46DD794Eu);
  CHECK(io::crc32c(down.data(), 32) == 0x113FDB5Cu);
  CHECK(io::crc32c_portable("123456789", 9) == 0xE3069283u);
  CHECK(io::crc32c_portable(up.data(), 32) == 0x46DD794Eu);
}

TEST_CASE("crc32c_extend continues a CRC over split input", "[io][crc32c]") {
  const std::string s = "The quick brown fox jumps over the lazy dog";
  for (std::size_t cut = 0; cut <= s.size(); ++cut)
    CHECK(io::crc32c_extend(io::crc32c(s.data(), cut), s.data() + cut, s.size() - cut) == io::crc32c(s.data(), s.size()));
}

TEST_CASE("TF's mask rotates and adds, and unmask inverts it", "[io][crc32c]") {
  CHECK(io::crc32c_mask(0) == 0xa282ead8u);
  // A CRC of 0x00008000 rotated right by 15 is 1.
  CHECK(io::crc32c_mask(0x00008000u) == 0xa282ead9u);
  for (std::uint32_t v : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu, 0x12345678u}) CHECK(io::crc32c_unmask(io::crc32c_mask(v)) == v);
  // TFRecord's header of an empty record: 8 zero bytes, CRC32C 0x8a9136aa... of 8 zeros, masked.
  const unsigned char eight_zeros[8] = {};
  CHECK(io::masked_crc32c(eight_zeros, 8) == io::crc32c_mask(io::crc32c(eight_zeros, 8)));
}

TEST_CASE("the hardware and table paths agree on random lengths and alignments", "[io][crc32c]") {
  INFO("hardware CRC32C available: " << io::crc32c_hardware_available());
  std::mt19937 rng(17);
  // Up to 40000 bytes: every path of the fast one (with VPCLMULQDQ, folding from 1 KiB on in
  // 256-byte steps; folding from 128 bytes on in 64-byte steps; then the crc32 instruction 8
  // bytes and 1 byte at a time) and their boundaries.
  std::vector<unsigned char> buf(40000 + 16);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  const std::size_t edges[] = {127, 128, 129, 135, 136, 191, 192, 193, 255, 256, 1023, 1024, 1025, 1279, 1280, 1281, 1407, 12289};
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t offset = rng() % 16;
    const std::size_t n = trial < 64   ? static_cast<std::size_t>(trial)
                          : trial < 82 ? edges[trial - 64]
                          : trial % 4  ? rng() % 4096
                                       : rng() % 40000;
    INFO("offset " << offset << " length " << n);
    REQUIRE(io::crc32c(buf.data() + offset, n) == io::crc32c_portable(buf.data() + offset, n));
  }
}
