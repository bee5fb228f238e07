// SPDX-License-Identifier: MIT
/// \file
/// \brief tf.train.Example and tf.train.SequenceExample: build, encode, decode.
///
/// The messages, from TensorFlow's `example.proto` and `feature.proto`:
/// ```
///   BytesList { repeated bytes value = 1; }        FloatList { repeated float value = 1 [packed]; }
///   Int64List { repeated int64 value = 1 [packed]; }
///   Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
///   Features  { map<string, Feature> feature = 1; }     (a map is repeated { key = 1; value = 2; })
///   FeatureList { repeated Feature feature = 1; }      FeatureLists { map<string, FeatureList> feature_list = 1; }
///   Example   { Features features = 1; }               SequenceExample { Features context = 1; FeatureLists feature_lists = 2; }
/// ```
/// Encoding writes packed lists, keys in sorted order and exact lengths (one pass, no copies of
/// sub-messages). Decoding accepts packed and unpacked floats and int64s (TF writes packed; the
/// protobuf spec requires parsers to accept both), merges repeated sub-messages and lets the
/// last oneof member and the last duplicate map key win, as protobuf does.
#pragma once
#ifndef STATICFLOW_IO_EXAMPLE_HPP
#define STATICFLOW_IO_EXAMPLE_HPP

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/protobuf.hpp"

namespace staticflow::io {

/// tf.train.BytesList. **Example:** `bytes_list{"cat", "dog"}`.
struct bytes_list {
  std::vector<std::string> value;
  bytes_list() = default;
  bytes_list(std::initializer_list<std::string> v) : value(v) {}
  explicit bytes_list(std::vector<std::string> v) : value(std::move(v)) {}
  bool operator==(const bytes_list&) const = default;
};

/// tf.train.FloatList. **Example:** `float_list{0.5f, 1.5f}`.
struct float_list {
  std::vector<float> value;
  float_list() = default;
  float_list(std::initializer_list<float> v) : value(v) {}
  explicit float_list(std::vector<float> v) : value(std::move(v)) {}
  explicit float_list(std::span<const float> v) : value(v.begin(), v.end()) {}
  bool operator==(const float_list&) const = default;
};

/// tf.train.Int64List. **Example:** `int64_list{7}`.
struct int64_list {
  std::vector<std::int64_t> value;
  int64_list() = default;
  int64_list(std::initializer_list<std::int64_t> v) : value(v) {}
  explicit int64_list(std::vector<std::int64_t> v) : value(std::move(v)) {}
  explicit int64_list(std::span<const std::int64_t> v) : value(v.begin(), v.end()) {}
  bool operator==(const int64_list&) const = default;
};

/// tf.train.Feature: no kind set, or one of the three lists. The variant's index is the oneof's
/// field number (1 bytes, 2 float, 3 int64; 0 none).
using feature = std::variant<std::monostate, bytes_list, float_list, int64_list>;

/// "bytes_list", "float_list", "int64_list" or "no kind" for a Feature's field number.
constexpr const char* feature_kind_name(std::size_t kind) noexcept {
  return kind == 1 ? "bytes_list" : kind == 2 ? "float_list" : kind == 3 ? "int64_list" : "no kind";
}

/// tf.train.Features (a map, kept sorted so encodings are deterministic).
using features = std::map<std::string, feature, std::less<>>;

/// tf.train.FeatureLists.
using feature_lists = std::map<std::string, std::vector<feature>, std::less<>>;

namespace detail {

/// Bytes of the payload of a list message (the list's own fields).
inline std::size_t list_payload_size(const feature& f) noexcept {
  if (const auto* b = std::get_if<bytes_list>(&f)) {
    std::size_t n = 0;
    for (const auto& s : b->value) n += proto::length_delimited_size(1, s.size());
    return n;
  }
  if (const auto* fl = std::get_if<float_list>(&f))
    return fl->value.empty() ? 0 : proto::length_delimited_size(1, 4 * fl->value.size());
  if (const auto* il = std::get_if<int64_list>(&f)) {
    if (il->value.empty()) return 0;
    return proto::length_delimited_size(1, proto::packed_varint_payload_size(std::span<const std::int64_t>(il->value)));
  }
  return 0;
}

/// Bytes of a Feature's payload, given its list's payload size.
inline std::size_t feature_payload_size(const feature& f, std::size_t list_size) noexcept {
  return f.index() == 0 ? 0 : proto::length_delimited_size(static_cast<std::uint32_t>(f.index()), list_size);
}

inline void write_list(proto::writer& w, const feature& f, std::size_t list_size) {
  if (f.index() == 0) return;
  w.length_delimited_header(static_cast<std::uint32_t>(f.index()), list_size);
  if (const auto* b = std::get_if<bytes_list>(&f)) {
    for (const auto& s : b->value) w.bytes(1, s);
  } else if (const auto* fl = std::get_if<float_list>(&f)) {
    w.packed_fixed<float>(1, fl->value);
  } else if (const auto* il = std::get_if<int64_list>(&f)) {
    w.packed_varints<std::int64_t>(1, il->value);
  }
}

/// One Feature message (tag and length included) in `field`.
inline void write_feature(proto::writer& w, std::uint32_t field, const feature& f) {
  const std::size_t list = list_payload_size(f);
  w.length_delimited_header(field, feature_payload_size(f, list));
  write_list(w, f, list);
}

inline std::size_t feature_size(const feature& f) noexcept { return feature_payload_size(f, list_payload_size(f)); }

inline std::size_t features_payload_size(const features& fs) noexcept {
  std::size_t n = 0;
  for (const auto& [key, f] : fs) {
    const std::size_t entry = proto::length_delimited_size(1, key.size()) + proto::length_delimited_size(2, feature_size(f));
    n += proto::length_delimited_size(1, entry);
  }
  return n;
}

/// The map entries of a Features message (its payload).
inline void write_features_payload(proto::writer& w, const features& fs) {
  for (const auto& [key, f] : fs) {
    const std::size_t list = list_payload_size(f);
    const std::size_t fsize = feature_payload_size(f, list);
    w.length_delimited_header(1, proto::length_delimited_size(1, key.size()) + proto::length_delimited_size(2, fsize));
    w.bytes(1, key);
    w.length_delimited_header(2, fsize);
    write_list(w, f, list);
  }
}

inline std::size_t feature_list_payload_size(const std::vector<feature>& steps) noexcept {
  std::size_t n = 0;
  for (const auto& f : steps) n += proto::length_delimited_size(1, feature_size(f));
  return n;
}

// --------------------------------------------------------------------------------- decoding

/// Appends the values of a list message of kind `kind` (1, 2, 3) to `out`.
inline void read_list(proto::reader r, std::size_t kind, feature& out) {
  for (proto::field f; r.next(f);) {
    if (f.number != 1) continue;  // unknown field: skipped
    if (kind == 1) {
      std::get<bytes_list>(out).value.emplace_back(r.as_string(f));
    } else if (kind == 2) {
      auto& v = std::get<float_list>(out).value;
      if (f.type == proto::wire_type::fixed32) {
        v.push_back(r.as_float(f));
      } else {
        const auto p = r.as_bytes(f);
        if (p.size() % 4 != 0) r.fail_at(f.offset, "packed float_list of ", p.size(), " bytes, not a multiple of 4");
        const std::size_t old = v.size();
        v.resize(old + p.size() / 4);
        for (std::size_t i = 0; i < p.size() / 4; ++i) {
          std::uint32_t bits = 0;
          for (int b = 3; b >= 0; --b) bits = (bits << 8) | static_cast<std::uint8_t>(p[4 * i + b]);
          v[old + i] = std::bit_cast<float>(bits);
        }
      }
    } else {
      auto& v = std::get<int64_list>(out).value;
      if (f.type == proto::wire_type::varint) {
        v.push_back(r.as_int64(f));
      } else {
        v.reserve(v.size() + proto::count_packed_varints(r.as_bytes(f)));
        proto::for_each_packed_varint(r, f, [&](std::uint64_t x) { v.push_back(static_cast<std::int64_t>(x)); });
      }
    }
  }
}

/// Sets `out` to `kind` (keeping its values when it already is of that kind: protobuf merges).
inline void set_kind(feature& out, std::size_t kind) {
  if (out.index() == kind) return;
  if (kind == 1) out = bytes_list{};
  else if (kind == 2) out = float_list{};
  else out = int64_list{};
}

inline feature read_feature(proto::reader r) {
  feature out;
  for (proto::field f; r.next(f);) {
    if (f.number < 1 || f.number > 3) continue;
    set_kind(out, f.number);
    read_list(r.message(f), f.number, out);
  }
  return out;
}

/// key and value views of one map entry (missing ones are empty, as protobuf defaults).
struct map_entry {
  std::string_view key;
  std::span<const std::byte> value;
  std::size_t value_offset = 0;
  bool has_value = false;
};

inline map_entry read_map_entry(proto::reader r) {
  map_entry e;
  for (proto::field f; r.next(f);) {
    if (f.number == 1) e.key = r.as_string(f);
    else if (f.number == 2) e.value = r.as_bytes(f), e.value_offset = f.payload_offset, e.has_value = true;
  }
  return e;
}

/// Rethrows a data_loss from inside feature `key` with the key added.
[[noreturn]] inline void rethrow_in_feature(const data_loss& e, std::string_view key) {
  staticflow::detail::fail<data_loss>({e.what(), " (in feature '", key, "')"});
}

inline void read_features(proto::reader r, features& out) {
  for (proto::field f; r.next(f);) {
    if (f.number != 1) continue;
    const map_entry e = read_map_entry(r.message(f));
    try {
      out[std::string(e.key)] = read_feature(proto::reader(e.value, r.context(), e.value_offset));
    } catch (const data_loss& err) {
      rethrow_in_feature(err, e.key);
    }
  }
}

inline std::vector<feature> read_feature_list(proto::reader r) {
  std::vector<feature> steps;
  for (proto::field f; r.next(f);)
    if (f.number == 1) steps.push_back(read_feature(r.message(f)));
  return steps;
}

inline void read_feature_lists(proto::reader r, feature_lists& out) {
  for (proto::field f; r.next(f);) {
    if (f.number != 1) continue;
    const map_entry e = read_map_entry(r.message(f));
    try {
      out[std::string(e.key)] = read_feature_list(proto::reader(e.value, r.context(), e.value_offset));
    } catch (const data_loss& err) {
      rethrow_in_feature(err, e.key);
    }
  }
}

inline std::span<const std::byte> byte_view(std::string_view s) noexcept {
  return std::as_bytes(std::span(s.data(), s.size()));
}

}  // namespace detail

/// tf.train.Example: named feature lists of one record.
///
/// **Example:** `sf::io::example ex; ex.add("label", sf::io::int64_list{7}).add("pixels",
/// sf::io::float_list(pixels)); tfrecord_writer.write(ex.encode());`
struct example {
  io::features features;

  /// Sets feature `key` (replacing one of that name); returns `*this` for chaining.
  example& add(std::string key, feature value) {
    features[std::move(key)] = std::move(value);
    return *this;
  }
  /// The feature `key`, or null when there is none.
  const feature* find(std::string_view key) const {
    const auto it = features.find(key);
    return it == features.end() ? nullptr : &it->second;
  }
  /// The list of type `List` in feature `key`. **Errors**: not_found without it,
  /// invalid_argument when it holds another kind.
  template <class List>
  const List& get(std::string_view key) const {
    const feature* f = find(key);
    if (!f) staticflow::detail::fail<not_found>({"staticflow::io::example::get: no feature '", key, "'"});
    const List* l = std::get_if<List>(f);
    if (!l)
      staticflow::detail::fail<invalid_argument>({"staticflow::io::example::get: feature '", key, "' is a ",
                                                  feature_kind_name(f->index()), ", not a ",
                                                  feature_kind_name(feature(List{}).index())});
    return *l;
  }

  /// Bytes of encode()'s result.
  std::size_t encoded_size() const noexcept {
    return features.empty() ? 0 : proto::length_delimited_size(1, detail::features_payload_size(features));
  }
  /// Appends the serialized Example to `out`.
  void encode_to(std::string& out) const {
    if (features.empty()) return;
    proto::writer w(out);
    w.reserve(out.size() + encoded_size());
    w.length_delimited_header(1, detail::features_payload_size(features));
    detail::write_features_payload(w, features);
  }
  /// The serialized Example (what TF's `SerializeToString()` gives for the same features).
  std::string encode() const {
    std::string out;
    encode_to(out);
    return out;
  }

  /// Parses a serialized Example. **Errors**: data_loss naming the offset, and the feature when
  /// inside one, for malformed bytes.
  static example decode(std::span<const std::byte> bytes) {
    example ex;
    proto::reader r(bytes, "staticflow::io::example::decode: tf.train.Example");
    for (proto::field f; r.next(f);)
      if (f.number == 1) detail::read_features(r.message(f), ex.features);
    return ex;
  }
  static example decode(std::string_view bytes) { return decode(detail::byte_view(bytes)); }

  bool operator==(const example&) const = default;
};

/// tf.train.SequenceExample: context features plus lists of features per time step.
///
/// **Example:** `sf::io::sequence_example s; s.add_context("length", int64_list{3});
/// s.add_step("tokens", int64_list{12}); s.add_step("tokens", int64_list{7});`
struct sequence_example {
  io::features context;
  io::feature_lists feature_lists;

  sequence_example& add_context(std::string key, feature value) {
    context[std::move(key)] = std::move(value);
    return *this;
  }
  /// Appends one time step to the feature list `key`.
  sequence_example& add_step(std::string_view key, feature value) {
    auto it = feature_lists.find(key);
    if (it == feature_lists.end()) it = feature_lists.emplace(std::string(key), std::vector<feature>{}).first;
    it->second.push_back(std::move(value));
    return *this;
  }

  std::string encode() const {
    std::string out;
    proto::writer w(out);
    if (!context.empty()) {
      w.length_delimited_header(1, detail::features_payload_size(context));
      detail::write_features_payload(w, context);
    }
    if (!feature_lists.empty()) w.length_delimited_header(2, feature_lists_payload_size()), write_feature_lists(w);
    return out;
  }

  static sequence_example decode(std::span<const std::byte> bytes) {
    sequence_example s;
    proto::reader r(bytes, "staticflow::io::sequence_example::decode: tf.train.SequenceExample");
    for (proto::field f; r.next(f);) {
      if (f.number == 1) detail::read_features(r.message(f), s.context);
      else if (f.number == 2) detail::read_feature_lists(r.message(f), s.feature_lists);
    }
    return s;
  }
  static sequence_example decode(std::string_view bytes) { return decode(detail::byte_view(bytes)); }

  bool operator==(const sequence_example&) const = default;

 private:
  std::size_t feature_lists_payload_size() const noexcept {
    std::size_t n = 0;
    for (const auto& [key, steps] : feature_lists) {
      const std::size_t entry = proto::length_delimited_size(1, key.size()) +
                                proto::length_delimited_size(2, detail::feature_list_payload_size(steps));
      n += proto::length_delimited_size(1, entry);
    }
    return n;
  }
  void write_feature_lists(proto::writer& w) const {
    for (const auto& [key, steps] : feature_lists) {
      const std::size_t list = detail::feature_list_payload_size(steps);
      w.length_delimited_header(1, proto::length_delimited_size(1, key.size()) + proto::length_delimited_size(2, list));
      w.bytes(1, key);
      w.length_delimited_header(2, list);
      for (const auto& f : steps) detail::write_feature(w, 1, f);
    }
  }
};

}  // namespace staticflow::io
#endif  // STATICFLOW_IO_EXAMPLE_HPP
