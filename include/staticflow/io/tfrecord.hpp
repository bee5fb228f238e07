// SPDX-License-Identifier: MIT
/// \file
/// \brief TFRecord files, byte-compatible with TensorFlow: writer, streaming reader, shards.
///
/// A TFRecord file is a sequence of records, each
/// ```
///   uint64 length              little-endian
///   uint32 masked_crc(length)  masked CRC32C of those 8 bytes
///   byte   data[length]
///   uint32 masked_crc(data)
/// ```
/// optionally inside one gzip or zlib stream. An empty file holds no records; a record may be
/// empty. Shard `i` of `n` of a set named `base` is `base-0000i-of-0000n` (TF's `%s-%05d-of-%05d`).
#pragma once
#ifndef STATICFLOW_IO_TFRECORD_HPP
#define STATICFLOW_IO_TFRECORD_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/compression.hpp"
#include "staticflow/io/crc32c.hpp"

namespace staticflow::io {

/// Bytes of framing around each record: 8 length + 4 length CRC before, 4 data CRC after.
inline constexpr std::size_t tfrecord_header_size = 12;
inline constexpr std::size_t tfrecord_footer_size = 4;

namespace detail {

inline void store_le32(char* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
inline void store_le64(char* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
inline std::uint32_t load_le32(const char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}
inline std::uint64_t load_le64(const char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

/// "0x1234abcd", for CRCs in messages.
inline std::string hex32(std::uint32_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xF];
  return s;
}

}  // namespace detail

/// The 12 header bytes of a record of `length` bytes.
inline std::array<char, tfrecord_header_size> tfrecord_header(std::uint64_t length) noexcept {
  std::array<char, tfrecord_header_size> h{};
  detail::store_le64(h.data(), length);
  detail::store_le32(h.data() + 8, masked_crc32c(h.data(), 8));
  return h;
}

/// One record framed as in a TFRecord file: header, data, footer.
inline std::string tfrecord_frame(std::string_view data) {
  std::string out;
  out.reserve(data.size() + tfrecord_header_size + tfrecord_footer_size);
  const auto h = tfrecord_header(data.size());
  out.append(h.data(), h.size());
  out.append(data);
  char footer[4];
  detail::store_le32(footer, masked_crc32c(data.data(), data.size()));
  out.append(footer, 4);
  return out;
}

// ===================================================================================== writer

/// Options of tfrecord_writer.
struct tfrecord_writer_options {
  io::compression compression = io::compression::none;
  int compression_level = -1;              ///< zlib's level, -1 (its default, 6) or 0..9
  std::size_t buffer_size = std::size_t{1} << 18;  ///< compressed output buffer
};

/// Writes records to one TFRecord file.
///
/// **Errors**: not_found when the file cannot be created; internal_error when the system
/// reports a write failure; unimplemented for gzip/zlib in a build without zlib.
///
/// **Example:** `sf::io::tfrecord_writer w("train.tfrecord"); w.write(example.encode()); w.close();`
class tfrecord_writer {
 public:
  explicit tfrecord_writer(const std::filesystem::path& path, const tfrecord_writer_options& options = {})
      : path_(path),
        out_(path, options.compression, options.compression_level, options.buffer_size, "staticflow::io::tfrecord_writer") {}

  /// Appends one record.
  void write(std::string_view data) {
    const auto h = tfrecord_header(data.size());
    char footer[4];
    detail::store_le32(footer, masked_crc32c(data.data(), data.size()));
    out_.write(h.data(), h.size());
    out_.write(data.data(), data.size());
    out_.write(footer, 4);
    ++records_;
    bytes_ += data.size() + tfrecord_header_size + tfrecord_footer_size;
  }
  void write(std::span<const std::byte> data) { write(std::string_view(reinterpret_cast<const char*>(data.data()), data.size())); }

  /// Pushes what was written to the system (a readable sync point, also in compressed files).
  void flush() { out_.flush(); }
  /// Finishes the file; errors are reported here (the destructor closes silently).
  void close() { out_.close(); }

  std::uint64_t records_written() const noexcept { return records_; }
  /// Bytes of framed records written (before compression).
  std::uint64_t bytes_written() const noexcept { return bytes_; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
  detail::output_stream out_;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_ = 0;
};

// ===================================================================================== reader

/// Options of tfrecord_reader.
struct tfrecord_reader_options {
  io::compression compression = io::compression::none;
  /// Skip records whose CRC does not match and stop at a truncated end, counting each in
  /// corrupt_records() (and telling on_corrupt, when set), instead of throwing data_loss. A bad length CRC makes the reader
  /// scan forward byte by byte for the next valid header.
  bool skip_corrupt = false;
  bool verify_crc = true;  ///< check both CRCs of every record (TF always does)
  /// Longest record accepted; a longer length field is data_loss (whatever its CRC), never an
  /// allocation. TF has no limit of its own; 2^40 bytes is far beyond any real record.
  std::uint64_t max_record_size = std::uint64_t{1} << 40;
  std::size_t buffer_size = std::size_t{1} << 18;  ///< read buffer (grows for longer records)
  /// With skip_corrupt: told of each corrupt record or region skipped, and of a truncated end,
  /// with the byte offset where it starts and the data_loss message the reader would have thrown.
  std::function<void(std::uint64_t offset, const std::string& message)> on_corrupt = {};
};

/// Reads the records of one TFRecord file front to back, streaming.
///
/// `next()` returns a view of the next record's bytes, valid until the next call; `next(str)`
/// copies it into a string. `record_offset()` is where the current record's header starts: in the
/// file, or in the decompressed stream for a compressed file (as TF counts).
///
/// **Errors** (data_loss, naming the file and the byte offset of the record): a length CRC or data
/// CRC that does not match (both values shown), a length above max_record_size, and a file
/// that ends inside a record (how many bytes were needed and how many were left), unless
/// skip_corrupt; corrupt compressed data. not_found when the file cannot be opened.
///
/// **Example:** `sf::io::tfrecord_reader r("train.tfrecord"); std::string rec; while (r.next(rec)) ...`
class tfrecord_reader {
 public:
  explicit tfrecord_reader(const std::filesystem::path& path, const tfrecord_reader_options& options = {})
      : options_(options), in_(path, options.compression, options.buffer_size, who) {
    buf_.resize(std::max<std::size_t>(options.buffer_size, 64));
  }

  static constexpr std::string_view who = "staticflow::io::tfrecord_reader";

  /// The next record, or nothing at the end of the file. The view lives until the next call.
  std::optional<std::span<const std::byte>> next() {
    for (;;) {
      const std::optional<bool> got = try_record();
      if (!got) return std::nullopt;
      if (*got) {
        ++records_;
        return std::as_bytes(std::span(buf_.data() + pos_ - last_size_ - tfrecord_footer_size, last_size_));
      }
    }
  }

  /// The next record copied into `record`; false at the end of the file.
  bool next(std::string& record) {
    const auto r = next();
    if (!r) return false;
    record.assign(reinterpret_cast<const char*>(r->data()), r->size());
    return true;
  }

  /// Offset of the header of the record last returned (file or decompressed stream).
  std::uint64_t record_offset() const noexcept { return record_offset_; }
  /// Offset just past the last record returned (or skipped).
  std::uint64_t offset() const noexcept { return consumed_; }
  std::uint64_t records_read() const noexcept { return records_; }
  /// Corrupt records (and corrupt regions scanned over) skipped with skip_corrupt.
  std::uint64_t corrupt_records() const noexcept { return corrupt_; }
  const std::filesystem::path& path() const noexcept { return in_.path(); }

 private:
  /// Reads one record at the current position: nullopt at the end, false when a corrupt one
  /// was skipped, true with the record at `buf_[pos_ - footer - last_size_, ...)`.
  std::optional<bool> try_record() {
    const std::size_t have = fill(tfrecord_header_size);
    if (have == 0) return std::nullopt;
    const std::uint64_t at = consumed_;
    if (have < tfrecord_header_size) return truncated(at, tfrecord_header_size, have, "header");
    const char* h = buf_.data() + pos_;
    const std::uint64_t len = detail::load_le64(h);
    if (options_.verify_crc && masked_crc32c(h, 8) != detail::load_le32(h + 8)) return bad_length_crc(at, h);
    if (len > options_.max_record_size) return too_long(at, len);
    const std::uint64_t total = len + tfrecord_header_size + tfrecord_footer_size;
    const std::size_t got = fill(static_cast<std::size_t>(total));
    if (got < total) return truncated(at, total, got, "record");
    const char* d = buf_.data() + pos_ + tfrecord_header_size;
    const std::size_t n = static_cast<std::size_t>(len);
    if (options_.verify_crc && masked_crc32c(d, n) != detail::load_le32(d + n)) return bad_data_crc(at, d, n);
    advance(static_cast<std::size_t>(total));
    record_offset_ = at, last_size_ = n;
    return true;
  }

  void advance(std::size_t n) noexcept { pos_ += n, consumed_ += n; }

  /// Makes at least `n` bytes available at `pos_` if the stream has them; returns how many
  /// are. The buffer grows only as data actually arrives, so a false length cannot make it huge.
  std::size_t fill(std::size_t n) {
    while (end_ - pos_ < n && !eof_) {
      if (pos_ > 0) compact();
      if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // only once what is there is real data
      // What the record needs and one buffer's worth ahead, not all the buffer holds: after a
      // long record, a grown buffer read full would leave most of the next one to move down.
      const std::size_t want = std::min(buf_.size() - end_, n - (end_ - pos_) + options_.buffer_size);
      const std::size_t got = in_.read(buf_.data() + end_, want);
      if (got == 0) eof_ = true;
      end_ += got;
    }
    return std::min(end_ - pos_, n);
  }

  void compact() noexcept {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_, pos_ = 0;
  }

  std::string where(std::uint64_t at) const {
    return std::string(who) + ": " + detail::quoted(in_.path()) + ": record at byte " + std::to_string(at) +
           (in_.kind() == io::compression::none ? "" : std::string(" of the decompressed ") + to_string(in_.kind()) + " stream");
  }

  /// A corrupt record at `at`: data_loss, or with skip_corrupt one more counted and reported.
  void corrupt(std::uint64_t at, std::initializer_list<staticflow::detail::message_part> parts) {
    if (!options_.skip_corrupt) staticflow::detail::fail<data_loss>(parts);
    ++corrupt_;
    if (options_.on_corrupt) options_.on_corrupt(at, staticflow::detail::message(parts));
  }

  std::optional<bool> truncated(std::uint64_t at, std::uint64_t need, std::size_t have, const char* part) {
    corrupt(at, {where(at), ": truncated ", part, ": needs ", need, " bytes, the file has ", have, " left"});
    advance(have);
    return std::nullopt;
  }

  std::optional<bool> bad_length_crc(std::uint64_t at, const char* h) {
    corrupt(at, {where(at), ": length CRC mismatch (stored ", detail::hex32(detail::load_le32(h + 8)), ", computed ",
                 detail::hex32(masked_crc32c(h, 8)), "; length field ", detail::load_le64(h), ")"});
    return resync();
  }

  std::optional<bool> too_long(std::uint64_t at, std::uint64_t len) {
    corrupt(at, {where(at), ": length ", len, " is above the limit of ", options_.max_record_size,
                 " bytes (max_record_size)"});
    return resync();
  }

  std::optional<bool> bad_data_crc(std::uint64_t at, const char* d, std::size_t n) {
    corrupt(at, {where(at), ": data CRC mismatch over ", n, " bytes (stored ", detail::hex32(detail::load_le32(d + n)),
                 ", computed ", detail::hex32(masked_crc32c(d, n)), ")"});
    advance(n + tfrecord_header_size + tfrecord_footer_size);
    return false;
  }

  /// After a bad header (counted as one corrupt region): moves on byte by byte until a header
  /// whose length CRC matches (a false match has odds of 2^-32 per position).
  std::optional<bool> resync() {
    for (;;) {
      advance(1);
      if (fill(tfrecord_header_size) < tfrecord_header_size) {
        advance(end_ - pos_);
        return std::nullopt;
      }
      const char* h = buf_.data() + pos_;
      if (masked_crc32c(h, 8) == detail::load_le32(h + 8) && detail::load_le64(h) <= options_.max_record_size) return false;
    }
  }

  tfrecord_reader_options options_;
  detail::input_stream in_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::uint64_t consumed_ = 0, record_offset_ = 0;
  std::size_t last_size_ = 0;
  std::uint64_t records_ = 0, corrupt_ = 0;
};

/// Every record of one file (small files and tests; stream with tfrecord_reader otherwise).
inline std::vector<std::string> read_tfrecord_file(const std::filesystem::path& path,
                                                   const tfrecord_reader_options& options = {}) {
  tfrecord_reader r(path, options);
  std::vector<std::string> out;
  for (std::string rec; r.next(rec);) out.push_back(std::move(rec));
  return out;
}

// ===================================================================================== shards

/// `base-<index>-of-<count>` with five-digit zero-padded numbers, as TF names shards:
/// `shard_name("train", 0, 4) == "train-00000-of-00004"`. **Errors**: invalid_argument when
/// `index >= count`.
inline std::string shard_name(std::string_view base, std::size_t index, std::size_t count) {
  if (index >= count)
    staticflow::detail::fail<invalid_argument>({"staticflow::io::shard_name: shard index ", index, " is not below the count ", count});
  char digits[64];
  std::snprintf(digits, sizeof digits, "-%05zu-of-%05zu", index, count);
  return std::string(base) + digits;
}

/// The `count` shard names of `base`, in order.
inline std::vector<std::string> shard_names(std::string_view base, std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(shard_name(base, i, count));
  return out;
}

/// How a sharded writer assigns records to shards.
enum class shard_policy : std::uint8_t {
  round_robin,  ///< record i goes to shard i % n
  contiguous,   ///< the first ceil(total / n) records to shard 0, and so on (needs the total)
};

/// Writes records across `n` TFRecord files `base-0000i-of-0000n`.
///
/// **Example:** `sf::io::sharded_tfrecord_writer w("out/train", 4); for (auto& r : records) w.write(r); w.close();`
class sharded_tfrecord_writer {
 public:
  /// `total_records` is needed (and checked) only for shard_policy::contiguous.
  sharded_tfrecord_writer(const std::string& base, std::size_t num_shards, const tfrecord_writer_options& options = {},
                          shard_policy policy = shard_policy::round_robin, std::uint64_t total_records = 0)
      : policy_(policy) {
    if (num_shards == 0)
      staticflow::detail::fail<invalid_argument>({"staticflow::io::sharded_tfrecord_writer: '", base, "': needs at least one shard"});
    per_shard_ = policy == shard_policy::contiguous ? (total_records + num_shards - 1) / num_shards : 1;
    if (per_shard_ == 0) per_shard_ = 1;
    for (std::size_t i = 0; i < num_shards; ++i)
      shards_.push_back(std::make_unique<tfrecord_writer>(shard_name(base, i, num_shards), options));
  }

  void write(std::string_view data) {
    const std::size_t n = shards_.size();
    const std::size_t s = policy_ == shard_policy::round_robin ? count_ % n
                                                               : static_cast<std::size_t>(std::min<std::uint64_t>(count_ / per_shard_, n - 1));
    shards_[s]->write(data);
    ++count_;
  }
  void close() {
    for (auto& s : shards_) s->close();
  }
  std::size_t num_shards() const noexcept { return shards_.size(); }
  std::uint64_t records_written() const noexcept { return count_; }
  const std::filesystem::path& shard_path(std::size_t i) const { return shards_.at(i)->path(); }

 private:
  std::vector<std::unique_ptr<tfrecord_writer>> shards_;
  shard_policy policy_;
  std::uint64_t per_shard_ = 1;
  std::uint64_t count_ = 0;
};

}  // namespace staticflow::io
#endif  // STATICFLOW_IO_TFRECORD_HPP
