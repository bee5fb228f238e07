// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/audio.hpp: the WAV bytes of a small clip built by hand from
/// the RIFF layout, TF's sample rounding and clamping, the Summary.Audio value and the tags.

#include "staticflow/summary/audio.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

#include "staticflow/core/tensor.hpp"

namespace sf = staticflow;
namespace summary = staticflow::summary;
using Catch::Matchers::Contains;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}
}  // namespace

TEST_CASE("encode_wav: RIFF header, then samples as roundf(x * 32768) clamped") {
  // Two stereo frames at 8000 Hz: 0, 0.5 | -1, 1.5 -> 0, 16384 (0x4000), -32768 (0x8000),
  // 32767 (0x7FFF, clamped). Data 8 bytes; RIFF size 36 + 8 = 44; byte rate 8000 * 2 * 2 =
  // 32000 (0x7D00); block align 4.
  const std::vector<float> s = {0.0f, 0.5f, -1.0f, 1.5f};
  const std::string want = "RIFF" + bytes({44, 0, 0, 0}) + "WAVEfmt " + bytes({16, 0, 0, 0, 1, 0, 2, 0}) +
                           bytes({0x40, 0x1F, 0, 0, 0x00, 0x7D, 0, 0, 4, 0, 16, 0}) + "data" + bytes({8, 0, 0, 0}) +
                           bytes({0, 0, 0x00, 0x40, 0x00, 0x80, 0xFF, 0x7F});
  CHECK(summary::encode_wav(s, 2, 8000.0f) == want);
  // Rounding half away from zero: 1.5 / 32768 -> 2, -1.5 / 32768 -> -2, -2.0 -> -32768.
  const std::vector<float> r = {1.5f / 32768.0f, -1.5f / 32768.0f, -2.0f};
  CHECK(summary::encode_wav(r, 1, 100.0f).substr(44) == bytes({2, 0, 0xFE, 0xFF, 0x00, 0x80}));
}

TEST_CASE("encode_wav: bad input is invalid_argument") {
  const std::vector<float> three = {0.f, 0.f, 0.f};
  CHECK_THROWS_AS(summary::encode_wav(three, 2, 8000.0f), sf::invalid_argument);
  CHECK_THROWS_AS(summary::encode_wav(three, 0, 8000.0f), sf::invalid_argument);
  CHECK_THROWS_AS(summary::encode_wav(three, 1, 0.0f), sf::invalid_argument);
  CHECK_THROWS_AS(summary::encode_wav(three, 1, 44100.5f), sf::invalid_argument);
  const std::vector<float> nan = {0.f, std::numeric_limits<float>::quiet_NaN()};
  CHECK_THROWS_WITH(summary::encode_wav(nan, 1, 8000.0f), Contains("NaN at sample 1"));
}

TEST_CASE("audio_summary: Summary.Audio fields and TF 1.x's tags") {
  sf::tensor<float, sf::shape<3, 2>> clips;  // 3 mono clips of 2 frames
  for (std::size_t i = 0; i < 6; ++i) clips.span()[i] = 0.0f;
  std::string one;
  summary::append_audio(one, "a/audio/0", 8000.0f, 1, 2, summary::encode_wav(std::vector<float>{0.f, 0.f}, 1, 8000.0f));
  std::string two = one;
  summary::append_audio(two, "a/audio/1", 8000.0f, 1, 2, summary::encode_wav(std::vector<float>{0.f, 0.f}, 1, 8000.0f));
  CHECK(summary::audio_summary("a", clips, 8000.0f, 2) == two);
  std::string single;
  summary::append_audio(single, "a/audio", 8000.0f, 1, 2, summary::encode_wav(std::vector<float>{0.f, 0.f}, 1, 8000.0f));
  CHECK(summary::audio_summary("a", clips, 8000.0f, 1) == single);
  // The value by hand: tag "t", audio (field 6, 0x32): sample_rate (0x0D) 8000.0f = 0x45FA0000,
  // num_channels (0x10) 1, length_frames (0x18) 2, encoded (0x22) "W", content_type (0x2A) "audio/wav".
  std::string v;
  summary::append_audio(v, "t", 8000.0f, 1, 2, "W");
  const std::string audio = bytes({0x0D, 0, 0, 0xFA, 0x45, 0x10, 1, 0x18, 2, 0x22, 1, 'W', 0x2A, 9}) + "audio/wav";
  CHECK(v == bytes({0x0A, static_cast<int>(3 + 2 + audio.size()), 0x0A, 1, 't', 0x32, static_cast<int>(audio.size())}) + audio);
}
