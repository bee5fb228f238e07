// SPDX-License-Identifier: MIT
/// \file
/// \brief Audio summaries: float clips to 16-bit PCM WAV and `Summary.Audio` values, as TF 1.x's
/// `tf.summary.audio` writes them.
///
/// WAV (RIFF) as TF's EncodeAudioAsS16LEWav lays it out, all integers little-endian:
/// ```
///   "RIFF" u32(36 + data bytes) "WAVE"
///   "fmt " u32(16) u16(1: PCM) u16(channels) u32(rate) u32(rate * channels * 2) u16(channels * 2) u16(16)
///   "data" u32(data bytes) then the samples, frame by frame, channels interleaved
/// ```
/// A sample x becomes `roundf(x * 32768)` clamped to [-32768, 32767] (TF's FloatToInt16Sample).
/// Tags: `<tag>/audio` when max_outputs is 1, else `<tag>/audio/<i>`; content_type "audio/wav".
#pragma once
#ifndef STATICFLOW_SUMMARY_AUDIO_HPP
#define STATICFLOW_SUMMARY_AUDIO_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/node.hpp"
#include "staticflow/summary/event.hpp"

namespace staticflow::summary {

namespace detail {
inline void wav_u16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
inline void wav_u32(std::string& out, std::uint32_t v) {
  wav_u16(out, v & 0xFFFF);
  wav_u16(out, v >> 16);
}
/// TF's FloatToInt16Sample.
inline std::int16_t to_s16(float x) {
  return static_cast<std::int16_t>(std::clamp(std::round(x * 32768.0f), -32768.0f, 32767.0f));
}
}  // namespace detail

/// A 16-bit PCM WAV file of `samples` (frames of `channels` interleaved floats in [-1, 1]).
///
/// **Errors**: invalid_argument for no channels, a sample count that is not a whole number of
/// frames, a clip over WAV's 4 GiB, a sample rate that is not a positive integer up to 2^31-1,
/// or a NaN sample (naming its index).
inline std::string encode_wav(std::span<const float> samples, std::size_t channels, float sample_rate) {
  if (channels == 0 || channels > 0xFFFF || samples.size() % channels != 0)
    staticflow::detail::fail<invalid_argument>({"sf::summary::encode_wav: ", samples.size(), " samples are not frames of ",
                                                channels, " channels"});
  if (!(sample_rate >= 1 && sample_rate <= 2147483647.0f) || sample_rate != std::floor(sample_rate))
    staticflow::detail::fail<invalid_argument>({"sf::summary::encode_wav: sample rate ", sample_rate,
                                                " is not a positive whole number of hertz"});
  if (samples.size() > (0xFFFFFFFFu - 36) / 2)
    staticflow::detail::fail<invalid_argument>({"sf::summary::encode_wav: ", samples.size(), " samples exceed WAV's 4 GiB"});
  const auto rate = static_cast<std::uint32_t>(sample_rate);
  const auto data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::string out = "RIFF";
  out.reserve(44 + data_bytes);
  detail::wav_u32(out, 36 + data_bytes);
  out += "WAVEfmt ";
  detail::wav_u32(out, 16);
  detail::wav_u16(out, 1);
  detail::wav_u16(out, static_cast<std::uint32_t>(channels));
  detail::wav_u32(out, rate);
  detail::wav_u32(out, rate * static_cast<std::uint32_t>(channels) * 2);
  detail::wav_u16(out, static_cast<std::uint32_t>(channels * 2));
  detail::wav_u16(out, 16);
  out += "data";
  detail::wav_u32(out, data_bytes);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (std::isnan(samples[i]))
      staticflow::detail::fail<invalid_argument>({"sf::summary::encode_wav: NaN at sample ", i});
    detail::wav_u16(out, static_cast<std::uint16_t>(detail::to_s16(samples[i])));
  }
  return out;
}

/// The Summary of up to `max_outputs` clips of a host float tensor [N, frames, channels] or
/// [N, frames] (one channel).
template <class Tensor>
std::string audio_summary(std::string_view tag, const Tensor& clips, float sample_rate, std::size_t max_outputs) {
  const auto& d = clips.dims();
  constexpr std::size_t rank = std::remove_cvref_t<decltype(d)>::size();
  static_assert(rank == 2 || rank == 3, "sf::summary::audio_summary: clips are [N, frames, channels] or [N, frames]");
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(*clips.span().data())>, float>,
                "sf::summary::audio_summary: samples are floats in [-1, 1]");
  const std::size_t n = d[0], frames = d[1], channels = rank == 3 ? d[2] : 1, per_clip = frames * channels;
  const auto values = clips.span();
  std::string summary;
  for (std::size_t i = 0; i < std::min(n, max_outputs); ++i) {
    const std::string name = max_outputs > 1 ? std::string(tag) + "/audio/" + std::to_string(i) : std::string(tag) + "/audio";
    append_audio(summary, name, sample_rate, static_cast<std::int64_t>(channels), static_cast<std::int64_t>(frames),
                 encode_wav(std::span<const float>(values.data() + i * per_clip, per_clip), channels, sample_rate));
  }
  return summary;
}

/// An audio summary in the graph (`tf.summary.audio`; see summary/ops.hpp).
template <class E>
struct audio_op {
  std::string tag;
  E clips;
  float sample_rate;
  std::size_t max_outputs;
  template <class Session, class... F>
  std::string run_on(Session& s, const F&... feeds) const {
    return audio_summary(tag, s.run(clips, feeds...), sample_rate, max_outputs);
  }
};

template <operand E>
audio_op<node_t<E>> audio(std::string_view tag, const E& clips, float sample_rate, std::size_t max_outputs = 3) {
  return {std::string(tag), as_node(clips), sample_rate, max_outputs};
}

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_AUDIO_HPP
