// SPDX-License-Identifier: MIT
/// \file
/// \brief The sorted string table of LevelDB, as TensorFlow's checkpoint index uses it: a
/// writer whose bytes equal TensorFlow's `table::TableBuilder` with the bundle's options, and a
/// bounds-checked reader.
///
/// Layout (LevelDB's doc/table_format.md): data blocks, a metaindex block, an index block, and
/// a 48-byte footer. A block is a run of entries `varint32 shared, varint32 non_shared,
/// varint32 value_size, key[shared..], value`, each key stored as the suffix it does not share
/// with the previous one, except at restart points (every 16 entries; every entry in the index
/// block), whose offsets follow as fixed32s and then their count. Each block is followed by a
/// 5-byte trailer: the compression type (0: none) and the masked CRC32C of the block and that
/// byte. The index block maps a key >= the last key of each data block (shortened: LevelDB's
/// FindShortestSeparator / FindShortSuccessor) to its handle `varint64 offset, varint64 size`.
/// The footer holds the metaindex and index handles padded to 40 bytes and the magic number
/// 0xdb4775248b80fb57 (fixed64). Keys are compared bytewise.
///
/// The reader checks every length against what is there before reading or allocating and
/// reports each malformed table as `data_loss` naming the file and the byte offset.
#pragma once
#ifndef STATICFLOW_IO_TABLE_HPP
#define STATICFLOW_IO_TABLE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/crc32c.hpp"

namespace staticflow::io::table {

inline constexpr std::uint64_t magic_number = 0xdb4775248b80fb57ull;
inline constexpr std::size_t footer_size = 48;     ///< two handles padded to 40 bytes, then the magic
inline constexpr std::size_t trailer_size = 5;     ///< compression type + masked CRC32C
inline constexpr std::size_t block_size = 262144;  ///< TensorFlow's table::Options defaults
inline constexpr int restart_interval = 16;

/// Where a block lies in the file (its size without the trailer).
struct block_handle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

namespace detail {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) out.push_back(static_cast<char>(v | 0x80)), v >>= 7;
  out.push_back(static_cast<char>(v));
}
inline void put_fixed32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void put_handle(std::string& out, block_handle h) { put_varint(out, h.offset), put_varint(out, h.size); }

/// LevelDB's BytewiseComparator::FindShortestSeparator: a short key k with start <= k < limit.
inline void shorten_separator(std::string& start, std::string_view limit) {
  const std::size_t n = std::min(start.size(), limit.size());
  std::size_t i = 0;
  while (i < n && start[i] == limit[i]) ++i;
  if (i >= n) return;  // one is a prefix of the other
  const auto byte = static_cast<std::uint8_t>(start[i]);
  if (byte < 0xff && byte + 1 < static_cast<std::uint8_t>(limit[i])) {
    start[i] = static_cast<char>(byte + 1);
    start.resize(i + 1);
  }
}
/// LevelDB's FindShortSuccessor: a short key >= `key`.
inline void shorten_successor(std::string& key) {
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (static_cast<std::uint8_t>(key[i]) != 0xff) {
      key[i] = static_cast<char>(static_cast<std::uint8_t>(key[i]) + 1);
      key.resize(i + 1);
      return;
    }
  }
}

/// One block being built (LevelDB's BlockBuilder).
class block_builder {
 public:
  explicit block_builder(int interval) : interval_(interval) {}
  bool empty() const noexcept { return buffer_.empty(); }
  std::size_t size_estimate() const noexcept { return buffer_.size() + 4 * restarts_.size() + 4; }
  void add(std::string_view key, std::string_view value) {
    std::size_t shared = 0;
    if (counter_ < interval_) {
      const std::size_t n = std::min(last_key_.size(), key.size());
      while (shared < n && last_key_[shared] == key[shared]) ++shared;
    } else {
      restarts_.push_back(static_cast<std::uint32_t>(buffer_.size()));
      counter_ = 0;
    }
    put_varint(buffer_, shared), put_varint(buffer_, key.size() - shared), put_varint(buffer_, value.size());
    buffer_.append(key.substr(shared)).append(value);
    last_key_.assign(key);
    ++counter_;
  }
  /// The block's bytes; the builder starts over.
  std::string finish() {
    for (auto r : restarts_) put_fixed32(buffer_, r);
    put_fixed32(buffer_, static_cast<std::uint32_t>(restarts_.size()));
    std::string out = std::exchange(buffer_, {});
    restarts_.assign(1, 0), counter_ = 0, last_key_.clear();
    return out;
  }

 private:
  int interval_;
  int counter_ = 0;
  std::string buffer_, last_key_;
  std::vector<std::uint32_t> restarts_{0};
};

}  // namespace detail

/// Builds a table in memory from keys added in strictly increasing order.
/// **Errors:** a key not above the previous one: invalid_argument.
class writer {
 public:
  void add(std::string_view key, std::string_view value) {
    if (entries_ && key <= std::string_view(last_key_))
      staticflow::detail::fail<invalid_argument>({"staticflow::io::table::writer::add: key '", key,
                                                  "' is not above the previous key '", last_key_, "'"});
    if (pending_) {
      detail::shorten_separator(last_key_, key);
      index_entry();
    }
    last_key_.assign(key);
    ++entries_;
    data_.add(key, value);
    if (data_.size_estimate() >= block_size) flush();
  }
  /// The file's bytes (the writer is spent).
  std::string finish() {
    flush();
    const block_handle metaindex = write_block(meta_);
    if (pending_) {
      detail::shorten_successor(last_key_);
      index_entry();
    }
    const block_handle index = write_block(index_);
    std::string footer;
    detail::put_handle(footer, metaindex), detail::put_handle(footer, index);
    footer.resize(footer_size - 8, '\0');
    detail::put_fixed32(footer, static_cast<std::uint32_t>(magic_number));
    detail::put_fixed32(footer, static_cast<std::uint32_t>(magic_number >> 32));
    out_ += footer;
    return std::move(out_);
  }

 private:
  void flush() {
    if (data_.empty()) return;
    pending_handle_ = write_block(data_);
    pending_ = true;
  }
  void index_entry() {
    std::string handle;
    detail::put_handle(handle, pending_handle_);
    index_.add(last_key_, handle);
    pending_ = false;
  }
  block_handle write_block(detail::block_builder& b) {
    const std::string raw = b.finish();
    const block_handle h{out_.size(), raw.size()};
    out_ += raw;
    const char type = 0;  // no compression
    const std::uint32_t crc = crc32c_extend(crc32c(raw.data(), raw.size()), &type, 1);
    out_.push_back(type);
    detail::put_fixed32(out_, crc32c_mask(crc));
    return h;
  }

  detail::block_builder data_{restart_interval}, meta_{restart_interval}, index_{1};
  std::string out_, last_key_;
  std::size_t entries_ = 0;
  bool pending_ = false;
  block_handle pending_handle_;
};

/// Every (key, value) of a table held in `bytes`, in key order. `file` names it in messages.
/// **Errors:** data_loss for a short file, a wrong magic number, a handle outside the file, a
/// block CRC mismatch, an entry running past its block, keys out of order; unimplemented for a
/// compressed block (TensorFlow writes checkpoint indexes uncompressed).
class reader {
 public:
  reader(std::string_view bytes, std::string file) : bytes_(bytes), file_(std::move(file)) {
    if (bytes_.size() < footer_size)
      fail(bytes_.size(), "the file has " + std::to_string(bytes_.size()) + " bytes, less than a table's 48-byte footer");
    const std::size_t footer = bytes_.size() - footer_size;
    const std::uint64_t magic = load32(footer + 40) | (std::uint64_t{load32(footer + 44)} << 32);
    if (magic != magic_number) fail(footer + 40, "bad magic number " + hex(magic) + " (not a table)");
    std::size_t pos = footer;
    (void)handle(pos, footer + 40);  // the metaindex: TensorFlow's bundles put nothing there
    const block_handle index = handle(pos, footer + 40);
    for_each_entry(index, [&](const std::string& key, std::string_view value, std::size_t) {
      std::size_t p = static_cast<std::size_t>(value.data() - bytes_.data());
      const block_handle data = handle(p, p + value.size());
      for_each_entry(data, [&](const std::string& k, std::string_view v, std::size_t entry_at) {
        if (!entries_.empty() && k <= entries_.back().first) fail(entry_at, "keys are not in increasing order");
        if (k > key) fail(entry_at, "a key lies above its index entry");
        entries_.emplace_back(k, v);
      });
    });
  }
  const std::vector<std::pair<std::string, std::string_view>>& entries() const noexcept { return entries_; }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    staticflow::detail::fail<data_loss>({"staticflow::io::table: '", file_, "' at byte ", at, ": ", what});
  }
  static std::string hex(std::uint64_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s = "0x";
    for (int i = 60; i >= 0; i -= 4) s.push_back(digits[(v >> i) & 15]);
    return s;
  }
  std::uint32_t load32(std::size_t at) const {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<std::uint8_t>(bytes_[at + i])} << (8 * i);
    return v;
  }
  std::uint64_t varint(std::size_t& pos, std::size_t end, int max_bytes) const {
    std::uint64_t v = 0;
    for (int shift = 0, i = 0; i < max_bytes; ++i, shift += 7) {
      if (pos >= end) fail(pos, "a varint runs past its end");
      const auto b = static_cast<std::uint8_t>(bytes_[pos++]);
      v |= std::uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    fail(pos, "a varint is longer than its type allows");
  }
  block_handle handle(std::size_t& pos, std::size_t end) const {
    const std::size_t at = pos;
    block_handle h{varint(pos, end, 10), varint(pos, end, 10)};
    if (h.offset > bytes_.size() || h.size > bytes_.size() - h.offset ||
        trailer_size > bytes_.size() - h.offset - h.size)
      fail(at, "block handle (offset " + std::to_string(h.offset) + ", size " + std::to_string(h.size) +
                   ") lies outside the file of " + std::to_string(bytes_.size()) + " bytes");
    return h;
  }
  /// Checks a block's trailer and calls f(key, value, offset) for each entry in order.
  template <class F>
  void for_each_entry(block_handle h, F&& f) const {
    const std::size_t begin = static_cast<std::size_t>(h.offset), size = static_cast<std::size_t>(h.size);
    const std::size_t trailer = begin + size;
    const char type = bytes_[trailer];
    const std::uint32_t crc = crc32c_extend(crc32c(bytes_.data() + begin, size), &type, 1);
    if (crc32c_mask(crc) != load32(trailer + 1))
      fail(begin, "block CRC mismatch (stored " + hex(load32(trailer + 1)) + ", computed " + hex(crc32c_mask(crc)) + ")");
    if (type != 0)
      staticflow::detail::fail<unimplemented>({"staticflow::io::table: '", file_, "' at byte ", begin,
                                               ": compressed block (type ", int(type),
                                               "); only uncompressed tables are read"});
    if (size < 4) fail(begin, "block of " + std::to_string(size) + " bytes has no restart count");
    const std::uint64_t restarts = load32(trailer - 4);
    if (restarts == 0 || restarts > (size - 4) / 4)
      fail(trailer - 4, "restart count " + std::to_string(restarts) + " does not fit the block");
    const std::size_t end = trailer - 4 - static_cast<std::size_t>(restarts) * 4;
    std::string key;
    for (std::size_t pos = begin; pos < end;) {
      const std::size_t at = pos;
      const std::uint64_t shared = varint(pos, end, 5), own = varint(pos, end, 5), value = varint(pos, end, 5);
      if (shared > key.size()) fail(at, "entry shares more bytes than the previous key has");
      if (own > end - pos || value > end - pos - own) fail(at, "entry runs past its block");
      key.resize(static_cast<std::size_t>(shared));
      key.append(bytes_.data() + pos, static_cast<std::size_t>(own));
      pos += static_cast<std::size_t>(own);
      f(key, bytes_.substr(pos, static_cast<std::size_t>(value)), at);
      pos += static_cast<std::size_t>(value);
    }
  }

  std::string_view bytes_;
  std::string file_;
  std::vector<std::pair<std::string, std::string_view>> entries_;
};

}  // namespace staticflow::io::table
#endif  // STATICFLOW_IO_TABLE_HPP
