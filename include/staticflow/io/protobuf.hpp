// SPDX-License-Identifier: MIT
/// \file
/// \brief The protobuf wire format: an encoder into a byte string and a bounds-checked reader.
///
/// Written once for every protobuf-based format (tf.train.Example, checkpoints, GraphDef,
/// ONNX, TensorBoard events). No generated code and no schema: callers name field numbers.
/// The reader never reads outside its span and never allocates what a length prefix claims;
/// each malformed input is a `data_loss` naming what was wrong and its byte offset.
///
/// Wire format (protobuf.dev/programming-guides/encoding): a message is a sequence of
/// `tag value`, `tag = field_number << 3 | wire_type` as a varint; wire types 0 varint,
/// 1 fixed64 (little-endian), 2 length-delimited (varint length, then bytes), 5 fixed32.
/// Types 3 and 4 (groups, deprecated since proto2) are rejected with a message saying so.
#pragma once
#ifndef STATICFLOW_IO_PROTOBUF_HPP
#define STATICFLOW_IO_PROTOBUF_HPP

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "staticflow/core/error.hpp"

namespace staticflow::io::proto {

/// The wire types of protobuf encoding (the low three bits of a tag).
enum class wire_type : std::uint8_t {
  varint = 0,
  fixed64 = 1,
  length_delimited = 2,
  start_group = 3,
  end_group = 4,
  fixed32 = 5,
};

/// "varint", "fixed64", ... for messages.
constexpr const char* to_string(wire_type t) noexcept {
  switch (t) {
    case wire_type::varint: return "varint";
    case wire_type::fixed64: return "fixed64";
    case wire_type::length_delimited: return "length-delimited";
    case wire_type::start_group: return "start-group";
    case wire_type::end_group: return "end-group";
    case wire_type::fixed32: return "fixed32";
  }
  return "invalid";
}

/// The largest field number protobuf allows (2^29 - 1).
inline constexpr std::uint32_t max_field_number = (1u << 29) - 1;

/// Zigzag encoding of sint32/sint64: small magnitudes of either sign become small varints.
constexpr std::uint64_t zigzag_encode(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t zigzag_decode(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

/// Bytes the varint encoding of `v` takes (1 to 10).
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  // 7 payload bits per byte: ceil(bit_width / 7), at least one byte.
  return v < 0x80 ? 1 : (static_cast<std::size_t>(std::bit_width(v)) + 6) / 7;
}

/// Bytes of the tag of `field`.
constexpr std::size_t tag_size(std::uint32_t field) noexcept { return varint_size(std::uint64_t{field} << 3); }

/// Bytes of a whole length-delimited field whose payload is `n` bytes: tag, length, payload.
constexpr std::size_t length_delimited_size(std::uint32_t field, std::size_t n) noexcept {
  return tag_size(field) + varint_size(n) + n;
}

/// Bytes of the payload of a packed repeated varint field holding `values`.
template <class T>
std::size_t packed_varint_payload_size(std::span<const T> values) noexcept {
  std::size_t n = 0;
  for (T v : values) n += varint_size(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
  return n;
}

// ===================================================================================== writer

/// Appends protobuf-encoded fields to a byte string it owns (or one the caller lends).
///
/// Nested messages: either `begin_message(field)` ... `end_message(mark)`, which reserves one
/// length byte and moves the body only when it turns out longer than 127 bytes, or, when the
/// size is known (see the *_size functions), `length_delimited_header(field, size)` then the body:
/// no copy at all.
///
/// **Example:** `proto::writer w; w.int64(1, 42); w.bytes(2, "abc"); std::string out = w.take();`
class writer {
 public:
  writer() : out_(&own_) {}
  /// Appends to `out`, which must outlive the writer.
  explicit writer(std::string& out) : out_(&out) {}
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  /// The bytes written so far.
  const std::string& str() const noexcept { return *out_; }
  std::size_t size() const noexcept { return out_->size(); }
  /// The bytes written so far, moved out (the writer is empty afterwards).
  std::string take() { return std::exchange(*out_, std::string{}); }
  void reserve(std::size_t n) { out_->reserve(n); }

  // --- raw pieces
  void raw_varint(std::uint64_t v) {
    char buf[10];
    std::size_t n = 0;
    for (; v >= 0x80; v >>= 7) buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
    buf[n++] = static_cast<char>(v);
    out_->append(buf, n);
  }
  void raw_fixed32(std::uint32_t v) { raw_le(v); }
  void raw_fixed64(std::uint64_t v) { raw_le(v); }
  void raw_bytes(const void* data, std::size_t n) { out_->append(static_cast<const char*>(data), n); }
  void tag(std::uint32_t field, wire_type t) { raw_varint((std::uint64_t{field} << 3) | static_cast<std::uint8_t>(t)); }

  // --- scalar fields
  /// uint32/uint64/enum fields.
  void uint64(std::uint32_t field, std::uint64_t v) { tag(field, wire_type::varint), raw_varint(v); }
  /// int32/int64 fields: negative values take ten bytes (two's complement, as protobuf does).
  void int64(std::uint32_t field, std::int64_t v) { uint64(field, static_cast<std::uint64_t>(v)); }
  /// sint32/sint64 fields (zigzag).
  void sint64(std::uint32_t field, std::int64_t v) { uint64(field, zigzag_encode(v)); }
  void boolean(std::uint32_t field, bool v) { uint64(field, v ? 1 : 0); }
  void fixed32(std::uint32_t field, std::uint32_t v) { tag(field, wire_type::fixed32), raw_fixed32(v); }
  void fixed64(std::uint32_t field, std::uint64_t v) { tag(field, wire_type::fixed64), raw_fixed64(v); }
  void float32(std::uint32_t field, float v) { fixed32(field, std::bit_cast<std::uint32_t>(v)); }
  void float64(std::uint32_t field, double v) { fixed64(field, std::bit_cast<std::uint64_t>(v)); }

  // --- length-delimited fields
  /// The tag and length of a length-delimited field; the caller appends exactly `n` bytes next.
  void length_delimited_header(std::uint32_t field, std::size_t n) {
    tag(field, wire_type::length_delimited), raw_varint(n);
  }
  /// bytes/string fields (and an already encoded sub-message).
  void bytes(std::uint32_t field, const void* data, std::size_t n) {
    length_delimited_header(field, n), raw_bytes(data, n);
  }
  void bytes(std::uint32_t field, std::string_view s) { bytes(field, s.data(), s.size()); }
  void bytes(std::uint32_t field, std::span<const std::byte> s) { bytes(field, s.data(), s.size()); }

  /// Packed repeated int32/int64/uint32/uint64/bool/enum (varints). Empty writes nothing.
  template <class T>
    requires std::is_integral_v<T>
  void packed_varints(std::uint32_t field, std::span<const T> values) {
    if (values.empty()) return;
    length_delimited_header(field, packed_varint_payload_size(values));
    for (T v : values) raw_varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
  }
  /// Packed repeated float/fixed32 (4 bytes each) and double/fixed64 (8 bytes each).
  template <class T>
    requires(std::is_arithmetic_v<T> && (sizeof(T) == 4 || sizeof(T) == 8))
  void packed_fixed(std::uint32_t field, std::span<const T> values) {
    if (values.empty()) return;
    length_delimited_header(field, values.size() * sizeof(T));
    if constexpr (std::endian::native == std::endian::little) {
      raw_bytes(values.data(), values.size_bytes());
    } else {
      for (T v : values) raw_le(std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(v));
    }
  }

  /// Where a nested message's body starts; pass it to end_message.
  struct message_mark {
    std::size_t length_at;
  };
  /// Starts a nested message in `field`: writes the tag and a one-byte placeholder length.
  message_mark begin_message(std::uint32_t field) {
    tag(field, wire_type::length_delimited);
    out_->push_back('\0');
    return {out_->size() - 1};
  }
  /// Ends the message begun at `m`: writes its real length, moving the body right when the
  /// length needs more than one byte.
  void end_message(message_mark m) {
    const std::size_t body = out_->size() - m.length_at - 1;
    const std::size_t len_bytes = varint_size(body);
    if (len_bytes > 1) {
      out_->insert(m.length_at + 1, len_bytes - 1, '\0');
    }
    char* p = out_->data() + m.length_at;
    std::uint64_t v = body;
    for (std::size_t i = 0; i + 1 < len_bytes; ++i, v >>= 7) *p++ = static_cast<char>((v & 0x7F) | 0x80);
    *p = static_cast<char>(v);
  }
  /// `begin_message`, `body(*this)`, `end_message`.
  template <class F>
  void message(std::uint32_t field, F&& body) {
    const message_mark m = begin_message(field);
    std::forward<F>(body)(*this);
    end_message(m);
  }

 private:
  template <class U>
  void raw_le(U v) {
    char buf[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    out_->append(buf, sizeof(U));
  }

  std::string own_;
  std::string* out_;
};

// ===================================================================================== reader

/// One field as the reader found it. Scalars are decoded on request; a length-delimited
/// field's payload is a view into the reader's input.
struct field {
  std::uint32_t number = 0;
  wire_type type = wire_type::varint;
  std::size_t offset = 0;      ///< where the tag starts, from the start of the outermost input
  std::uint64_t value = 0;     ///< varint, fixed32 or fixed64 value (raw bits)
  std::span<const std::byte> payload;  ///< length-delimited bytes
  std::size_t payload_offset = 0;      ///< where `payload` starts (outermost input)
};

/// Iterates the fields of one message held in a byte span.
///
/// **Errors**: data_loss, with the context given at construction and the byte offset, for a
/// truncated varint, a varint longer than 10 bytes, a tag with field number 0 or above 2^29-1, a
/// wire type that is not 0, 1, 2 or 5, a truncated fixed32/fixed64, and a length past the end.
/// The accessors below throw data_loss when a field's wire type is not the one asked for.
///
/// **Example:** `proto::reader r(bytes, "tf.train.Example"); for (proto::field f; r.next(f);)
/// if (f.number == 1) parse_features(r.message(f));`
class reader {
 public:
  /// `context` (kept as a view: it must outlive the reader) starts every error message;
  /// `base_offset` is where `data` starts within the outermost input, for messages.
  explicit reader(std::span<const std::byte> data, std::string_view context = "protobuf message",
                  std::size_t base_offset = 0) noexcept
      : begin_(data.data()), pos_(data.data()), end_(data.data() + data.size()), base_(base_offset),
        context_(context) {}
  explicit reader(std::string_view data, std::string_view context = "protobuf message",
                  std::size_t base_offset = 0) noexcept
      : reader(std::as_bytes(std::span(data.data(), data.size())), context, base_offset) {}

  /// Offset (outermost input) of the next byte to read.
  std::size_t offset() const noexcept { return base_ + static_cast<std::size_t>(pos_ - begin_); }
  bool at_end() const noexcept { return pos_ == end_; }
  std::string_view context() const noexcept { return context_; }

  /// Reads the next field into `f`; false at the end of the input.
  bool next(field& f) {
    if (pos_ == end_) return false;
    f.offset = offset();
    const std::uint64_t key = read_varint("tag");
    if (key > (std::uint64_t{max_field_number} << 3 | 7)) fail_at(f.offset, "field number ", key >> 3, " is above 2^29-1");
    f.number = static_cast<std::uint32_t>(key >> 3);
    if (f.number == 0) fail_at(f.offset, "field number 0 is not allowed (tag byte ", key, ")");
    f.type = static_cast<wire_type>(key & 7);
    read_value(f);
    return true;
  }

  /// A reader over the payload of the length-delimited field `f` (a nested message).
  reader message(const field& f, std::string_view context) const {
    expect(f, wire_type::length_delimited);
    return reader(f.payload, context, f.payload_offset);
  }
  reader message(const field& f) const { return message(f, context_); }

  // --- typed access to a field just read (errors when the wire type does not fit)
  std::uint64_t as_uint64(const field& f) const { return expect(f, wire_type::varint), f.value; }
  std::int64_t as_int64(const field& f) const { return static_cast<std::int64_t>(as_uint64(f)); }
  std::int64_t as_sint64(const field& f) const { return zigzag_decode(as_uint64(f)); }
  bool as_bool(const field& f) const { return as_uint64(f) != 0; }
  std::uint32_t as_fixed32(const field& f) const {
    return expect(f, wire_type::fixed32), static_cast<std::uint32_t>(f.value);
  }
  std::uint64_t as_fixed64(const field& f) const { return expect(f, wire_type::fixed64), f.value; }
  float as_float(const field& f) const { return std::bit_cast<float>(as_fixed32(f)); }
  double as_double(const field& f) const { return std::bit_cast<double>(as_fixed64(f)); }
  std::span<const std::byte> as_bytes(const field& f) const { return expect(f, wire_type::length_delimited), f.payload; }
  std::string_view as_string(const field& f) const {
    const auto b = as_bytes(f);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  /// Throws data_loss unless `f` has wire type `t`.
  void expect(const field& f, wire_type t) const {
    if (f.type != t)
      fail_at(f.offset, "field ", f.number, " has wire type ", to_string(f.type), ", expected ", to_string(t));
  }

  /// Reads one varint at the current position (`what` names it in errors).
  std::uint64_t read_varint(const char* what = "varint") {
    const std::size_t at = offset();
    std::uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
      if (pos_ == end_) fail_at(at, "truncated ", what, " (input ends after ", i, i == 1 ? " byte)" : " bytes)");
      const auto b = static_cast<std::uint8_t>(*pos_++);
      if (i == 9 && b > 1) fail_at(at, what, " overflows 64 bits");
      v |= std::uint64_t{b & 0x7Fu} << (7 * i);
      if (b < 0x80) return v;
    }
    fail_at(at, what, " is longer than 10 bytes");
  }

  /// Throws data_loss: "<context>: at byte <offset>: <parts>".
  template <class... P>
  [[noreturn]] void fail_at(std::size_t at, const P&... parts) const {
    staticflow::detail::fail<data_loss>({context_, ": at byte ", at, ": ", parts...});
  }

 private:
  void read_value(field& f) {
    switch (f.type) {
      case wire_type::varint: f.value = read_varint("varint value"); return;
      case wire_type::fixed64: f.value = read_le(8, f); return;
      case wire_type::fixed32: f.value = read_le(4, f); return;
      case wire_type::length_delimited: read_payload(f); return;
      case wire_type::start_group:
      case wire_type::end_group:
        fail_at(f.offset, "field ", f.number, " uses wire type ", static_cast<int>(f.type),
                " (group), which proto3 formats never use; not supported");
    }
    fail_at(f.offset, "field ", f.number, " has invalid wire type ", static_cast<int>(f.type));
  }

  std::uint64_t read_le(std::size_t n, const field& f) {
    if (static_cast<std::size_t>(end_ - pos_) < n)
      fail_at(f.offset, "field ", f.number, ": truncated ", n == 4 ? "fixed32" : "fixed64", " (", end_ - pos_,
              " of ", n, " bytes left)");
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(pos_[i])} << (8 * i);
    pos_ += n;
    return v;
  }

  void read_payload(field& f) {
    const std::uint64_t len = read_varint("length");
    const auto left = static_cast<std::uint64_t>(end_ - pos_);
    if (len > left)
      fail_at(f.offset, "field ", f.number, ": length ", len, " runs past the end (", left, " bytes left)");
    f.payload_offset = offset();
    f.payload = std::span<const std::byte>(pos_, static_cast<std::size_t>(len));
    pos_ += len;
  }

  const std::byte* begin_;
  const std::byte* pos_;
  const std::byte* end_;
  std::size_t base_;
  std::string_view context_;
};

/// Number of varints in the payload of a packed field (bytes without the continuation bit).
/// Bounded by the payload size, so it is safe to reserve that many values.
inline std::size_t count_packed_varints(std::span<const std::byte> payload) noexcept {
  std::size_t n = 0;
  for (std::byte b : payload) n += (static_cast<std::uint8_t>(b) & 0x80) == 0;
  return n;
}

/// Calls `fn(value)` for each varint of the packed field `f` read by `r`.
template <class F>
void for_each_packed_varint(const reader& r, const field& f, F&& fn) {
  reader inner = r.message(f);
  while (!inner.at_end()) fn(inner.read_varint("packed varint"));
}

}  // namespace staticflow::io::proto
#endif  // STATICFLOW_IO_PROTOBUF_HPP
