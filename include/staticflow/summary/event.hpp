// SPDX-License-Identifier: MIT
/// \file
/// \brief TensorBoard's `Event` and `Summary` messages, encoded on `io/protobuf.hpp`.
///
/// Field numbers from TensorFlow's published event.proto, summary.proto and tensor.proto:
/// ```
///   Event         wall_time 1 (double), step 2 (int64), file_version 3 (string),
///                 summary 5 (Summary), session_log 7 (SessionLog)
///   SessionLog    status 1 (enum: START 1, STOP 2, CHECKPOINT 3), checkpoint_path 2, msg 3
///   Summary       value 1 (repeated Value)
///   Value         tag 1, simple_value 2 (float), image 4, histo 5 (HistogramProto), audio 6,
///                 tensor 8 (TensorProto), metadata 9 (SummaryMetadata)
///   Image         height 1, width 2, colorspace 3 (int32), encoded_image_string 4 (bytes)
///   Audio         sample_rate 1 (float), num_channels 2, length_frames 3 (int64),
///                 encoded_audio_string 4 (bytes), content_type 5 (string)
///   SummaryMetadata  plugin_data 1 { plugin_name 1, content 2 }
///   TensorProto   dtype 1 (DT_STRING = 7), tensor_shape 2 (TensorShapeProto), string_val 8
/// ```
/// Fields go out in field-number order and proto3's default values (0, empty) are left out, as
/// protobuf's own serializers do, so each message is the bytes TensorFlow would write for it.
/// A Summary is `repeated Value value = 1`, so the concatenation of serialized Summaries is the
/// serialized Summary of all their values (what `merge_all` needs).
#pragma once
#ifndef STATICFLOW_SUMMARY_EVENT_HPP
#define STATICFLOW_SUMMARY_EVENT_HPP

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "staticflow/io/protobuf.hpp"
#include "staticflow/summary/histogram.hpp"
#include "staticflow/summary/proto3_fields.hpp"

namespace staticflow::summary {

/// The `file_version` of the first record of every events file TensorBoard reads.
inline constexpr std::string_view file_version = "brain.Event:2";

/// `SessionLog.SessionStatus`.
enum class session_status : std::uint8_t { unspecified = 0, start = 1, stop = 2, checkpoint = 3 };

namespace detail {

namespace event_field {
inline constexpr std::uint32_t wall_time = 1, step = 2, file_version = 3, graph_def = 4, summary = 5, session_log = 7;
}
namespace value_field {
inline constexpr std::uint32_t tag = 1, simple_value = 2, image = 4, histo = 5, audio = 6, tensor = 8, metadata = 9;
}
inline constexpr std::uint32_t summary_value = 1;
inline constexpr std::uint64_t dt_string = 7;  // types.proto: DataType.DT_STRING

/// Appends one `Summary.value` whose body `body(w)` writes (after the tag).
template <class Body>
void append_value(std::string& summary, std::string_view tag, Body&& body) {
  io::proto::writer w(summary);
  w.message(summary_value, [&](io::proto::writer& v) {
    put_string(v, value_field::tag, tag);
    body(v);
  });
}

/// An Event's wall time and step, then its one `what` field written by `what(w)`.
template <class What>
std::string encode_event(double wall_time, std::int64_t step, What&& what) {
  io::proto::writer w;
  put_double(w, event_field::wall_time, wall_time);
  put_int64(w, event_field::step, step);
  what(w);
  return w.take();
}

}  // namespace detail

// ============================================================= Summary values

/// Appends a scalar value (`simple_value`, a float as TF stores it).
inline void append_scalar(std::string& summary, std::string_view tag, float value) {
  detail::append_value(summary, tag, [&](io::proto::writer& w) {
    // Always written, 0 included: simple_value is a member of Summary.Value's oneof `value`,
    // which proto3 serializes even at its default (a scalar 0 omitted would be no scalar at all).
    w.float32(detail::value_field::simple_value, value);
  });
}

/// Appends a histogram value (`histo`).
inline void append_histogram(std::string& summary, std::string_view tag, const value_histogram& h) {
  detail::append_value(summary, tag, [&](io::proto::writer& w) {
    w.message(detail::value_field::histo, [&](io::proto::writer& m) { h.encode_fields(m); });
  });
}

/// Appends an image value: an encoded image (PNG) of `height` x `width` with `channels`
/// channels (Summary.Image's colorspace: 1 grayscale, 2 grayscale + alpha, 3 RGB, 4 RGBA).
inline void append_image(std::string& summary, std::string_view tag, std::int64_t height, std::int64_t width,
                         std::int64_t channels, std::string_view encoded) {
  detail::append_value(summary, tag, [&](io::proto::writer& w) {
    w.message(detail::value_field::image, [&](io::proto::writer& m) {
      detail::put_int64(m, 1, height);
      detail::put_int64(m, 2, width);
      detail::put_int64(m, 3, channels);
      detail::put_string(m, 4, encoded);
    });
  });
}

/// Appends an audio value: an encoded clip (WAV) of `frames` frames of `channels` channels.
inline void append_audio(std::string& summary, std::string_view tag, float sample_rate, std::int64_t channels,
                         std::int64_t frames, std::string_view encoded, std::string_view content_type = "audio/wav") {
  detail::append_value(summary, tag, [&](io::proto::writer& w) {
    w.message(detail::value_field::audio, [&](io::proto::writer& m) {
      detail::put_float(m, 1, sample_rate);
      detail::put_int64(m, 2, channels);
      detail::put_int64(m, 3, frames);
      detail::put_string(m, 4, encoded);
      detail::put_string(m, 5, content_type);
    });
  });
}

/// Appends a text value as TF 1.x's `tf.summary.text` does: a scalar DT_STRING tensor with
/// metadata naming the plugin "text".
inline void append_text(std::string& summary, std::string_view tag, std::string_view text) {
  detail::append_value(summary, tag, [&](io::proto::writer& w) {
    w.message(detail::value_field::tensor, [&](io::proto::writer& t) {
      t.uint64(1, detail::dt_string);
      t.length_delimited_header(2, 0);  // tensor_shape {}: a scalar (present, with no dims)
      t.bytes(8, text);                 // string_val, written even when empty: it is repeated
    });
    w.message(detail::value_field::metadata, [&](io::proto::writer& m) {
      m.message(1, [&](io::proto::writer& p) { p.bytes(1, "text"); });
    });
  });
}

// ==================================================================== Events

/// The first record of an events file: `file_version: "brain.Event:2"`.
inline std::string encode_file_version_event(double wall_time) {
  return detail::encode_event(wall_time, 0, [](io::proto::writer& w) { w.bytes(detail::event_field::file_version, file_version); });
}

/// An Event holding a serialized Summary (one or more values).
inline std::string encode_summary_event(double wall_time, std::int64_t step, std::string_view summary) {
  return detail::encode_event(wall_time, step, [&](io::proto::writer& w) { w.bytes(detail::event_field::summary, summary); });
}

/// An Event holding a serialized GraphDef (`graph_def`, field 4): TensorBoard's graph tab.
inline std::string encode_graph_event(double wall_time, std::int64_t step, std::string_view graph_def) {
  return detail::encode_event(wall_time, step, [&](io::proto::writer& w) { w.bytes(detail::event_field::graph_def, graph_def); });
}

/// An Event holding a SessionLog (START when a run starts or resumes, CHECKPOINT when one is saved).
inline std::string encode_session_log_event(double wall_time, std::int64_t step, session_status status,
                                            std::string_view checkpoint_path = {}, std::string_view msg = {}) {
  return detail::encode_event(wall_time, step, [&](io::proto::writer& w) {
    w.message(detail::event_field::session_log, [&](io::proto::writer& s) {
      detail::put_int64(s, 1, static_cast<std::int64_t>(status));
      detail::put_string(s, 2, checkpoint_path);
      detail::put_string(s, 3, msg);
    });
  });
}

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_EVENT_HPP
