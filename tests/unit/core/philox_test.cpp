// SPDX-License-Identifier: MIT
/// \file
/// \brief Philox-4x32-10 against Random123's published known-answer vectors, and the [0,1) conversions.
#include "staticflow/core/philox.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

namespace sf = staticflow;

namespace {

void check_block(const sf::u32x4& got, std::uint32_t e0, std::uint32_t e1, std::uint32_t e2, std::uint32_t e3) {
  CHECK(got.v[0] == e0);
  CHECK(got.v[1] == e1);
  CHECK(got.v[2] == e2);
  CHECK(got.v[3] == e3);
}

}  // namespace

// The three philox4x32 R=10 lines of Random123's tests/kat_vectors (also used by TensorFlow's and
// NumPy's Philox tests).
TEST_CASE("philox4x32_10 matches the Random123 known answers", "[core][random][philox]") {
  SECTION("zero counter, zero key") {
    check_block(sf::philox4x32_10(sf::u32x4{{0, 0, 0, 0}}, sf::u32x2{{0, 0}}), 0x6627e8d5u, 0xe169c58du,
                0xbc57ac4cu, 0x9b00dbd8u);
  }
  SECTION("all-ones counter and key") {
    check_block(sf::philox4x32_10(sf::u32x4{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}},
                                  sf::u32x2{{0xffffffffu, 0xffffffffu}}),
                0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu);
  }
  SECTION("digits of pi") {
    check_block(sf::philox4x32_10(sf::u32x4{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
                                  sf::u32x2{{0xa4093822u, 0x299f31d0u}}),
                0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
  }
}

TEST_CASE("philox4x32_10 is a pure function that depends on every input word", "[core][random][philox]") {
  const sf::u32x4 c{{1, 2, 3, 4}};
  const sf::u32x2 k{{5, 6}};
  const sf::u32x4 base = sf::philox4x32_10(c, k);
  const sf::u32x4 again = sf::philox4x32_10(c, k);
  for (int j = 0; j < 4; ++j) CHECK(base.v[j] == again.v[j]);

  auto differs = [&](const sf::u32x4& other) {
    int same = 0;
    for (int j = 0; j < 4; ++j) same += other.v[j] == base.v[j] ? 1 : 0;
    return same < 4;
  };
  for (int j = 0; j < 4; ++j) {
    sf::u32x4 c2 = c;
    c2.v[j] ^= 1u;
    CHECK(differs(sf::philox4x32_10(c2, k)));
  }
  for (int j = 0; j < 2; ++j) {
    sf::u32x2 k2 = k;
    k2.v[j] ^= 1u;
    CHECK(differs(sf::philox4x32_10(c, k2)));
  }
}

TEST_CASE("uint32 to float conversions cover [0,1) and (0,1]", "[core][random][philox]") {
  const float ulp = 1.0f / 16777216.0f;  // 2^-24
  CHECK(sf::uniform01_float(0u) == 0.0f);
  CHECK(sf::uniform01_float(0xffffffffu) == 1.0f - ulp);
  CHECK(sf::uniform01_float(0xffffffffu) < 1.0f);
  CHECK(sf::uniform01_float(0x80000000u) == 0.5f);
  CHECK(sf::uniform01_float(0x000000ffu) == 0.0f);  // the low 8 bits are dropped
  CHECK(sf::uniform01_float(0x00000100u) == ulp);

  CHECK(sf::uniform01_float_nonzero(0u) == ulp);
  CHECK(sf::uniform01_float_nonzero(0xffffffffu) == 1.0f);
  CHECK(sf::uniform01_float_nonzero(0x7fffffffu) == 0.5f);
}

TEST_CASE("two uint32 to double conversions cover [0,1) and (0,1] with 53 bits", "[core][random][philox]") {
  const double ulp = 1.0 / 9007199254740992.0;  // 2^-53
  CHECK(sf::uniform01_double(0u, 0u) == 0.0);
  CHECK(sf::uniform01_double(0xffffffffu, 0xffffffffu) == 1.0 - ulp);
  CHECK(sf::uniform01_double(0xffffffffu, 0xffffffffu) < 1.0);
  CHECK(sf::uniform01_double(0x80000000u, 0u) == 0.5);
  CHECK(sf::uniform01_double(0u, 0x00000040u) == ulp);            // lowest kept bit of b
  CHECK(sf::uniform01_double(0u, 0x0000003fu) == 0.0);            // the low 6 bits of b are dropped
  CHECK(sf::uniform01_double(0x00000020u, 0u) == 67108864.0 * ulp);  // lowest kept bit of a = 2^26 ulp

  CHECK(sf::uniform01_double_nonzero(0u, 0u) == ulp);
  CHECK(sf::uniform01_double_nonzero(0xffffffffu, 0xffffffffu) == 1.0);
}
