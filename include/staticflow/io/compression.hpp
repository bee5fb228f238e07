// SPDX-License-Identifier: MIT
/// \file
/// \brief Files read and written as byte streams, plain or through zlib (`gzip` / `zlib` framing).
///
/// Streaming both ways: a fixed-size buffer, never the whole file in memory. Compression needs
/// zlib (the build defines SF_HAVE_ZLIB=1 when it links it); without it, asking for `gzip` or
/// `zlib` throws `unimplemented` saying so, and plain files work as usual.
#pragma once
#ifndef STATICFLOW_IO_COMPRESSION_HPP
#define STATICFLOW_IO_COMPRESSION_HPP

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "staticflow/core/error.hpp"

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
#include <zlib.h>
#endif

namespace staticflow::io {

/// How a file's bytes are stored: as they are, as a gzip stream (RFC 1952) or a zlib stream
/// (RFC 1950). TensorFlow's names are "", "GZIP" and "ZLIB".
enum class compression : std::uint8_t { none, gzip, zlib };

constexpr const char* to_string(compression c) noexcept {
  switch (c) {
    case compression::none: return "none";
    case compression::gzip: return "gzip";
    case compression::zlib: return "zlib";
  }
  return "invalid";
}

/// "", "none", "gzip", "zlib" in any case (TF spells them "", "GZIP", "ZLIB").
/// **Errors**: invalid_argument for any other name.
inline compression compression_from_string(std::string_view name) {
  std::string lower(name);
  for (char& ch : lower) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  if (lower.empty() || lower == "none") return compression::none;
  if (lower == "gzip") return compression::gzip;
  if (lower == "zlib") return compression::zlib;
  staticflow::detail::fail<invalid_argument>(
      {"staticflow::io::compression_from_string: unknown compression '", name, "' (known: none, gzip, zlib)"});
}

/// True when this build can read and write gzip/zlib streams.
constexpr bool have_zlib() noexcept {
#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
  return true;
#else
  return false;
#endif
}

namespace detail {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

/// "'<path>'" for messages.
inline std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

inline file_ptr open_file(const std::filesystem::path& path, const char* mode, std::string_view who) {
  std::error_code ec;
  if (mode[0] == 'r' && std::filesystem::is_directory(path, ec))
    staticflow::detail::fail<not_found>({who, ": ", quoted(path), " is a directory, not a file"});
  file_ptr f(std::fopen(path.string().c_str(), mode));
  if (!f)
    staticflow::detail::fail<not_found>({who, ": cannot open ", quoted(path), mode[0] == 'r' ? " for reading (" : " for writing (",
                                         std::strerror(errno), ")"});
  return f;
}

[[noreturn]] inline void fail_no_zlib(std::string_view who, const std::filesystem::path& path, compression c) {
  staticflow::detail::fail<unimplemented>(
      {who, ": ", quoted(path), ": ", to_string(c), " compression needs zlib, but staticflow was built without it; "
       "install zlib (e.g. zlib1g-dev) and rebuild so that SF_HAVE_ZLIB=1, or use compression none"});
}

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
/// zlib's windowBits for a framing: 15 (32 KiB window), +16 for the gzip wrapper.
constexpr int zlib_window_bits(compression c) noexcept { return c == compression::gzip ? 15 + 16 : 15; }
#endif

/// A file read front to back, decompressed on the fly when `c` says so.
///
/// Gzip files made of several members (`cat a.gz b.gz`) read as their concatenation. A zero-byte
/// file is an empty stream for every compression (TF's readers accept it as no records).
class input_stream {
 public:
  input_stream(const std::filesystem::path& path, compression c, std::size_t buffer_size, std::string_view who)
      : path_(path), who_(who), compression_(c), file_(open_file(path, "rb", who)) {
    if (c == compression::none) return;
#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
    in_.resize(std::max<std::size_t>(buffer_size, 4096));
    if (inflateInit2(&z_, zlib_window_bits(c)) != Z_OK)
      staticflow::detail::fail<resource_exhausted>({who_, ": ", quoted(path_), ": zlib inflateInit2 failed"});
    z_ready_ = true;
#else
    (void)buffer_size;
    fail_no_zlib(who, path, c);
#endif
  }
  input_stream(const input_stream&) = delete;
  input_stream& operator=(const input_stream&) = delete;
  ~input_stream() {
#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
    if (z_ready_) inflateEnd(&z_);
#endif
  }

  compression kind() const noexcept { return compression_; }
  const std::filesystem::path& path() const noexcept { return path_; }

  /// Reads up to `n` bytes into `dst`; fewer only at the end of the (decompressed) stream.
  /// **Errors**: data_loss for corrupt or truncated compressed data; internal_error for an
  /// I/O error.
  std::size_t read(char* dst, std::size_t n) {
    if (compression_ == compression::none) return read_plain(dst, n);
    return read_inflated(dst, n);
  }

 private:
  std::size_t read_plain(char* dst, std::size_t n) {
    const std::size_t got = std::fread(dst, 1, n, file_.get());
    if (got < n && std::ferror(file_.get()))
      staticflow::detail::fail<internal_error>({who_, ": ", quoted(path_), ": read error (", std::strerror(errno), ")"});
    return got;
  }

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
  /// Refills the compressed buffer; false at the end of the file.
  bool refill() {
    const std::size_t got = read_plain(in_.data(), in_.size());
    z_.next_in = reinterpret_cast<Bytef*>(in_.data());
    z_.avail_in = static_cast<uInt>(got);
    compressed_read_ += got;
    return got > 0;
  }

  std::size_t read_inflated(char* dst, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      if (z_.avail_in == 0 && !refill()) {
        if (in_member_) fail_corrupt("the compressed stream is truncated (it ends inside a ", to_string(compression_),
                                     " member)");
        break;
      }
      if (!in_member_) in_member_ = true;
      const auto chunk = static_cast<uInt>(std::min<std::size_t>(n - done, UINT_MAX));
      z_.next_out = reinterpret_cast<Bytef*>(dst + done);
      z_.avail_out = chunk;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      done += chunk - z_.avail_out;
      if (rc == Z_STREAM_END) end_member();
      else if (rc != Z_OK && rc != Z_BUF_ERROR) fail_zlib(rc);
    }
    return done;
  }

  /// A member ended: get ready for another one, should more bytes follow (concatenated gzip).
  void end_member() {
    in_member_ = false;
    inflateReset(&z_);
  }

  template <class... P>
  [[noreturn]] void fail_corrupt(const P&... parts) {
    const std::uint64_t at = compressed_read_ - z_.avail_in;
    staticflow::detail::fail<data_loss>({who_, ": ", quoted(path_), ": corrupt ", to_string(compression_),
                                         " data at compressed byte ", at, ": ", parts...});
  }

  [[noreturn]] void fail_zlib(int rc) {
    if (rc == Z_MEM_ERROR)
      staticflow::detail::fail<resource_exhausted>({who_, ": ", quoted(path_), ": zlib ran out of memory"});
    fail_corrupt(z_.msg ? z_.msg : "zlib error", " (zlib code ", rc, ")");
  }

  z_stream z_{};
  bool z_ready_ = false;
  bool in_member_ = false;
  std::vector<char> in_;
  std::uint64_t compressed_read_ = 0;
#else
  std::size_t read_inflated(char*, std::size_t) { return 0; }
#endif

  std::filesystem::path path_;
  std::string who_;
  compression compression_;
  file_ptr file_;
};

/// A file written front to back, compressed on the fly when `c` says so. close() reports
/// errors; the destructor closes silently (a destructor must not throw).
class output_stream {
 public:
  output_stream(const std::filesystem::path& path, compression c, int level, std::size_t buffer_size,
                std::string_view who)
      : path_(path), who_(who), compression_(c), file_(open_file(path, "wb", who)) {
    if (c == compression::none) return;
#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
    out_.resize(std::max<std::size_t>(buffer_size, 4096));
    if (deflateInit2(&z_, level, Z_DEFLATED, zlib_window_bits(c), 8, Z_DEFAULT_STRATEGY) != Z_OK)
      staticflow::detail::fail<invalid_argument>(
          {who_, ": ", quoted(path_), ": zlib deflateInit2 failed (compression level ", level, " must be -1..9)"});
    z_ready_ = true;
#else
    (void)level, (void)buffer_size;
    fail_no_zlib(who, path, c);
#endif
  }
  output_stream(const output_stream&) = delete;
  output_stream& operator=(const output_stream&) = delete;
  ~output_stream() {
    try {
      close();
    } catch (...) {  // close() explicitly to see the error
    }
  }

  bool is_open() const noexcept { return file_ != nullptr; }

  void write(const char* data, std::size_t n) {
    check_open();
    if (compression_ == compression::none) return write_plain(data, n);
    deflate_all(data, n, 0);
  }

  /// Pushes everything written so far to the operating system (a sync point in compressed
  /// streams, so a reader of the partial file can decompress all of it).
  void flush() {
    check_open();
    if (compression_ != compression::none) deflate_all(nullptr, 0, 1);
    if (std::fflush(file_.get()) != 0) fail_io("flush");
  }

  /// Finishes the stream and closes the file. **Errors**: internal_error when the system
  /// reports a write or close failure (disk full, ...).
  void close() {
    if (!file_) return;
    if (compression_ != compression::none) deflate_all(nullptr, 0, 2);
    end_zlib();
    std::FILE* f = file_.release();
    if (std::fclose(f) != 0) fail_io("close");
  }

 private:
  void check_open() const {
    if (!file_) staticflow::detail::fail<failed_precondition>({who_, ": ", quoted(path_), " is already closed"});
  }
  [[noreturn]] void fail_io(const char* what) const {
    staticflow::detail::fail<internal_error>({who_, ": ", quoted(path_), ": ", what, " failed (", std::strerror(errno), ")"});
  }
  void write_plain(const char* data, std::size_t n) {
    if (n && std::fwrite(data, 1, n, file_.get()) != n) fail_io("write");
  }

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
  /// Feeds `n` bytes to deflate, writing out full buffers; `mode` 0 none, 1 sync flush, 2 finish.
  void deflate_all(const char* data, std::size_t n, int mode) {
    const int flush = mode == 0 ? Z_NO_FLUSH : mode == 1 ? Z_SYNC_FLUSH : Z_FINISH;
    do {
      const auto chunk = static_cast<uInt>(std::min<std::size_t>(n, UINT_MAX));
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
      z_.avail_in = chunk;
      const bool last = chunk == n;
      const int rc = deflate_chunk(last ? flush : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) fail_io("zlib deflate");
      data += chunk, n -= chunk;
    } while (n > 0);
  }
  int deflate_chunk(int flush) {
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      rc = deflate(&z_, flush);
      write_plain(out_.data(), out_.size() - z_.avail_out);
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END && rc != Z_STREAM_ERROR));
    return rc;
  }
  void end_zlib() {
    if (z_ready_) deflateEnd(&z_), z_ready_ = false;
  }

  z_stream z_{};
  bool z_ready_ = false;
  std::vector<char> out_;
#else
  void deflate_all(const char*, std::size_t, int) {}
  void end_zlib() {}
#endif

  std::filesystem::path path_;
  std::string who_;
  compression compression_;
  file_ptr file_;
};

}  // namespace detail
}  // namespace staticflow::io
#endif  // STATICFLOW_IO_COMPRESSION_HPP
