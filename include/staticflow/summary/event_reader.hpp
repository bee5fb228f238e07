// SPDX-License-Identifier: MIT
/// \file
/// \brief Reading TensorBoard events files: `Event` and `Summary` messages decoded from the bytes.
///
/// Written from TensorFlow's published event.proto, summary.proto, tensor.proto and
/// tensor_shape.proto (copies in tests/interop/proto), not from `event.hpp`, which writes them:
/// a reader that shared the writer's field table would agree with it even where both were wrong.
/// ```
///   Event             wall_time 1 (double), step 2 (int64), file_version 3, graph_def 4 (bytes),
///                     summary 5, session_log 7
///   SessionLog        status 1 (enum), checkpoint_path 2, msg 3
///   Summary           value 1 (repeated)
///   Summary.Value     node_name 7, tag 1, metadata 9; oneof value: simple_value 2 (float),
///                     obsolete_old_style_histogram 3, image 4, histo 5, audio 6, tensor 8
///   Summary.Image     height 1, width 2, colorspace 3 (int32), encoded_image_string 4
///   Summary.Audio     sample_rate 1 (float), num_channels 2, length_frames 3, encoded_audio_string 4,
///                     content_type 5
///   HistogramProto    min 1, max 2, num 3, sum 4, sum_squares 5 (double),
///                     bucket_limit 6, bucket 7 (repeated double, packed or not)
///   SummaryMetadata   plugin_data 1 { plugin_name 1, content 2 }, display_name 2, summary_description 3
///   TensorProto       dtype 1, tensor_shape 2 { dim 2 { size 1 } }, tensor_content 4, float_val 5,
///                     double_val 6, int_val 7, string_val 8, int64_val 10
/// ```
/// TF 2.x writes its summaries as tensors with a plugin name: `scalars` (a float or double
/// scalar), `histograms` (a [k, 3] tensor of left edge, right edge, count), `images` (strings:
/// width, height, then encoded images) and `text` (strings). `event_file_reader` turns those
/// into the same values as TF 1.x's `simple_value`, `histo` and `image`, so either kind of log
/// reads the same.
///
/// Unknown fields are skipped, as protobuf's parsers do.
#pragma once
#ifndef STATICFLOW_SUMMARY_EVENT_READER_HPP
#define STATICFLOW_SUMMARY_EVENT_READER_HPP

#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/tfrecord.hpp"

namespace staticflow::summary {

/// A `HistogramProto`: bucket `i` counts the values below `bucket_limit[i]` and at or above the
/// limit before it (the first bucket has no lower edge).
struct histogram_proto {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};

/// A `Summary.Image`: an encoded image (PNG, or what `encoded` starts with says).
struct image_proto {
  std::int64_t height = 0, width = 0, colorspace = 0;
  std::string encoded;
};

/// A `Summary.Audio`: an encoded clip (`content_type`, usually audio/wav).
struct audio_proto {
  float sample_rate = 0;
  std::int64_t num_channels = 0, length_frames = 0;
  std::string encoded, content_type;
};

/// The parts of a `TensorProto` that summaries use. `content` is `tensor_content` (raw
/// little-endian elements); `floats`, `doubles`, `ints` and `strings` the repeated `*_val` fields.
struct tensor_proto {
  std::int64_t dtype = 0;  ///< types.proto's DataType: 1 float, 2 double, 3 int32, 7 string, 9 int64
  std::vector<std::int64_t> dims;
  std::string content;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<std::int64_t> ints;
  std::vector<std::string> strings;
};

/// One `Summary.Value`. `kind` says which member of the `value` oneof it held, after TF 2.x's
/// tensors were turned into the TF 1.x kinds (see the file comment): a `tensor` left as a
/// tensor is one no plugin this reader knows claimed, or a `text` one (`strings`).
struct value_proto {
  enum class kind : std::uint8_t { none, scalar, histogram, image, audio, tensor };
  std::string tag;
  std::string plugin;  ///< metadata.plugin_data.plugin_name ("" when absent)
  kind what = kind::none;
  double scalar = 0;  ///< simple_value (a float in the file)
  histogram_proto histogram;
  image_proto image;
  audio_proto audio;
  tensor_proto tensor;
};

/// A `SessionLog`: status 1 START, 2 STOP, 3 CHECKPOINT.
struct session_log_proto {
  std::int64_t status = 0;
  std::string checkpoint_path, msg;
};

/// One `Event`. At most one of file_version, graph_def, values and session_log is set, as in
/// the oneof `what` (values: the Summary's).
struct event_proto {
  double wall_time = 0;
  std::int64_t step = 0;
  std::string file_version;
  std::string graph_def;  ///< a serialized GraphDef
  std::vector<value_proto> values;
  std::optional<session_log_proto> session_log;
};

namespace detail {

namespace proto = io::proto;

inline std::string to_string(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

/// Appends the little-endian floats or doubles of `bytes` (a multiple of sizeof(T) long).
template <class T>
void append_le(std::span<const std::byte> bytes, std::vector<T>& out) {
  using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const std::size_t n = bytes.size() / sizeof(T);
  out.reserve(out.size() + n);
  for (std::size_t i = 0; i < n; ++i) {
    bits v = 0;
    for (std::size_t k = 0; k < sizeof(T); ++k)
      v |= static_cast<bits>(static_cast<bits>(std::to_integer<std::uint8_t>(bytes[i * sizeof(T) + k])) << (8 * k));
    out.push_back(std::bit_cast<T>(v));
  }
}

/// A repeated double or float field, packed (wire type 2) or one value per field.
template <class T>
void read_repeated_fixed(const proto::reader& r, const proto::field& f, std::vector<T>& out) {
  if (f.type != proto::wire_type::length_delimited) {
    if constexpr (sizeof(T) == 4)
      out.push_back(r.as_float(f));
    else
      out.push_back(r.as_double(f));
    return;
  }
  if (f.payload.size() % sizeof(T) != 0)
    r.fail_at(f.offset, "field ", f.number, ": packed ", sizeof(T) == 4 ? "floats" : "doubles", " of ",
              f.payload.size(), " bytes, not a multiple of ", sizeof(T));
  append_le(f.payload, out);
}

/// A repeated int field (int32/int64), packed or not.
inline void read_repeated_varint(const proto::reader& r, const proto::field& f, std::vector<std::int64_t>& out) {
  if (f.type != proto::wire_type::length_delimited) {
    out.push_back(r.as_int64(f));
    return;
  }
  proto::for_each_packed_varint(r, f, [&](std::uint64_t v) { out.push_back(static_cast<std::int64_t>(v)); });
}

inline histogram_proto read_histogram(proto::reader r) {
  histogram_proto h;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: h.min = r.as_double(f); break;
      case 2: h.max = r.as_double(f); break;
      case 3: h.num = r.as_double(f); break;
      case 4: h.sum = r.as_double(f); break;
      case 5: h.sum_squares = r.as_double(f); break;
      case 6: read_repeated_fixed(r, f, h.bucket_limit); break;
      case 7: read_repeated_fixed(r, f, h.bucket); break;
      default: break;
    }
  }
  return h;
}

inline image_proto read_image(proto::reader r) {
  image_proto im;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: im.height = r.as_int64(f); break;
      case 2: im.width = r.as_int64(f); break;
      case 3: im.colorspace = r.as_int64(f); break;
      case 4: im.encoded = to_string(r.as_bytes(f)); break;
      default: break;
    }
  }
  return im;
}

inline audio_proto read_audio(proto::reader r) {
  audio_proto a;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: a.sample_rate = r.as_float(f); break;
      case 2: a.num_channels = r.as_int64(f); break;
      case 3: a.length_frames = r.as_int64(f); break;
      case 4: a.encoded = to_string(r.as_bytes(f)); break;
      case 5: a.content_type = to_string(r.as_bytes(f)); break;
      default: break;
    }
  }
  return a;
}

inline std::vector<std::int64_t> read_shape(proto::reader r) {
  std::vector<std::int64_t> dims;
  for (proto::field f; r.next(f);) {
    if (f.number != 2) continue;  // dim
    proto::reader d = r.message(f);
    std::int64_t size = 0;
    for (proto::field g; d.next(g);)
      if (g.number == 1) size = d.as_int64(g);
    dims.push_back(size);
  }
  return dims;
}

inline tensor_proto read_tensor(proto::reader r) {
  tensor_proto t;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: t.dtype = r.as_int64(f); break;
      case 2: t.dims = read_shape(r.message(f)); break;
      case 4: t.content = to_string(r.as_bytes(f)); break;
      case 5: read_repeated_fixed(r, f, t.floats); break;
      case 6: read_repeated_fixed(r, f, t.doubles); break;
      case 7:
      case 10: read_repeated_varint(r, f, t.ints); break;
      case 8: t.strings.push_back(to_string(r.as_bytes(f))); break;
      default: break;
    }
  }
  return t;
}

inline std::string read_plugin_name(proto::reader r) {
  std::string name;
  for (proto::field f; r.next(f);) {
    if (f.number != 1) continue;  // plugin_data
    proto::reader p = r.message(f);
    for (proto::field g; p.next(g);)
      if (g.number == 1) name = to_string(p.as_bytes(g));
  }
  return name;
}

/// The elements of a float or double tensor as doubles (tensor_content or the *_val fields);
/// nothing for other dtypes.
inline std::vector<double> tensor_doubles(const tensor_proto& t) {
  std::vector<double> out;
  const auto content = std::as_bytes(std::span(t.content));
  if (t.dtype == 1) {
    std::vector<float> f = t.floats;
    if (!content.empty()) f.clear(), append_le(content.first(content.size() / 4 * 4), f);
    out.assign(f.begin(), f.end());
  } else if (t.dtype == 2) {
    out = t.doubles;
    if (!content.empty()) out.clear(), append_le(content.first(content.size() / 8 * 8), out);
  }
  return out;
}

/// TF 2.x's plugin tensors as TF 1.x values (see the file comment); others are left as they are.
inline void from_plugin_tensor(value_proto& v) {
  const tensor_proto& t = v.tensor;
  std::size_t elements = 1;
  for (std::int64_t d : t.dims) elements *= static_cast<std::size_t>(d < 0 ? 0 : d);
  if (v.plugin == "scalars") {
    const std::vector<double> x = tensor_doubles(t);
    if (x.size() == 1) v.what = value_proto::kind::scalar, v.scalar = x[0];
  } else if (v.plugin == "histograms" && t.dims.size() == 2 && t.dims[1] == 3) {
    const std::vector<double> x = tensor_doubles(t);
    if (x.size() != elements) return;
    histogram_proto h;
    const std::size_t k = x.size() / 3;
    for (std::size_t i = 0; i < k; ++i) {
      const double left = x[3 * i], right = x[3 * i + 1], count = x[3 * i + 2];
      if (i == 0) h.min = left, h.bucket_limit.push_back(left), h.bucket.push_back(0);
      h.bucket_limit.push_back(right), h.bucket.push_back(count);
      h.num += count, h.sum += count * (left + right) / 2;
      h.max = right;
    }
    v.histogram = std::move(h), v.what = value_proto::kind::histogram;
  } else if (v.plugin == "images" && t.dtype == 7 && t.strings.size() >= 3) {
    // Only the first image: a value_proto holds one, as TF 1.x's `<tag>/image/<i>` values do.
    image_proto im;
    std::from_chars(t.strings[0].data(), t.strings[0].data() + t.strings[0].size(), im.width);
    std::from_chars(t.strings[1].data(), t.strings[1].data() + t.strings[1].size(), im.height);
    im.encoded = t.strings[2];
    v.image = std::move(im), v.what = value_proto::kind::image;
  }
}

inline value_proto read_value(proto::reader r) {
  value_proto v;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: v.tag = to_string(r.as_bytes(f)); break;
      case 2: v.what = value_proto::kind::scalar, v.scalar = r.as_float(f); break;
      case 4: v.what = value_proto::kind::image, v.image = read_image(r.message(f, "tensorflow.Summary.Image")); break;
      case 5:
        v.what = value_proto::kind::histogram, v.histogram = read_histogram(r.message(f, "tensorflow.HistogramProto"));
        break;
      case 6: v.what = value_proto::kind::audio, v.audio = read_audio(r.message(f, "tensorflow.Summary.Audio")); break;
      case 7:
        if (v.tag.empty()) v.tag = to_string(r.as_bytes(f));  // node_name: a tag's old name
        break;
      case 8: v.what = value_proto::kind::tensor, v.tensor = read_tensor(r.message(f, "tensorflow.TensorProto")); break;
      case 9: v.plugin = read_plugin_name(r.message(f, "tensorflow.SummaryMetadata")); break;
      default: break;
    }
  }
  if (v.what == value_proto::kind::tensor) from_plugin_tensor(v);
  return v;
}

inline session_log_proto read_session_log(proto::reader r) {
  session_log_proto s;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: s.status = r.as_int64(f); break;
      case 2: s.checkpoint_path = to_string(r.as_bytes(f)); break;
      case 3: s.msg = to_string(r.as_bytes(f)); break;
      default: break;
    }
  }
  return s;
}

}  // namespace detail

/// Decodes one serialized `Event`.
///
/// **Errors**: data_loss for bytes that are not an Event ("tensorflow.Event: at byte N: ..."
/// with the offset in `record`, or in the Summary message nested in it).
inline event_proto decode_event(std::span<const std::byte> record) {
  namespace proto = io::proto;
  event_proto e;
  proto::reader r(record, "tensorflow.Event");
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: e.wall_time = r.as_double(f); break;
      case 2: e.step = r.as_int64(f); break;
      case 3: e.file_version = detail::to_string(r.as_bytes(f)); break;
      case 4: e.graph_def = detail::to_string(r.as_bytes(f)); break;
      case 5: {
        proto::reader s = r.message(f, "tensorflow.Summary");
        for (proto::field v; s.next(v);)
          if (v.number == 1) e.values.push_back(detail::read_value(s.message(v, "tensorflow.Summary.Value")));
        break;
      }
      case 7: e.session_log = detail::read_session_log(r.message(f, "tensorflow.SessionLog")); break;
      default: break;
    }
  }
  return e;
}
inline event_proto decode_event(std::string_view record) { return decode_event(std::as_bytes(std::span(record))); }

/// Reads the Events of one events file front to back.
///
/// A record with a bad CRC, a truncated end (a file still being written ends so) and a record
/// that is not an Event are skipped: each is reported to `on_error` with the file and the byte
/// offset of the record, and the reader goes on with the next valid record. Without `on_error`
/// they throw data_loss instead.
///
/// **Errors**: not_found when the file cannot be opened; data_loss as said above.
///
/// **Example:** `sf::summary::event_file_reader r(path, [](const std::string& m) { std::cerr << m << '\n'; });
/// for (sf::summary::event_proto e; r.next(e);) ...`
class event_file_reader {
 public:
  using error_handler = std::function<void(const std::string& message)>;

  explicit event_file_reader(const std::filesystem::path& path, error_handler on_error = {})
      : on_error_(std::move(on_error)), records_(path, reader_options()) {}
  event_file_reader(const event_file_reader&) = delete;  // records_ reports to this object
  event_file_reader& operator=(const event_file_reader&) = delete;

  /// The next Event decoded, or false at the end of the file.
  bool next(event_proto& e) {
    while (const auto rec = records_.next()) {
      try {
        e = decode_event(*rec);
        return true;
      } catch (const data_loss& err) {
        report(std::string(io::tfrecord_reader::who) + ": " + io::detail::quoted(path()) + ": record at byte " +
               std::to_string(records_.record_offset()) + ": " + err.what());
      }
    }
    return false;
  }

  const std::filesystem::path& path() const noexcept { return records_.path(); }
  /// Corrupt records and undecodable Events met so far.
  std::size_t errors() const noexcept { return errors_; }

 private:
  io::tfrecord_reader_options reader_options() {
    io::tfrecord_reader_options o;
    if (on_error_) {
      o.skip_corrupt = true;
      o.on_corrupt = [this](std::uint64_t, const std::string& message) { report(message); };
    }
    return o;
  }

  void report(const std::string& message) {
    ++errors_;
    if (!on_error_) staticflow::detail::fail<data_loss>({message});
    on_error_(message);
  }

  error_handler on_error_;
  std::size_t errors_ = 0;
  io::tfrecord_reader records_;
};

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_EVENT_READER_HPP
